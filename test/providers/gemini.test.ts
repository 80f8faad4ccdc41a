import { ApiError, FinishReason } from '@google/genai';
import { describe, expect, it } from 'vitest';
import {
  convertGeminiContents,
  convertGeminiUsage,
  createGeminiModel,
  extractGeminiText,
  mapGeminiError,
  mapGeminiFinishReason,
  parseGeminiErrorBody,
  readGeminiRetryDelayMs,
} from '../../src/providers/gemini.js';
import { OPENING_TURN } from '../../src/providers/transcript.js';
import { collectParts, createChatRequest, errorOf, finishOf, textOf } from '../fake-vendor/stream-parts.js';
import { describeChatModelContract, useFakeVendor } from './chat-model-contract.js';

const API_KEY = 'AIzaTestSecret0123456789';

describe('convertGeminiContents', () => {
  it('alternates user and model roles, merging other participants with name prefixes', () => {
    expect(convertGeminiContents(createChatRequest().messages)).toEqual([
      { role: 'user', parts: [{ text: 'Moderator: Welcome. Tabs or spaces?\n\nBob: Tabs, obviously.' }] },
      { role: 'model', parts: [{ text: 'Spaces, for alignment.' }] },
      { role: 'user', parts: [{ text: 'Bob: Why alignment?' }] },
    ]);
  });

  it('opens with a user turn when there is no transcript', () => {
    expect(convertGeminiContents([])).toEqual([{ role: 'user', parts: [{ text: OPENING_TURN }] }]);
  });
});

describe('Gemini pure helpers', () => {
  it.each([
    [FinishReason.STOP, 'stop'],
    [FinishReason.MAX_TOKENS, 'length'],
    [FinishReason.SAFETY, 'content_filter'],
    [FinishReason.RECITATION, 'content_filter'],
    [FinishReason.BLOCKLIST, 'content_filter'],
    [FinishReason.PROHIBITED_CONTENT, 'content_filter'],
    [FinishReason.SPII, 'content_filter'],
    [FinishReason.OTHER, 'other'],
    [FinishReason.MALFORMED_FUNCTION_CALL, 'other'],
  ] as const)('maps %s to %s', (reason, expected) => {
    expect(mapGeminiFinishReason(reason)).toBe(expected);
  });

  it('converts usageMetadata, counting thoughts as output and keeping gaps undefined', () => {
    expect(convertGeminiUsage({ promptTokenCount: 10, candidatesTokenCount: 4, thoughtsTokenCount: 6 })).toEqual({
      inputTokens: 10,
      outputTokens: 10,
    });
    expect(convertGeminiUsage({ promptTokenCount: 10 })).toEqual({ inputTokens: 10, outputTokens: undefined });
    expect(convertGeminiUsage(undefined)).toEqual({ inputTokens: undefined, outputTokens: undefined });
  });

  it('extracts reply text without thought summaries', () => {
    const chunk = { candidates: [{ content: { role: 'model', parts: [{ text: 'thinking…', thought: true }, { text: 'Answer' }] } }] };
    expect(extractGeminiText(chunk)).toBe('Answer');
    expect(extractGeminiText({ candidates: [] })).toBe('');
  });

  it('reads status, reason and RetryInfo from the error body inside ApiError’s message', () => {
    const body = {
      error: {
        code: 429,
        message: `quota for key ${API_KEY}`,
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.5s' }],
      },
    };
    const parsed = parseGeminiErrorBody(JSON.stringify(body));
    expect(parsed?.status).toBe('RESOURCE_EXHAUSTED');
    expect(readGeminiRetryDelayMs(parsed)).toBe(1_500);
    expect(parseGeminiErrorBody(`got status: UNAVAILABLE. ${JSON.stringify(body)}`)?.code).toBe(429);
    expect(parseGeminiErrorBody('not json')).toBeUndefined();
  });

  it('maps ApiErrors to kinds without copying the body', () => {
    const apiError = (status: number, error: Record<string, unknown>) =>
      new ApiError({ status, message: JSON.stringify({ error: { code: status, message: `key ${API_KEY}`, ...error } }) });
    const invalidKey = mapGeminiError(
      apiError(400, {
        status: 'INVALID_ARGUMENT',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
      }),
    );
    expect(invalidKey).toMatchObject({ kind: 'authentication', retryable: false });
    expect(invalidKey.message).toBe('Gemini rejected the credentials (HTTP 400, API_KEY_INVALID)');
    expect(mapGeminiError(apiError(429, { status: 'RESOURCE_EXHAUSTED' })).kind).toBe('rate_limited');
    expect(mapGeminiError(apiError(503, { status: 'UNAVAILABLE' })).kind).toBe('overloaded');
    expect(mapGeminiError(apiError(500, { status: 'INTERNAL' })).kind).toBe('server');
    expect(mapGeminiError(apiError(404, { status: 'NOT_FOUND' })).kind).toBe('bad_request');
    expect(mapGeminiError(apiError(403, { status: 'PERMISSION_DENIED' })).kind).toBe('authentication');
    expect(mapGeminiError(apiError(500, { status: 'INTERNAL' })).message).not.toContain(API_KEY);
    expect(mapGeminiError(new TypeError('fetch failed')).kind).toBe('network');
  });
});

