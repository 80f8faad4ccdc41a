// The tools layer's contract: the engine and the schema depend on this file only, never on the MCP SDK.

/** One entry of the MCP_SERVERS file: a stdio command, or a streamable HTTP endpoint. */
export type McpServerConfig =
  | { transport: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd?: string }
  | { transport: 'http'; url: string; headers: Record<string, string> };

/** A tool as its server lists it. */
export interface McpToolInfo {
  /** The MCP name, unique on its server. */
  name: string;
  description?: string;
  /** JSON Schema of the arguments, `{ type: 'object', ... }`, `$schema` removed. */
  inputSchema: Record<string, unknown>;
  /** The server's `annotations.idempotentHint`: calling it twice with the same arguments does no more than once. */
  idempotent: boolean;
  readOnly: boolean;
}

/** What `mcpServers` shows of a server. */
export interface McpServerStatus {
  name: string;
  transport: 'stdio' | 'http';
  /** Connected now (after the connection this call may have started). */
  up: boolean;
  /** Why it is down: the last connection or listing failure, secrets left out. */
  error?: string;
  /** Its tools as last listed; empty while it never came up. */
  tools: McpToolInfo[];
}

/** A tool resolved for a turn: which server, which tool. */
export interface ResolvedTool {
  server: string;
  tool: McpToolInfo;
}

/** A finished call, as the model will see it. Never a throw: failures are `isError` results. */
export interface ToolCallOutcome {
  /** The tool's text content joined, or what went wrong; cut to the size cap with a note saying so. */
  content: string;
  isError: boolean;
  durationMs: number;
  /** The result was longer than the cap and was cut. */
  truncated: boolean;
}

export interface ToolCallOptions {
  signal: AbortSignal;
}

export class UnknownToolError extends Error {
  /** The spec as the caller wrote it (`search` or `search/web_search`). */
  readonly spec: string;
  constructor(spec: string, message: string) {
    super(message);
    this.name = 'UnknownToolError';
    this.spec = spec;
  }
}

/**
 * The MCP servers of this process (src/tools/mcp-hub.ts): connected lazily on first use,
 * shared by every discussion, reconnected after they die, closed on shutdown.
 */
export interface ToolHub {
  /** The configured server names, from the file alone (no connection). */
  serverNames(): string[];
  /** Every configured server with its tools; connects the ones not up yet (bounded wait each). */
  status(): Promise<McpServerStatus[]>;
  /**
   * The tools a list of specs names: `server` is every tool of that server, `server/tool`
   * one. Throws UnknownToolError naming the first spec that is not configured or not listed,
   * or whose server cannot be reached to list its tools. Duplicates are dropped.
   */
  resolve(specs: readonly string[]): Promise<ResolvedTool[]>;
  /**
   * Calls a tool: at most TOOL_TIMEOUT_MS, cancelled by `signal` (the MCP request is
   * cancelled too), result cut at MAX_TOOL_RESULT_CHARS. Never throws.
   */
  call(server: string, tool: string, args: Record<string, unknown>, options: ToolCallOptions): Promise<ToolCallOutcome>;
  /** The server's launch settings, for CLAUDE_AGENT, which connects to the servers itself. */
  config(server: string): McpServerConfig | undefined;
  close(): Promise<void>;
}

/** Limits of the tools layer, from the environment (src/config.ts). */
export interface ToolLimits {
  /** TOOL_TIMEOUT_MS: one call's limit. */
  timeoutMs: number;
  /** Characters of a result the model gets; longer ones are cut with a note. */
  maxResultChars: number;
  /** How long `status`/`resolve` wait for a server to connect and list its tools. */
  connectTimeoutMs: number;
}

export const DEFAULT_TOOL_LIMITS: ToolLimits = { timeoutMs: 30_000, maxResultChars: 16_000, connectTimeoutMs: 10_000 };
/** MAX_TOOL_STEPS: model calls in one turn that may ask for tools; the next must answer in text. */
export const DEFAULT_MAX_TOOL_STEPS = 8;
/** Characters of a call's arguments kept in its record. */
export const MAX_TOOL_ARGUMENT_CHARS = 8_000;
