import { APIConnectionTimeoutError, APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import {
  convertOpenAIMessages,
  convertOpenAIUsage,
  createOpenAIModel,
  mapOpenAIError,
  mapOpenAIFinishReason,
  PLACEHOLDER_API_KEY,
  sanitizeOpenAIName,
} from '../../src/providers/openai.js';
import { collectParts, createChatRequest, errorOf, finishOf, textOf } from '../fake-vendor/stream-parts.js';
import { describeChatModelContract, useFakeVendor } from './chat-model-contract.js';

const API_KEY = 'sk-proj-test-secret-0123456789';

describe('sanitizeOpenAIName', () => {
  it.each([
    ['Bob', 'Bob'],
    ['José García', 'Jose_Garcia'],
    ['Dr. Who?', 'Dr_Who'],
    ['team-lead_2', 'team-lead_2'],
    ['李雷', 'participant'],
    ['', 'participant'],
  ])('%j -> %j', (name, expected) => {
    expect(sanitizeOpenAIName(name)).toBe(expected);
  });

  it('cuts names to 64 characters', () => {
    expect(sanitizeOpenAIName('x'.repeat(100))).toHaveLength(64);
  });
});

describe('convertOpenAIMessages', () => {
  const turns = [
    { role: 'user', name: 'Bob', content: 'Tabs.' },
    { role: 'user', name: 'José García', content: 'Neither.' },
    { role: 'assistant', name: 'Ada', content: 'Spaces.' },
  ] as const;

  it('puts the system message first and names other participants', () => {
    expect(convertOpenAIMessages('Be brief.', [...turns], 'when-sanitized')).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', name: 'Bob', content: 'Tabs.' },
      // the name field lost the accents and the space, so the content carries the real name
      { role: 'user', name: 'Jose_Garcia', content: 'José García: Neither.' },
      { role: 'assistant', content: 'Spaces.' },
    ]);
  });

  it('always prefixes names for servers that may drop the name field', () => {
    expect(convertOpenAIMessages('', [...turns], 'always')).toEqual([
      { role: 'user', name: 'Bob', content: 'Bob: Tabs.' },
      { role: 'user', name: 'Jose_Garcia', content: 'José García: Neither.' },
      { role: 'assistant', content: 'Spaces.' },
    ]);
  });
});

describe('mapOpenAIFinishReason and convertOpenAIUsage', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['content_filter', 'content_filter'],
    ['tool_calls', 'tool_calls'],
    ['function_call', 'other'],
  ] as const)('%s -> %s', (reason, expected) => {
    expect(mapOpenAIFinishReason(reason)).toBe(expected);
  });

  it('keeps missing usage undefined', () => {
    expect(convertOpenAIUsage(undefined)).toEqual({ inputTokens: undefined, outputTokens: undefined });
    expect(convertOpenAIUsage({ prompt_tokens: 3, completion_tokens: 4 })).toEqual({ inputTokens: 3, outputTokens: 4 });
  });
});

describe('mapOpenAIError', () => {
  const headers = new Headers();
  const body = (type: string, code: string | null) => ({
    error: { message: `Incorrect API key provided: ${API_KEY}`, type, code, param: null },
  });

  it('maps statuses to kinds', () => {
    expect(mapOpenAIError(APIError.generate(429, body('requests', 'rate_limit_exceeded'), undefined, headers)).kind).toBe('rate_limited');
    expect(mapOpenAIError(APIError.generate(401, body('invalid_request_error', 'invalid_api_key'), undefined, headers)).kind).toBe(
      'authentication',
    );
    expect(mapOpenAIError(APIError.generate(400, body('invalid_request_error', null), undefined, headers)).kind).toBe('bad_request');
    expect(mapOpenAIError(APIError.generate(500, body('server_error', null), undefined, headers)).kind).toBe('server');
    expect(mapOpenAIError(new APIConnectionTimeoutError()).kind).toBe('network');
  });

  it('treats a spent quota as a non-retryable account problem, not a rate limit', () => {
    const error = mapOpenAIError(APIError.generate(429, body('insufficient_quota', 'insufficient_quota'), undefined, headers));
    expect(error).toMatchObject({ kind: 'authentication', retryable: false, status: 429 });
    expect(error.message).toBe(
      'OpenAI refused the request: the account quota or billing limit is exhausted (HTTP 429, insufficient_quota)',
    );
  });

  it('maps an in-band error by its type and names the compatible server', () => {
    const inBand = new APIError(undefined, { message: 'boom', type: 'server_error', code: null }, undefined, undefined);
    expect(mapOpenAIError(inBand, 'OPENAI_COMPATIBLE')).toMatchObject({ kind: 'server' });
    expect(mapOpenAIError(inBand, 'OPENAI_COMPATIBLE').message).toMatch(/^The OpenAI-compatible server /);
  });

  it('never copies the vendor body into the message', () => {
    const error = mapOpenAIError(APIError.generate(401, body('invalid_request_error', 'invalid_api_key'), undefined, headers));
    expect(error.message).toBe('OpenAI rejected the credentials (HTTP 401, invalid_api_key)');
  });
});

