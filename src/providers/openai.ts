import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { Usage } from '../domain.js';
import type { ProviderError, ProviderErrorKind } from './errors.js';
import { convertOpenAIToolChoice, convertOpenAITools, convertOpenAIToolSteps, createOpenAIToolCallAssembler } from './openai-tools.js';
import { fetchWatchingRateLimits, type RateLimitListener } from './rate-limit-signal.js';
import { ignoreUnknown, streamUntilAborted } from './stream-control.js';
import { settleToolFinishReason } from './tool-calls.js';
import { formatSpokenLine } from './transcript.js';
import type { ChatModel, ChatRequest, ChatTurn, FinishReason, StreamPart } from './types.js';
import {
  createConnectionError,
  createTruncatedStreamError,
  createVendorError,
  mapStatusToKind,
  mapUnexpectedError,
} from './vendor-errors.js';

export type OpenAIProviderName = 'OPENAI' | 'OPENAI_COMPATIBLE';

/** The OpenAI SDK refuses to start without a key; local servers (Ollama, vLLM) ignore it. */
export const PLACEHOLDER_API_KEY = 'not-needed';

export interface OpenAIModelOptions {
  provider: OpenAIProviderName;
  /** Required for OPENAI; optional for an OpenAI-compatible server. */
  apiKey?: string;
  /** Includes /v1. Required for OPENAI_COMPATIBLE. */
  baseUrl?: string;
  maxRetries: number;
  timeoutMs: number;
  /** Told the wait of each 429 (PROVIDER_CONCURRENCY pauses the provider on every worker). */
  onRateLimited?: RateLimitListener;
}

/**
 * When another participant's name goes into the content as "Name: text":
 * - `when-sanitized`: only when the `name` field could not carry it unchanged
 *   (OpenAI reads `name`, so the prefix would only repeat it);
 * - `always`: OpenAI-compatible servers commonly drop `name`, so without the
 *   prefix the model could not tell the speakers apart.
 */
export type NamePrefixPolicy = 'when-sanitized' | 'always';

export function vendorLabel(provider: OpenAIProviderName): string {
  return provider === 'OPENAI' ? 'OpenAI' : 'The OpenAI-compatible server';
}

/** Fits a participant name to the API's `name` pattern ^[a-zA-Z0-9_-]{1,64}$ ("José García" -> "Jose_Garcia"). */
export function sanitizeOpenAIName(name: string): string {
  const sanitized = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-zA-Z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64);
  return sanitized === '' ? 'participant' : sanitized;
}

/** System message first, own turns as `assistant`, everyone else as `user` with a sanitized `name`. */
export function convertOpenAIMessages(system: string, turns: readonly ChatTurn[], policy: NamePrefixPolicy): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  if (system.trim() !== '') messages.push({ role: 'system', content: system });
  for (const turn of turns) {
    if (turn.role === 'assistant') {
      messages.push({ role: 'assistant', content: turn.content });
      continue;
    }
    const name = sanitizeOpenAIName(turn.name);
    const prefixed = policy === 'always' || name !== turn.name;
    messages.push({ role: 'user', name, content: prefixed ? formatSpokenLine(turn) : turn.content });
  }
  return messages;
}

export function buildOpenAIParams(request: Omit<ChatRequest, 'signal'>, provider: OpenAIProviderName): ChatCompletionCreateParamsStreaming {
  const policy: NamePrefixPolicy = provider === 'OPENAI' ? 'when-sanitized' : 'always';
  // OpenAI deprecated max_tokens (reasoning models reject it); compatible servers mostly know only max_tokens
  const maxTokensField = provider === 'OPENAI' ? 'max_completion_tokens' : 'max_tokens';
  const tools = request.tools ?? [];
  const toolChoice = tools.length > 0 ? convertOpenAIToolChoice(request.toolChoice) : undefined;
  return {
    model: request.model,
    // this turn's tool steps follow the transcript; without tools the request carries no tool field
    messages: [...convertOpenAIMessages(request.system, request.messages, policy), ...convertOpenAIToolSteps(request.toolSteps ?? [])],
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.maxTokens !== undefined ? { [maxTokensField]: request.maxTokens } : {}),
    // JSON mode; the API requires the word "JSON" in the messages, which callers asking for it write anyway
    ...(request.responseFormat === 'json' ? { response_format: { type: 'json_object' } } : {}),
    ...(tools.length > 0 ? { tools: convertOpenAITools(tools) } : {}),
    ...(toolChoice !== undefined ? { tool_choice: toolChoice } : {}),
    stream: true,
    stream_options: { include_usage: true },
  };
}

type OpenAIFinishReason = NonNullable<ChatCompletionChunk.Choice['finish_reason']>;

export function mapOpenAIFinishReason(reason: OpenAIFinishReason): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content_filter';
    case 'tool_calls':
      return 'tool_calls';
    case 'function_call': // the deprecated functions API, which we never declare
      return 'other';
    default:
      ignoreUnknown(reason);
      return 'other';
  }
}

/** Usage arrives only in the final chunk (with include_usage); a server that sends none leaves both undefined. */
export function convertOpenAIUsage(usage: Pick<CompletionUsage, 'prompt_tokens' | 'completion_tokens'> | null | undefined): Usage {
  return { inputTokens: usage?.prompt_tokens ?? undefined, outputTokens: usage?.completion_tokens ?? undefined };
}

