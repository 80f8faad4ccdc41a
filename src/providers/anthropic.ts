import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type {
  MessageCreateParamsStreaming,
  MessageDeltaUsage,
  MessageParam,
  StopReason,
  Usage as AnthropicUsage,
} from '@anthropic-ai/sdk/resources/messages';
import type { ErrorType } from '@anthropic-ai/sdk/resources/shared';
import type { Usage } from '../domain.js';
import type { ProviderError, ProviderErrorKind } from './errors.js';
import {
  convertAnthropicToolChoice,
  convertAnthropicTools,
  convertAnthropicToolSteps,
  createAnthropicToolCallAssembler,
} from './anthropic-tools.js';
import { fetchWatchingRateLimits, type RateLimitListener } from './rate-limit-signal.js';
import { ignoreUnknown, streamUntilAborted } from './stream-control.js';
import { settleToolFinishReason } from './tool-calls.js';
import { convertToAlternatingTurns } from './transcript.js';
import type { ChatModel, ChatRequest, ChatTurn, FinishReason, StreamPart } from './types.js';
import {
  createConnectionError,
  createTruncatedStreamError,
  createVendorError,
  mapStatusToKind,
  mapUnexpectedError,
} from './vendor-errors.js';

const VENDOR = 'Anthropic';

/** The Messages API requires `max_tokens`; this is used when the agent sets none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 1024;

export interface AnthropicModelOptions {
  apiKey: string;
  /** The host without /v1 (the SDK adds it). */
  baseUrl?: string;
  maxRetries: number;
  timeoutMs: number;
  /** Told the wait of each 429 (PROVIDER_CONCURRENCY pauses the provider on every worker). */
  onRateLimited?: RateLimitListener;
}

/** Strict user/assistant alternation; other participants speak as "Name: text" inside user turns. */
export function convertAnthropicMessages(turns: readonly ChatTurn[]): MessageParam[] {
  return convertToAlternatingTurns(turns).map((turn) => ({ role: turn.role, content: turn.content }));
}

/**
 * `responseFormat: 'json'` has no schema-less equivalent here (structured
 * output needs a JSON schema); the caller's prompt asks for JSON and that is
 * what the model gets. This turn's tool steps follow the transcript as block
 * messages; without tools the request carries no tool field at all.
 */
export function buildAnthropicParams(request: Omit<ChatRequest, 'signal'>): MessageCreateParamsStreaming {
  const tools = request.tools ?? [];
  const toolChoice = tools.length > 0 ? convertAnthropicToolChoice(request.toolChoice) : undefined;
  return {
    model: request.model,
    ...(request.system.trim() !== '' ? { system: request.system } : {}),
    messages: [...convertAnthropicMessages(request.messages), ...convertAnthropicToolSteps(request.toolSteps ?? [])],
    max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(tools.length > 0 ? { tools: convertAnthropicTools(tools) } : {}),
    ...(toolChoice !== undefined ? { tool_choice: toolChoice } : {}),
    stream: true,
  };
}

export function mapAnthropicStopReason(reason: StopReason | null): FinishReason {
  if (reason === null) return 'other';
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content_filter';
    case 'tool_use':
      return 'tool_calls';
    case 'pause_turn':
      return 'other';
    default:
      ignoreUnknown(reason);
      return 'other';
  }
}

/**
 * Input tokens come from message_start (all three input counters: plain,
 * cache writes, cache reads), output tokens from message_delta, whose counts
 * are cumulative and final. A count not reported stays undefined.
 */
export function convertAnthropicUsage(
  start: Pick<AnthropicUsage, 'input_tokens' | 'cache_creation_input_tokens' | 'cache_read_input_tokens'> | undefined,
  delta: Pick<MessageDeltaUsage, 'input_tokens' | 'cache_creation_input_tokens' | 'cache_read_input_tokens' | 'output_tokens'> | undefined,
): Usage {
  const plainInput = delta?.input_tokens ?? start?.input_tokens ?? undefined;
  const cacheWrites = delta?.cache_creation_input_tokens ?? start?.cache_creation_input_tokens ?? 0;
  const cacheReads = delta?.cache_read_input_tokens ?? start?.cache_read_input_tokens ?? 0;
  return {
    inputTokens: plainInput === undefined ? undefined : plainInput + cacheWrites + cacheReads,
    outputTokens: delta?.output_tokens ?? undefined,
  };
}