describe('Gemini adapter against the fake vendor', () => {
  const fake = useFakeVendor();
  // random() = 1 takes the full 25 % jitter off the backoff, so waits are short and fixed
  const model = (maxRetries = 0) =>
    createGeminiModel({ apiKey: API_KEY, baseUrl: fake().geminiBaseUrl, maxRetries, timeoutMs: 10_000, random: () => 1 });

  describeChatModelContract('gemini', {
    fake,
    createModel: model,
    apiKey: API_KEY,
    reply: {
      model: 'gemini-test',
      checkRequest: (request) => {
        expect(request.path).toBe('/v1beta/models/gemini-test:streamGenerateContent');
        expect(request.query).toEqual({ alt: 'sse' });
        expect(request.headers['x-goog-api-key']).toBe(API_KEY);
        expect(request.body).toEqual({
          contents: [
            { role: 'user', parts: [{ text: 'Moderator: Welcome. Tabs or spaces?\n\nBob: Tabs, obviously.' }] },
            { role: 'model', parts: [{ text: 'Spaces, for alignment.' }] },
            { role: 'user', parts: [{ text: 'Bob: Why alignment?' }] },
          ],
          systemInstruction: {
            role: 'user',
            parts: [{ text: 'You are Ada, a careful engineer. This is a discussion about: tabs or spaces' }],
          },
          generationConfig: { temperature: 0.4, maxOutputTokens: 256 },
        });
      },
    },
    lengthStopReason: 'MAX_TOKENS',
    retryDelayCarrier: 'the body’s RetryInfo',
    overloaded: { status: 503, message: 'Gemini is overloaded (HTTP 503, UNAVAILABLE)' },
    unauthorized: {
      message: `Request had invalid authentication credentials: ${API_KEY}`,
      vendorText: 'invalid authentication credentials',
    },
    inBandError: { type: 'UNAVAILABLE', kind: 'overloaded' },
    // usageMetadata comes with the last chunk only
    inputTokensKnownBeforeEnd: false,
  });

  it('asks for a JSON response when the caller wants a JSON object', async () => {
    await collectParts(model().stream(createChatRequest({ responseFormat: 'json' })));
    expect(fake().requestsFor('gemini')[0]?.body).toMatchObject({ generationConfig: { responseMimeType: 'application/json' } });
  });

  it('maps finishReason SAFETY to content_filter', async () => {
    fake().script('gemini', { stopReason: 'SAFETY' });
    expect(finishOf(await collectParts(model().stream(createChatRequest()))).finishReason).toBe('content_filter');
  });

  it('does not retry an invalid key, which Gemini answers with 400, and keeps the key out of the message', async () => {
    fake().script('gemini', { status: 400, errorType: 'API_KEY_INVALID', message: `API key not valid: ${API_KEY}` });
    const error = errorOf(await collectParts(model(2).stream(createChatRequest())));
    expect(error).toMatchObject({ kind: 'authentication', retryable: false, status: 400 });
    expect(fake().requestsFor('gemini')).toHaveLength(1);
    expect(error.message).not.toContain(API_KEY);
    expect(error.message).not.toContain('API key not valid');
  });

  it('retries a stream cut before any text', async () => {
    fake().script('gemini', { cutAfter: 0 }, { chunks: ['Fresh', ' start'] });
    const parts = await collectParts(model(1).stream(createChatRequest()));
    expect(textOf(parts)).toBe('Fresh start');
    expect(finishOf(parts).finishReason).toBe('stop');
    expect(fake().requestsFor('gemini')).toHaveLength(2);
  });
});
