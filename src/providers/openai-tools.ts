import { randomUUID } from 'node:crypto';
import type {
  ChatCompletionChunk,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import { parseToolArguments } from './tool-calls.js';
import type { ChatRequest, ToolCallRequest, ToolDefinition, ToolStep } from './types.js';

type ToolCallDelta = ChatCompletionChunk.Choice.Delta.ToolCall;

/** The prefix that marks a failed call's text: a tool message has no error flag. */
export const OPENAI_TOOL_ERROR_PREFIX = 'Error: ';

/**
 * Function tools without `strict`: strict mode needs `additionalProperties: false` and every
 * property required, which MCP schemas seldom are.
 */
export function convertOpenAITools(tools: readonly ToolDefinition[]): ChatCompletionFunctionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      parameters: tool.inputSchema,
    },
  }));
}

/** `auto` is the API's default when tools are present and stays unsent. */
export function convertOpenAIToolChoice(choice: ChatRequest['toolChoice']): ChatCompletionToolChoiceOption | undefined {
  if (choice === undefined) return undefined;
  switch (choice) {
    case 'auto':
      return undefined;
    case 'none':
      return 'none';
    default: {
      const unexpected: never = choice;
      return unexpected;
    }
  }
}

/**
 * Each step goes back as the assistant message with its calls (the arguments exactly as the
 * model wrote them), then one tool message per result.
 */
export function convertOpenAIToolSteps(steps: readonly ToolStep[]): ChatCompletionMessageParam[] {
  return steps.flatMap((step): ChatCompletionMessageParam[] => [
    {
      role: 'assistant',
      content: step.text !== '' ? step.text : null,
      tool_calls: step.calls.map((call) => ({
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: call.argumentsText },
      })),
    },
    ...step.results.map((result): ChatCompletionMessageParam => ({
      role: 'tool',
      tool_call_id: result.callId,
      content: result.isError ? `${OPENAI_TOOL_ERROR_PREFIX}${result.content}` : result.content,
    })),
  ]);
}

interface PendingToolCall {
  id: string;
  name: string;
  argumentsText: string;
}

/** Joins `delta.tool_calls` fragments into calls, keyed by `index`. */
export interface OpenAIToolCallAssembler {
  add(deltas: readonly ToolCallDelta[]): void;
  /** The calls assembled since the last take, in the order they began; each call is handed out once. */
  take(): ToolCallRequest[];
}

export function createOpenAIToolCallAssembler(): OpenAIToolCallAssembler {
  const calls: PendingToolCall[] = [];
  const latestByIndex = new Map<number, PendingToolCall>();
  let taken = 0;
  return {
    add: (deltas) => {
      for (const delta of deltas) {
        const id = delta.id ?? '';
        let call = latestByIndex.get(delta.index);
        // some compatible servers send every parallel call at index 0, told apart only by a new id
        if (call === undefined || (id !== '' && call.id !== '' && id !== call.id)) {
          call = { id: '', name: '', argumentsText: '' };
          calls.push(call);
          latestByIndex.set(delta.index, call);
        }
        if (id !== '') call.id = id;
        const name = delta.function?.name ?? '';
        if (name !== '') call.name = name;
        call.argumentsText += delta.function?.arguments ?? '';
      }
    },
    take: () => {
      const finished = calls.slice(taken);
      taken = calls.length;
      // as the SDK's own stream helper does, a call the server sent without an id gets one
      return finished.map((call) => ({
        id: call.id !== '' ? call.id : `call_${randomUUID()}`,
        name: call.name,
        ...parseToolArguments(call.argumentsText),
      }));
    },
  };
}
