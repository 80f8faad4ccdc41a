import type { McpServerConfig as AgentMcpServerConfig, Options, SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';
import type { McpServerConfig } from '../tools/types.js';
import { parseToolArguments } from './tool-calls.js';
import type { StreamPart, ToolCallRequest, ToolDefinition } from './types.js';

// CLAUDE_AGENT's side of tool calls: the claude binary connects to the MCP servers and runs
// the loop itself, so we only pass the servers and permissions on and report what it did.

/** The binary's server names: anything outside [a-zA-Z0-9_-] becomes `_` (Agent SDK doc, sdk.d.ts). */
function normaliseName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, '_');
}

/** The name the model (and the permission rules) know an MCP tool by: `mcp__<server>__<tool>`. */
export function claudeAgentToolName(server: string, tool: string): string {
  return `mcp__${normaliseName(server)}__${normaliseName(tool)}`;
}

/**
 * A server of MCP_SERVERS as the binary takes it. `alwaysLoad` puts its tools in the first
 * prompt instead of behind tool search (which `tools: []` removes) and waits for it to
 * connect (capped at 5 s); `timeout` is the binary's per-call limit. A stdio `cwd` has no
 * field here: the binary starts the server in its own working directory.
 */
export function convertClaudeAgentMcpServer(config: McpServerConfig, timeoutMs: number): AgentMcpServerConfig {
  switch (config.transport) {
    case 'stdio':
      // the binary starts the server with its own environment added, Anthropic key included: blank that out
      return {
        type: 'stdio',
        command: config.command,
        args: config.args,
        env: { ANTHROPIC_API_KEY: '', ...config.env },
        timeout: timeoutMs,
        alwaysLoad: true,
      };
    case 'http':
      return { type: 'http', url: config.url, headers: config.headers, timeout: timeoutMs, alwaysLoad: true };
    default: {
      const unexpected: never = config;
      return unexpected;
    }
  }
}

export interface ClaudeAgentToolSettings {
  /** The configured servers, by name. */
  servers: Readonly<Record<string, McpServerConfig>>;
  timeoutMs: number;
  /** Model calls of one turn that may ask for tools. */
  maxSteps: number;
}

export type ClaudeAgentToolOptions = Required<Pick<Options, 'allowedTools' | 'mcpServers' | 'mcpServersDelivery' | 'maxTurns'>>;

/**
 * The options for a run offering `tools`: only the servers they use, and exactly their
 * names pre-approved (`permissionMode: 'dontAsk'` denies the rest). `maxTurns` counts model
 * calls: `maxSteps` that may call tools, then one to answer. Server settings go over stdin
 * (`initialize`), so env and headers stay off the child's command line.
 */
export function buildClaudeAgentToolOptions(tools: readonly ToolDefinition[], settings: ClaudeAgentToolSettings): ClaudeAgentToolOptions {
  const mcpServers: Record<string, AgentMcpServerConfig> = {};
  const allowedTools: string[] = [];
  for (const tool of tools) {
    const config = settings.servers[tool.server];
    // a server the file does not name cannot be started by the binary: its tools are not offered
    if (config === undefined) continue;
    mcpServers[tool.server] ??= convertClaudeAgentMcpServer(config, settings.timeoutMs);
    allowedTools.push(claudeAgentToolName(tool.server, tool.tool));
  }
  return { allowedTools, mcpServers, mcpServersDelivery: 'initialize', maxTurns: settings.maxSteps + 1 };
}

type ToolResultContent = Extract<Exclude<SDKUserMessage['message']['content'], string>[number], { type: 'tool_result' }>['content'];

/** The text of a tool_result as the binary sent it back, its text blocks joined. */
export function joinToolResultContent(content: ToolResultContent): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');
}

interface PendingToolUse {
  id: string;
  name: string;
  json: string;
}

/** A tool_use block as the stream opens it or an `assistant` message carries it whole. */
interface ToolUseBlock {
  type: string;
  id?: string;
  name?: string;
  input?: unknown;
}

/**
 * Follows the tool_use blocks of the stream and the tool_result blocks the binary sends
 * back. The binary starts a call as soon as its block is whole, and sends the `assistant`
 * message with the block then, before the stream's content_block_stop (a quick result can
 * come in between): a call is reported at whichever of the two comes first.
 */
export interface ClaudeAgentToolTracker {
  /** A new model call: block indexes start over. */
  startMessage(): void;
  startBlock(index: number, block: ToolUseBlock): void;
  appendJson(index: number, partialJson: string): void;
  /** Closes a block: the call, unless it is not a tool_use or was reported already. */
  finishBlock(index: number, now: number): ToolCallRequest | undefined;
  /** The calls of an `assistant` message (SDKAssistantMessage) not reported yet. */
  callsOf(message: { message: { content: readonly ToolUseBlock[] } }, now: number): ToolCallRequest[];
  /** The results of calls we reported, from a `user` message the binary sent the model. */
  results(message: SDKUserMessage, now: number): StreamPart[];
  reportedCalls(): number;
  /** Calls reported whose result has not come. */
  unansweredCalls(): number;
}

export function createClaudeAgentToolTracker(tools: readonly ToolDefinition[]): ClaudeAgentToolTracker {
  const definitionNames = new Map(tools.map((tool) => [claudeAgentToolName(tool.server, tool.tool), tool.name]));
  const pending = new Map<number, PendingToolUse>();
  /** Calls reported and still waiting for their result: when each was reported. */
  const waiting = new Map<string, number>();
  const reported = new Set<string>();

  const report = (id: string, name: string, json: string, now: number): ToolCallRequest => {
    reported.add(id);
    waiting.set(id, now);
    return { id, name: definitionNames.get(name) ?? name, ...parseToolArguments(json) };
  };
  const streamedJson = (id: string): string | undefined => [...pending.values()].find((call) => call.id === id)?.json;

  return {
    startMessage: () => pending.clear(),
    startBlock: (index, block) => {
      if (block.type !== 'tool_use' || block.id === undefined || block.name === undefined) return;
      pending.set(index, { id: block.id, name: block.name, json: '' });
    },
    appendJson: (index, partialJson) => {
      const call = pending.get(index);
      if (call !== undefined) call.json += partialJson;
    },
    finishBlock: (index, now) => {
      const call = pending.get(index);
      pending.delete(index);
      if (call === undefined || reported.has(call.id)) return undefined;
      return report(call.id, call.name, call.json, now);
    },
    callsOf: (message, now) =>
      message.message.content.flatMap((block): ToolCallRequest[] => {
        if (block.type !== 'tool_use' || block.id === undefined || block.name === undefined || reported.has(block.id)) return [];
        // the text as streamed when we saw it; a block that was not streamed is whole here
        const json = streamedJson(block.id) ?? JSON.stringify(block.input ?? {});
        return [report(block.id, block.name, json, now)];
      }),
    results: (message, now) => {
      const content = message.message.content;
      if (typeof content === 'string') return [];
      return content.flatMap((block): StreamPart[] => {
        if (block.type !== 'tool_result') return [];
        const reportedAt = waiting.get(block.tool_use_id);
        if (reportedAt === undefined) return [];
        waiting.delete(block.tool_use_id);
        return [
          {
            type: 'tool-result',
            callId: block.tool_use_id,
            content: joinToolResultContent(block.content),
            isError: block.is_error === true,
            // from the call being whole to its result: the binary's run of the tool, as we see it
            durationMs: Math.max(0, Math.round(now - reportedAt)),
          },
        ];
      });
    },
    reportedCalls: () => reported.size,
    unansweredCalls: () => waiting.size,
  };
}
