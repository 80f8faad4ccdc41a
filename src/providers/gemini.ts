import {
  ApiError,
  FinishReason as GeminiFinishReason,
  GoogleGenAI,
  type Content,
  type GenerateContentParameters,
  type GenerateContentResponse,
  type GenerateContentResponseUsageMetadata,
  type Part,
} from '@google/genai';
import { z } from 'zod';
import type { Usage } from '../domain.js';
import type { ProviderError } from './errors.js';
import {
  convertGeminiFunctionCalls,
  convertGeminiToolChoice,
  convertGeminiTools,
  convertGeminiToolSteps,
  countToolStepCalls,
  extractGeminiFunctionCallParts,
} from './gemini-tools.js';
import type { RateLimitListener } from './rate-limit-signal.js';
import { parseDurationMs, planRetry } from './retry.js';
import { ignoreUnknown, sleep, streamUntilAborted } from './stream-control.js';
import { settleToolFinishReason } from './tool-calls.js';
import { convertToAlternatingTurns } from './transcript.js';
import type { ChatModel, ChatRequest, ChatTurn, FinishReason, StreamPart } from './types.js';
import { createTruncatedStreamError, createVendorError, mapStatusToKind, mapUnexpectedError } from './vendor-errors.js';

const VENDOR = 'Gemini';

export interface GeminiModelOptions {
  apiKey: string;
  /** The host; the SDK adds /v1beta/models/{model}:streamGenerateContent. */
  baseUrl?: string;
  /** Our own retries (see `planRetry`): the SDK does not retry unless asked, and then ignores the server's retry delay. */
  maxRetries: number;
  /** Bounds each attempt including the streamed body (the SDK keeps its timer armed while the body is read). */
  timeoutMs: number;
  /** Told the server's retry delay of each rate-limited answer (PROVIDER_CONCURRENCY pauses the provider on every worker). */
  onRateLimited?: RateLimitListener;
  /** Jitter source for the backoff; tests pass a fixed one. */
  random?: () => number;
}

/** Roles user/model, strictly alternating; other participants speak as "Name: text" inside user turns. */
export function convertGeminiContents(turns: readonly ChatTurn[]): Content[] {
  return convertToAlternatingTurns(turns).map((turn) => ({
    role: turn.role === 'assistant' ? 'model' : 'user',
    parts: [{ text: turn.content }],
  }));
}

export function buildGeminiParams(request: ChatRequest): GenerateContentParameters {
  const tools = request.tools ?? [];
  const toolConfig = tools.length > 0 ? convertGeminiToolChoice(request.toolChoice) : undefined;
  return {
    model: request.model,
    contents: [...convertGeminiContents(request.messages), ...convertGeminiToolSteps(request.toolSteps ?? [])],
    config: {
      ...(request.system.trim() !== '' ? { systemInstruction: request.system } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxTokens !== undefined ? { maxOutputTokens: request.maxTokens } : {}),
      ...(request.responseFormat === 'json' ? { responseMimeType: 'application/json' } : {}),
      // the SDK moves both to the top of the body; plain declarations keep its automatic function calling off
      ...(tools.length > 0 ? { tools: convertGeminiTools(tools) } : {}),
      ...(toolConfig !== undefined ? { toolConfig } : {}),
      abortSignal: request.signal,
    },
  };
}

export function mapGeminiFinishReason(reason: GeminiFinishReason): FinishReason {
  switch (reason) {
    case GeminiFinishReason.STOP:
      return 'stop';
    case GeminiFinishReason.MAX_TOKENS:
    case GeminiFinishReason.CONTINUATION:
      return 'length';
    case GeminiFinishReason.SAFETY:
    case GeminiFinishReason.RECITATION:
    case GeminiFinishReason.BLOCKLIST:
    case GeminiFinishReason.PROHIBITED_CONTENT:
    case GeminiFinishReason.SPII:
    case GeminiFinishReason.IMAGE_SAFETY:
    case GeminiFinishReason.IMAGE_PROHIBITED_CONTENT:
    case GeminiFinishReason.IMAGE_RECITATION:
      return 'content_filter';
    case GeminiFinishReason.FINISH_REASON_UNSPECIFIED:
    case GeminiFinishReason.LANGUAGE:
    case GeminiFinishReason.OTHER:
    case GeminiFinishReason.MALFORMED_FUNCTION_CALL:
    case GeminiFinishReason.UNEXPECTED_TOOL_CALL:
    case GeminiFinishReason.TOO_MANY_TOOL_CALLS:
    case GeminiFinishReason.NO_IMAGE:
    case GeminiFinishReason.IMAGE_OTHER:
      return 'other';
    default:
      ignoreUnknown(reason);
      return 'other';
  }
}

/** promptTokenCount in; candidates plus thoughts out (Gemini bills thinking as output). */
export function convertGeminiUsage(
  metadata: Pick<GenerateContentResponseUsageMetadata, 'promptTokenCount' | 'candidatesTokenCount' | 'thoughtsTokenCount'> | undefined,
): Usage {
  const candidates = metadata?.candidatesTokenCount;
  return {
    inputTokens: metadata?.promptTokenCount,
    outputTokens: candidates === undefined ? undefined : candidates + (metadata?.thoughtsTokenCount ?? 0),
  };
}

/** The reply text of a chunk: text parts of the first candidate, thought summaries left out. */
export function extractGeminiText(chunk: Pick<GenerateContentResponse, 'candidates'>): string {
  const parts = chunk.candidates?.[0]?.content?.parts ?? [];
  return parts.map((part) => (part.thought === true ? '' : (part.text ?? ''))).join('');
}

