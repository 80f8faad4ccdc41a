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

export interface ChatRequest {
  model: string;
  system: string;
  messages: ChatTurn[];
  temperature?: number;
  maxTokens?: number;
  /** Ask for a JSON object where the vendor can enforce it; the prompt asks for it anyway. */
  responseFormat?: 'text' | 'json';
  signal: AbortSignal;
}

export type StreamPart =
  | { type: 'text-delta'; text: string }
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