describe('OpenAI adapter against the fake vendor', () => {
  const fake = useFakeVendor();
  const model = (maxRetries = 0) =>
    createOpenAIModel({ provider: 'OPENAI', apiKey: API_KEY, baseUrl: fake().openaiBaseUrl, maxRetries, timeoutMs: 10_000 });

  describeChatModelContract('openai', {
    fake,
    createModel: model,
    apiKey: API_KEY,
    reply: {
      model: 'gpt-test',
      checkRequest: (request) => {
        expect(request.path).toBe('/v1/chat/completions');
        expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
        expect(request.body).toEqual({
          model: 'gpt-test',
          messages: [
            { role: 'system', content: 'You are Ada, a careful engineer. This is a discussion about: tabs or spaces' },
            { role: 'user', name: 'Moderator', content: 'Welcome. Tabs or spaces?' },
            { role: 'user', name: 'Bob', content: 'Tabs, obviously.' },
            { role: 'assistant', content: 'Spaces, for alignment.' },
            { role: 'user', name: 'Bob', content: 'Why alignment?' },
          ],
          temperature: 0.4,
          max_completion_tokens: 256,
          stream: true,
          stream_options: { include_usage: true },
        });
      },
    },
    lengthStopReason: 'length',
    retryDelayCarrier: 'a retry-after header',
    overloaded: { status: 529, message: 'OpenAI is overloaded (HTTP 529, server_error)' },
    // the fake's 401 body quotes the key it was sent, as the real API does
    unauthorized: { vendorText: 'Incorrect API key' },
    inBandError: { type: 'server_error', kind: 'server' },
    // usage comes in the last chunk only
    inputTokensKnownBeforeEnd: false,
  });

  it('asks for JSON mode when the caller wants a JSON object', async () => {
    await collectParts(model().stream(createChatRequest({ responseFormat: 'json' })));
    expect(fake().requestsFor('openai')[0]?.body).toMatchObject({ response_format: { type: 'json_object' } });
  });

  it('reports a spent quota as authentication', async () => {
    fake().script('openai', { status: 429, errorType: 'insufficient_quota' });
    const error = errorOf(await collectParts(model().stream(createChatRequest())));
    expect(error).toMatchObject({ kind: 'authentication', retryable: false, status: 429 });
  });
});

describe('OpenAI-compatible adapter against the fake vendor', () => {
  const fake = useFakeVendor();
  const model = () =>
    createOpenAIModel({ provider: 'OPENAI_COMPATIBLE', baseUrl: fake().openaiCompatibleBaseUrl, maxRetries: 0, timeoutMs: 10_000 });

  it('works without a key, prefixes names, sends max_tokens and tolerates missing usage', async () => {
    const compatible = model();
    fake().script('openai-compatible', { chunks: ['Local', ' reply'], usage: null });
    const parts = await collectParts(compatible.stream(createChatRequest({ model: 'llama3.1' })));

    expect(compatible.provider).toBe('OPENAI_COMPATIBLE');
    expect(textOf(parts)).toBe('Local reply');
    expect(finishOf(parts)).toEqual({ finishReason: 'stop', usage: { inputTokens: undefined, outputTokens: undefined } });
    const [request] = fake().requestsFor('openai-compatible');
    expect(request?.path).toBe('/compatible/v1/chat/completions');
    expect(request?.headers.authorization).toBe(`Bearer ${PLACEHOLDER_API_KEY}`);
    expect(request?.body).toMatchObject({
      model: 'llama3.1',
      max_tokens: 256,
      messages: [
        { role: 'system', content: 'You are Ada, a careful engineer. This is a discussion about: tabs or spaces' },
        { role: 'user', name: 'Moderator', content: 'Moderator: Welcome. Tabs or spaces?' },
        { role: 'user', name: 'Bob', content: 'Bob: Tabs, obviously.' },
        { role: 'assistant', content: 'Spaces, for alignment.' },
        { role: 'user', name: 'Bob', content: 'Bob: Why alignment?' },
      ],
    });
    expect(request?.body).not.toHaveProperty('max_completion_tokens');
  });

  it('names the compatible server in its errors', async () => {
    fake().script('openai-compatible', { status: 404 });
    const error = errorOf(await collectParts(model().stream(createChatRequest())));
    expect(error).toMatchObject({ kind: 'bad_request', status: 404 });
    expect(error.message).toBe('The OpenAI-compatible server rejected the request as invalid (HTTP 404, model_not_found)');
  });
});
