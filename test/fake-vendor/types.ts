import type { IncomingHttpHeaders } from 'node:http';

/** Each has its own queue of scripted responses. `openai-compatible` speaks OpenAI's format under /compatible/v1. */
export type FakeVendorName = 'anthropic' | 'openai' | 'openai-compatible' | 'gemini';

export interface FakeUsage {
  inputTokens: number;
  outputTokens: number;
}

/**
 * What the fake answers to one generation request. Every field is optional;
 * an empty object is the default reply. Combine freely, e.g.
 * `{ chunks: ['Hel', 'lo'], hang: true }` streams two deltas, then stalls.
 */
export interface FakeResponse {
  /** Any status but 200 answers with the vendor's JSON error body instead of a stream. */
  status?: number;
  /** Seconds. Anthropic/OpenAI: a Retry-After header; Gemini: google.rpc.RetryInfo.retryDelay in the body. */
  retryAfter?: number;
  /**
   * The vendor's error type for an error status (default per status), e.g.
   * Anthropic `overloaded_error`, OpenAI `insufficient_quota`, Gemini `API_KEY_INVALID` (an ErrorInfo reason).
   */
  errorType?: string;
  /** The `message` in the error body (default: vendor-like wording). */
  message?: string;
  /** Text deltas, in order (default: "Hello from the fake vendor." in five pieces). */
  chunks?: string[];
  /** Pause before each chunk, in milliseconds. */
  delayMs?: number;
  /** Reported token counts (default 12 in, 5 out); `null`: the vendor reports none. */
  usage?: FakeUsage | null;
  /** Vendor-native: Anthropic stop_reason, OpenAI finish_reason, Gemini finishReason. */
  stopReason?: string;
  /** Destroy the connection after this many chunks (a dropped stream; 0 = right after the headers). */
  cutAfter?: number;
  /** After the chunks, keep the stream open, sending nothing, until the client goes away. */
  hang?: boolean;
  /**
   * After the chunks, wait at this gate (made by `FakeVendor.gate()`) until the test
   * releases it or the client goes away; then stream `afterGate` and end normally.
   * This holds a turn open on purpose, across processes too (the gate lives in the test).
   */
  gate?: FakeGate;
  /** Text deltas streamed once the gate opens (default none); only with `gate`. */
  afterGate?: string[];
  /** After the chunks, send the vendor's in-band error with this type (Gemini: a status name such as UNAVAILABLE). */
  inBandError?: string;
  /**
   * After the text chunks, the reply asks for these tool calls in the vendor's streaming
   * format (Anthropic tool_use blocks with input_json_delta, OpenAI tool_calls deltas by
   * index, Gemini functionCall parts). The default stopReason becomes the vendor's tool
   * value (tool_use, tool_calls; Gemini keeps STOP).
   */
  toolCalls?: FakeToolCall[];
}

export interface FakeToolCall {
  /** The vendor call id (Gemini: sent as functionCall.id unless `omitId`). */
  id: string;
  /** The tool name as the request declared it. */
  name: string;
  arguments: Record<string, unknown>;
  /**
   * How the JSON text of the arguments is split across deltas (Anthropic, OpenAI); they
   * must join to valid JSON. Default: JSON.stringify(arguments) in two pieces.
   */
  argumentChunks?: string[];
  /** Gemini: leave functionCall.id out, as older models do. */
  omitId?: boolean;
  /** Gemini: a thoughtSignature on the part, which must come back unchanged. */
  signature?: string;
}

/**
 * A point where scripted streams wait until the test lets them go: "a reply still
 * streaming when X happens" without slow chunks and hope. One gate may hold many streams.
 */
export interface FakeGate {
  /** Every stream that reached the gate (wrote its chunks before it), in order; it stays listed once gone. */
  readonly arrivals: readonly RecordedRequest[];
  /** Resolves once `count` streams (default 1) have reached the gate. */
  reached(count?: number): Promise<RecordedRequest[]>;
  /** Opens the gate: the streams waiting at it go on, and later ones pass straight through. */
  release(): void;
  /** For the fake: records `request` as waiting and resolves when the gate opens. */
  pass(request: RecordedRequest): Promise<void>;
}

export interface RecordedRequest {
  /** Which vendor's route it hit; `unknown` for anything the fake does not speak (also listed in `unexpected`). */
  vendor: FakeVendorName | 'unknown';
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  /** performance.now() when the request was complete. */
  receivedAt: number;
  /** Resolves when the response's connection closes; `completed` is false when it closed before the end. */
  closed: Promise<{ completed: boolean }>;
  /** Destroys the connection now: cuts a (hanging) stream at the moment a test chooses. */
  drop(): void;
}

/** What a wire format needs to know about the request it answers. */
export interface ReplyContext {
  request: RecordedRequest;
  response: ResolvedResponse;
  /** The model the request named. */
  model: string;
}

export interface ResolvedResponse extends FakeResponse {
  chunks: string[];
  usage: FakeUsage | null;
  stopReason: string;
}

/** One vendor's wire format: the frames of a streamed reply and its JSON bodies. */
export interface WireFormat {
  streamHeaders: Record<string, string>;
  /** Frames before the first text chunk. */
  opening(context: ReplyContext): string[];
  /** One text chunk; `last` when it also ends the reply (Gemini puts finishReason and usage on it). */
  chunk(text: string, position: { index: number; last: boolean }, context: ReplyContext): string;
  /** Frames after the last chunk: stop reason, usage, terminator. `endCarried` when the last chunk already ended the reply. */
  closing(context: ReplyContext, endCarried: boolean): string[];
  inBandError(errorType: string, context: ReplyContext): string;
  error(context: ReplyContext): { status: number; headers: Record<string, string>; body: unknown };
  /** The whole reply as one JSON body, for a request that did not ask to stream. */
  complete(context: ReplyContext): unknown;
}