const errorBodySchema = z.object({
  error: z.object({
    code: z.number().optional(),
    status: z.string().optional(),
    details: z
      .array(z.object({ '@type': z.string().optional(), retryDelay: z.string().optional(), reason: z.string().optional() }))
      .optional(),
  }),
});

export type GeminiErrorBody = z.infer<typeof errorBodySchema>['error'];

/**
 * The SDK's ApiError carries the response body as JSON inside its message
 * (after "got status: …. " for an in-band error). We read status names and
 * details from it and never copy it into our own message.
 */
export function parseGeminiErrorBody(message: string): GeminiErrorBody | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(message.slice(start)));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

/** The delay google.rpc.RetryInfo asks for (Gemini sends it in the 429 body, not as a Retry-After header). */
export function readGeminiRetryDelayMs(body: GeminiErrorBody | undefined): number | undefined {
  const retryInfo = body?.details?.find((detail) => detail['@type']?.endsWith('google.rpc.RetryInfo'));
  return retryInfo?.retryDelay === undefined ? undefined : parseDurationMs(retryInfo.retryDelay);
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

export function mapGeminiError(error: unknown): ProviderError {
  if (error instanceof ApiError) {
    const body = parseGeminiErrorBody(error.message);
    const reason = body?.details?.find((detail) => detail.reason !== undefined)?.reason;
    const statusName = body?.status;
    const code = reason ?? statusName;
    if (reason === 'API_KEY_INVALID' || statusName === 'UNAUTHENTICATED' || statusName === 'PERMISSION_DENIED') {
      return createVendorError(VENDOR, 'authentication', { status: error.status, code });
    }
    // Gemini answers "The model is overloaded" with 503 UNAVAILABLE
    if (error.status === 503 || statusName === 'UNAVAILABLE') {
      return createVendorError(VENDOR, 'overloaded', { status: error.status, code });
    }
    return createVendorError(VENDOR, mapStatusToKind(error.status), { status: error.status, code });
  }
  // our signal is checked before mapping, so an abort here is the SDK's per-attempt timeout
  if (isAbortError(error)) return createVendorError(VENDOR, 'network', { phrase: 'did not answer in time' });
  return mapUnexpectedError(VENDOR, error);
}

interface AttemptState {
  usage?: GenerateContentResponseUsageMetadata;
  finishReason?: GeminiFinishReason;
  blocked: boolean;
  /** functionCall parts arrive whole; collected from every chunk in case a model spreads them out. */
  callParts: Part[];
}

async function* streamGemini(client: GoogleGenAI, request: ChatRequest, options: GeminiModelOptions): AsyncGenerator<StreamPart> {
  let streamedText = false;
  let state: AttemptState;
  for (let attempt = 0; ; attempt++) {
    state = { blocked: false, callParts: [] };
    try {
      const opening = client.models.generateContentStream(buildGeminiParams(request));
      for await (const chunk of streamUntilAborted(opening, request.signal)) {
        if (chunk.usageMetadata) state.usage = chunk.usageMetadata;
        if (chunk.promptFeedback?.blockReason !== undefined) state.blocked = true;
        const finishReason = chunk.candidates?.[0]?.finishReason;
        if (finishReason !== undefined) state.finishReason = finishReason;
        state.callParts.push(...extractGeminiFunctionCallParts(chunk));
        const text = extractGeminiText(chunk);
        if (text !== '') {
          streamedText = true;
          yield { type: 'text-delta', text };
        }
      }
      break;
    } catch (error) {
      if (request.signal.aborted) break;
      const mapped = mapGeminiError(error);
      const retryAfterMs = error instanceof ApiError ? readGeminiRetryDelayMs(parseGeminiErrorBody(error.message)) : undefined;
      if (mapped.kind === 'rate_limited' && retryAfterMs !== undefined) options.onRateLimited?.(retryAfterMs);
      // once text went out a retry would repeat it: the error part ends the turn and the engine drops the partial text
      const delay = streamedText
        ? undefined
        : planRetry({ attempt, maxRetries: options.maxRetries, retryable: mapped.retryable, retryAfterMs }, options.random);
      if (delay === undefined) {
        yield { type: 'error', error: mapped };
        return;
      }
      await sleep(delay, request.signal);
      if (request.signal.aborted) break;
    }
  }
  const usage = convertGeminiUsage(state.usage);
  if (request.signal.aborted) {
    yield { type: 'finish', finishReason: 'cancelled', usage };
  } else if (state.blocked) {
    yield { type: 'finish', finishReason: 'content_filter', usage };
  } else if (state.finishReason === undefined) {
    yield { type: 'error', error: createTruncatedStreamError(VENDOR) };
  } else {
    const calls = convertGeminiFunctionCalls(state.callParts, countToolStepCalls(request.toolSteps));
    for (const call of calls) yield { type: 'tool-call', call };
    // Gemini says STOP when it calls functions: the calls themselves say the model wants tools
    yield { type: 'finish', finishReason: settleToolFinishReason(mapGeminiFinishReason(state.finishReason), calls.length), usage };
  }
}

/** Gemini API (not Vertex) through @google/genai, streamed over SSE. */
export function createGeminiModel(options: GeminiModelOptions): ChatModel {
  const client = new GoogleGenAI({
    apiKey: options.apiKey,
    vertexai: false,
    httpOptions: { ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}), timeout: options.timeoutMs },
  });
  return {
    provider: 'GEMINI',
    stream: (request) => streamGemini(client, request, options),
  };
}
