import type {
  ContentBlockParam,
  MessageParam,
  RawContentBlockStartEvent,
  Tool,
  ToolChoice,
  ToolResultBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import { parseToolArguments } from './tool-calls.js';
import type { ChatRequest, ToolCallRequest, ToolDefinition, ToolStep } from './types.js';

/** Custom tools: the MCP input schema is already the JSON Schema object the API wants. */
export function convertAnthropicTools(tools: readonly ToolDefinition[]): Tool[] {
  return tools.map((tool) => ({
    name: tool.name,
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    input_schema: { ...tool.inputSchema, type: 'object' },
  }));
}

/** `auto` is the API's default and stays unsent; `none` keeps the tools declared but forbids calls. */
export function convertAnthropicToolChoice(choice: ChatRequest['toolChoice']): ToolChoice | undefined {
  if (choice === undefined) return undefined;
  switch (choice) {
    case 'auto':
      return undefined;
    case 'none':
      return { type: 'none' };
    default: {
      const unexpected: never = choice;
      return unexpected;
    }
  }
}

function convertToolResult(result: ToolStep['results'][number]): ToolResultBlockParam {
  return {
    type: 'tool_result',
    tool_use_id: result.callId,
    content: result.content,
    ...(result.isError ? { is_error: true } : {}),
  };
}

/**
 * Each step goes back as the assistant message the model streamed (its text, then every
 * tool_use with the same id) and one user message with a tool_result per call. The
 * converted transcript always ends with a user turn, so roles keep alternating. A blank
 * text block is left out: the API rejects whitespace-only text.
 */
export function convertAnthropicToolSteps(steps: readonly ToolStep[]): MessageParam[] {
  return steps.flatMap((step): MessageParam[] => {
    const assistant: ContentBlockParam[] = [
      ...(step.text.trim() !== '' ? [{ type: 'text' as const, text: step.text }] : []),
      ...step.calls.map((call) => ({ type: 'tool_use' as const, id: call.id, name: call.name, input: call.arguments })),
    ];
    return [
      { role: 'assistant', content: assistant },
      { role: 'user', content: step.results.map(convertToolResult) },
    ];
  });
}

interface PendingToolUse {
  id: string;
  name: string;
  /** The input the start event carried: `{}` from the API, whole from a server that streams no deltas. */
  startInput: unknown;
  json: string;
}

function hasKeys(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

/** Collects each tool_use block's `input_json_delta` fragments by block index until its `content_block_stop`. */
export interface AnthropicToolCallAssembler {
  /** Opens a block; only tool_use blocks are tracked. */
  start(event: Pick<RawContentBlockStartEvent, 'index' | 'content_block'>): void;
  append(index: number, partialJson: string): void;
  /** Closes a block: the finished call, or undefined for a block that is not a tool_use. */
  finish(index: number): ToolCallRequest | undefined;
}

export function createAnthropicToolCallAssembler(): AnthropicToolCallAssembler {
  const pending = new Map<number, PendingToolUse>();
  return {
    start: ({ index, content_block: block }) => {
      if (block.type === 'tool_use') pending.set(index, { id: block.id, name: block.name, startInput: block.input, json: '' });
    },
    append: (index, partialJson) => {
      const call = pending.get(index);
      if (call !== undefined) call.json += partialJson;
    },
    finish: (index) => {
      const call = pending.get(index);
      if (call === undefined) return undefined;
      pending.delete(index);
      const text = call.json === '' && hasKeys(call.startInput) ? JSON.stringify(call.startInput) : call.json;
      return { id: call.id, name: call.name, ...parseToolArguments(text) };
    },
  };
}