/** The kind an Anthropic `error.type` names (in an HTTP error body or an in-band `event: error`). */
export function mapAnthropicErrorType(type: ErrorType | null): ProviderErrorKind | undefined {
  if (type === null) return undefined;
  switch (type) {
    case 'rate_limit_error':
      return 'rate_limited';
    case 'overloaded_error':
      return 'overloaded';
    case 'authentication_error':
    case 'permission_error':
    case 'billing_error': // no credit left: retrying cannot help, an operator has to act, as with a bad key
      return 'authentication';
    case 'invalid_request_error':
    case 'not_found_error':
    case 'conflict_error':
    case 'memory_precondition_failed_error':
    case 'memory_path_conflict_error':
      return 'bad_request';
    case 'api_error':
    case 'timeout_error':
      return 'server';
    default:
      ignoreUnknown(type);
      return undefined;
  }
}

export function mapAnthropicError(error: unknown): ProviderError {
  if (error instanceof APIUserAbortError) return createVendorError(VENDOR, 'cancelled');
  if (error instanceof APIConnectionTimeoutError) {
    return createVendorError(VENDOR, 'network', { phrase: 'did not answer in time' });
  }
  if (error instanceof APIConnectionError) return createConnectionError(VENDOR, error.cause);
  if (error instanceof APIError) {
    // instanceof leaves the class's type parameters `any`: narrow the status to what it is declared to be
    const status = typeof error.status === 'number' ? error.status : undefined;
    const kind = mapAnthropicErrorType(error.type) ?? (status === undefined ? 'unknown' : mapStatusToKind(status));
    const phrase = error.type === 'billing_error' ? 'refused the request: the account has no credit left' : undefined;
    return createVendorError(VENDOR, kind, { status, code: error.type, phrase });
  }
  return mapUnexpectedError(VENDOR, error);
}

async function* streamAnthropic(client: Anthropic, request: ChatRequest): AsyncGenerator<StreamPart> {
  let startUsage: AnthropicUsage | undefined;
  let deltaUsage: MessageDeltaUsage | undefined;
  let stopReason: StopReason | null | undefined;
  const toolCalls = createAnthropicToolCallAssembler();
  let callCount = 0;
  try {
    const opening = client.messages.create(buildAnthropicParams(request), { signal: request.signal });
    for await (const event of streamUntilAborted(opening, request.signal)) {
      switch (event.type) {
        case 'message_start':
          startUsage = event.message.usage;
          break;
        case 'content_block_start':
          toolCalls.start(event);
          break;
        case 'content_block_delta':
          if (event.delta.type === 'text_delta' && event.delta.text !== '') {
            yield { type: 'text-delta', text: event.delta.text };
          } else if (event.delta.type === 'input_json_delta') {
            toolCalls.append(event.index, event.delta.partial_json);
          }
          break;
        case 'content_block_stop': {
          // a call is complete once its block closes; blocks arrive in the order the model made them
          const call = toolCalls.finish(event.index);
          if (call !== undefined) {
            callCount += 1;
            yield { type: 'tool-call', call };
          }
          break;
        }
        case 'message_delta':
          deltaUsage = event.usage;
          stopReason = event.delta.stop_reason;
          break;
        case 'message_stop':
          break;
        default:
          ignoreUnknown(event);
      }
    }
  } catch (error) {
    if (!request.signal.aborted) {
      yield { type: 'error', error: mapAnthropicError(error) };
      return;
    }
  }
  const usage = convertAnthropicUsage(startUsage, deltaUsage);
  if (request.signal.aborted) {
    yield { type: 'finish', finishReason: 'cancelled', usage };
  } else if (stopReason === undefined) {
    yield { type: 'error', error: createTruncatedStreamError(VENDOR) };
  } else {
    yield { type: 'finish', finishReason: settleToolFinishReason(mapAnthropicStopReason(stopReason), callCount), usage };
  }
}

/** Claude through the Messages API, streamed; the SDK retries 408/409/429/5xx (honouring retry-after) first. */
export function createAnthropicModel({ apiKey, baseUrl, maxRetries, timeoutMs, onRateLimited }: AnthropicModelOptions): ChatModel {
  const fetch = fetchWatchingRateLimits(onRateLimited);
  // null (not undefined) keeps the SDK from reading ANTHROPIC_BASE_URL behind the config's back
  const client = new Anthropic({ apiKey, baseURL: baseUrl ?? null, maxRetries, timeout: timeoutMs, ...(fetch ? { fetch } : {}) });
  return {
    provider: 'ANTHROPIC',
    stream: (request) => streamAnthropic(client, request),
  };
}