/**
 * Spent quota is a 429 like a rate limit, but waiting does not bring it back:
 * it maps to `authentication` (not retryable; an operator must act, as with a
 * bad key) rather than `rate_limited`.
 */
const QUOTA_CODES = new Set(['insufficient_quota', 'billing_hard_limit_reached', 'billing_not_active']);

/** The kind an in-band error (no HTTP status) names through its `type` or `code`. */
function mapOpenAIErrorCode(code: string | null | undefined): ProviderErrorKind {
  if (code === null || code === undefined) return 'unknown';
  if (/rate_limit|requests|tokens/.test(code)) return 'rate_limited';
  if (/overloaded|unavailable/.test(code)) return 'overloaded';
  if (/server_error|internal/.test(code)) return 'server';
  if (/invalid_request|not_found|context_length/.test(code)) return 'bad_request';
  if (/api_key|authentication|permission/.test(code)) return 'authentication';
  return 'unknown';
}

export function mapOpenAIError(error: unknown, provider: OpenAIProviderName = 'OPENAI'): ProviderError {
  const vendor = vendorLabel(provider);
  if (error instanceof APIUserAbortError) return createVendorError(vendor, 'cancelled');
  if (error instanceof APIConnectionTimeoutError) {
    return createVendorError(vendor, 'network', { phrase: 'did not answer in time' });
  }
  if (error instanceof APIConnectionError) return createConnectionError(vendor, error.cause);
  if (error instanceof APIError) {
    // instanceof leaves the class's type parameters `any`: narrow the status to what it is declared to be
    const status = typeof error.status === 'number' ? error.status : undefined;
    const code = error.code ?? error.type;
    if ((error.code !== null && error.code !== undefined && QUOTA_CODES.has(error.code)) || error.type === 'insufficient_quota') {
      return createVendorError(vendor, 'authentication', {
        status,
        code,
        phrase: 'refused the request: the account quota or billing limit is exhausted',
      });
    }
    const kind = status === undefined ? mapOpenAIErrorCode(code) : mapStatusToKind(status);
    return createVendorError(vendor, kind, { status, code });
  }
  return mapUnexpectedError(vendor, error);
}

async function* streamOpenAI(client: OpenAI, provider: OpenAIProviderName, request: ChatRequest): AsyncGenerator<StreamPart> {
  let usage: CompletionUsage | undefined;
  let finishReason: OpenAIFinishReason | undefined;
  let refused = false;
  const toolCalls = createOpenAIToolCallAssembler();
  let callCount = 0;
  try {
    // raced against the signal: the OpenAI SDK sleeps through retry delays without watching it
    const opening = client.chat.completions.create(buildOpenAIParams(request, provider), { signal: request.signal });
    for await (const chunk of streamUntilAborted(opening, request.signal)) {
      if (chunk.usage) usage = chunk.usage;
      // the final usage chunk has no choices
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      const text = choice.delta.content ?? choice.delta.refusal ?? '';
      if (choice.delta.refusal) refused = true;
      if (text !== '') yield { type: 'text-delta', text };
      if (choice.delta.tool_calls) toolCalls.add(choice.delta.tool_calls);
      if (choice.finish_reason !== null) {
        finishReason = choice.finish_reason;
        // the calls are complete once the choice finishes; the usage chunk may still follow
        for (const call of toolCalls.take()) {
          callCount += 1;
          yield { type: 'tool-call', call };
        }
      }
    }
  } catch (error) {
    if (!request.signal.aborted) {
      yield { type: 'error', error: mapOpenAIError(error, provider) };
      return;
    }
  }
  const converted = convertOpenAIUsage(usage);
  if (!request.signal.aborted && finishReason !== undefined) {
    // fragments a server sent after its finish_reason
    for (const call of toolCalls.take()) {
      callCount += 1;
      yield { type: 'tool-call', call };
    }
  }
  if (request.signal.aborted) {
    yield { type: 'finish', finishReason: 'cancelled', usage: converted };
  } else if (finishReason === undefined) {
    yield { type: 'error', error: createTruncatedStreamError(vendorLabel(provider)) };
  } else {
    const finish = refused ? 'content_filter' : settleToolFinishReason(mapOpenAIFinishReason(finishReason), callCount);
    yield { type: 'finish', finishReason: finish, usage: converted };
  }
}

/**
 * Chat Completions, streamed. Serves OPENAI and OPENAI_COMPATIBLE (Ollama,
 * vLLM, …: same wire format at another base URL, key optional). The SDK
 * retries 408/409/429/5xx (honouring retry-after) first.
 */
export function createOpenAIModel({ provider, apiKey, baseUrl, maxRetries, timeoutMs, onRateLimited }: OpenAIModelOptions): ChatModel {
  const fetch = fetchWatchingRateLimits(onRateLimited);
  const client = new OpenAI({
    ...(fetch ? { fetch } : {}),
    apiKey: apiKey ?? PLACEHOLDER_API_KEY,
    // null (not undefined) keeps the SDK from reading OPENAI_BASE_URL behind the config's back
    baseURL: baseUrl ?? null,
    maxRetries,
    timeout: timeoutMs,
    // OPENAI_ORG_ID / OPENAI_PROJECT_ID belong to OpenAI, never sent to another server
    ...(provider === 'OPENAI_COMPATIBLE' ? { organization: null, project: null } : {}),
  });
  return {
    provider,
    stream: (request) => streamOpenAI(client, provider, request),
  };
}
