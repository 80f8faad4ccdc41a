import type { FinishReason, ProviderName, Usage } from '../domain.js';
import type { ProviderError } from './errors.js';

// Plain types only, importing no adapter: the engine depends on this file and must not reach a vendor SDK.

export type { FinishReason };

/**
 * One turn of the transcript as a provider sees it: the agent's own turns are
 * `assistant`, everyone else's are `user` turns carrying the speaker's name.
 * Each adapter maps this onto its vendor's role rules.
 */
export interface ChatTurn {
  role: 'user' | 'assistant';
  name: string;
  content: string;
}

/**
 * A tool the model may call, as the engine offers it. `name` is what the model sees and
 * answers with: `<server>__<tool>`, made of `[A-Za-z0-9_-]` and at most 64 characters
 * (every vendor accepts that). `server` and `tool` are the MCP names, for CLAUDE_AGENT,
 * which passes the servers on and runs the calls itself.
 */
export interface ToolDefinition {
  name: string;
  server: string;
  tool: string;
  description?: string;
  /** The MCP tool's JSON Schema for its arguments; always `{ type: 'object', ... }`. */
  inputSchema: Record<string, unknown>;
}

/** A call the model asked for, assembled from the vendor's deltas. */
export interface ToolCallRequest {
  /** The vendor's call id (Gemini without one: made up by the adapter, unique in the turn). */
  id: string;
  /** The `ToolDefinition.name` the model used. */
  name: string;
  /** Parsed arguments; `{}` when the model sent none. */
  arguments: Record<string, unknown>;
  /** The arguments exactly as the model wrote them (OpenAI sends this string back unchanged). */
  argumentsText: string;
  /** Gemini's `thoughtSignature` on the call's part: sent back on the same part. */
  signature?: string;
}

/** What the engine sends back for one call. */
export interface ToolResultPart {
  callId: string;
  /** The `ToolDefinition.name` of the call. */
  name: string;
  /** Text the model reads: the tool's output, or what went wrong. Already size-capped. */
  content: string;
  isError: boolean;
}

/** One earlier model call of the same turn that ended asking for tools, and the answers. */
export interface ToolStep {
  /** The text the model wrote before its calls (may be empty). */
  text: string;
  calls: ToolCallRequest[];
  results: ToolResultPart[];
}

export interface ChatRequest {
  model: string;
  system: string;
  messages: ChatTurn[];
  temperature?: number;
  maxTokens?: number;
  /** Ask for a JSON object where the vendor can enforce it; the prompt asks for it anyway. */
  responseFormat?: 'text' | 'json';
  /** Tools offered to the model; absent or empty: none (the request carries no tool field). */
  tools?: ToolDefinition[];
  /** `none`: the tools stay declared (the history holds calls) but the model must answer in text. Default `auto`. */
  toolChoice?: 'auto' | 'none';
  /**
   * This turn's earlier steps, oldest first, appended after `messages`: each step's
   * assistant text and calls, then the results, in the vendor's own shape.
   */
  toolSteps?: ToolStep[];
  signal: AbortSignal;
}

export type StreamPart =
  | { type: 'text-delta'; text: string }
  /** The model asks for a tool; the engine runs it after `finish` and calls the model again. */
  | { type: 'tool-call'; call: ToolCallRequest }
  /**
   * A call the provider ran itself (CLAUDE_AGENT's binary runs the loop): the engine only
   * records it. Follows the `tool-call` part with the same `callId`.
   */
  | { type: 'tool-result'; callId: string; content: string; isError: boolean; durationMs?: number }
  | { type: 'finish'; finishReason: FinishReason; usage: Usage }
  | { type: 'error'; error: ProviderError };

/**
 * The one interface the engine knows. `stream` never throws: failures arrive as
 * an `error` part and end the stream; a finished reply ends with a `finish` part.
 */
export interface ChatModel {
  readonly provider: ProviderName;
  stream(request: ChatRequest): AsyncIterable<StreamPart>;
}

export interface ProviderInfo {
  name: ProviderName;
  configured: boolean;
  defaultModel: string;
}

/** The configured adapters; built by `createProviderRegistry` in registry.ts. */
/** The environment variable that configures each provider, for messages that say what to set. */
export const PROVIDER_SETTING: Readonly<Record<ProviderName, string>> = {
  ANTHROPIC: 'ANTHROPIC_API_KEY',
  OPENAI: 'OPENAI_API_KEY',
  GEMINI: 'GEMINI_API_KEY',
  CLAUDE_AGENT: 'ANTHROPIC_API_KEY',
  OPENAI_COMPATIBLE: 'OPENAI_COMPATIBLE_BASE_URL',
  MOCK: 'nothing (MOCK is always on)',
  REPLAY: 'RECORD_PROVIDER_CALLS=true when the discussion to replay is created (REPLAY is only for replayDiscussion)',
};

/** Why a provider is off, naming the variable to set. */
export const notConfigured = (name: ProviderName): string =>
  `provider ${name} is not configured on this server: set ${PROVIDER_SETTING[name]}`;

export interface ProviderRegistry {
  list(): ProviderInfo[];
  /** The model for a provider, or undefined when it is not configured. */
  get(name: ProviderName): ChatModel | undefined;
  defaultModel(name: ProviderName): string;
}
