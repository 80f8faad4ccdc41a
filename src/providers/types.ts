import type { ProviderName, Usage } from '../domain.js';
import type { ProviderError } from './errors.js';

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

/** The closed set of reasons a reply can end with. */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'cancelled' | 'other';

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
