import { APIConnectionTimeoutError, APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  convertOpenAIMessages,
  convertOpenAIUsage,
  createOpenAIModel,
  mapOpenAIError,
  mapOpenAIFinishReason,
  PLACEHOLDER_API_KEY,
  sanitizeOpenAIName,
} from '../../src/providers/openai.js';
import { startFakeVendor, type FakeVendor } from '../fake-vendor/server.js';
import {
  abortAfterFirstDelta,
  collectParts,
  createChatRequest,
  errorOf,
  finishOf,
  textOf,
} from '../fake-vendor/stream-parts.js';

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
    ['tool_calls', 'other'],
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
  const body = (type: string, code: string | null) => ({ error: { message: `Incorrect API key provided: ${API_KEY}`, type, code, param: null } });

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
  let fake: FakeVendor;
  const model = (maxRetries = 0) =>
    createOpenAIModel({ provider: 'OPENAI', apiKey: API_KEY, baseUrl: fake.openaiBaseUrl, maxRetries, timeoutMs: 10_000 });

  beforeAll(async () => {
    fake = await startFakeVendor();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
  });

  it('sends chat messages with names and stream options and streams the reply back', async () => {
    fake.script('openai', { chunks: ['Because', ' columns', ' line up.'], usage: { inputTokens: 40, outputTokens: 8 } });
    const parts = await collectParts(model().stream(createChatRequest({ model: 'gpt-test' })));

    expect(textOf(parts)).toBe('Because columns line up.');
    expect(finishOf(parts)).toEqual({ finishReason: 'stop', usage: { inputTokens: 40, outputTokens: 8 } });
    const [request] = fake.requestsFor('openai');
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.body).toEqual({
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
  });

  it('asks for JSON mode when the caller wants a JSON object', async () => {
    await collectParts(model().stream(createChatRequest({ responseFormat: 'json' })));
    expect(fake.requestsFor('openai')[0]?.body).toMatchObject({ response_format: { type: 'json_object' } });
  });

  it('maps finish_reason length', async () => {
    fake.script('openai', { stopReason: 'length' });
    const parts = await collectParts(model().stream(createChatRequest()));
    expect(finishOf(parts).finishReason).toBe('length');
  });

  it('lets the SDK retry a 429 after retry-after, then succeeds', async () => {
    fake.script('openai', { status: 429, retryAfter: 1 }, { chunks: ['Second', ' try'] });
    const parts = await collectParts(model(1).stream(createChatRequest()));
    expect(textOf(parts)).toBe('Second try');
    expect(finishOf(parts).finishReason).toBe('stop');
    const [first, second] = fake.requestsFor('openai');
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('reports a spent quota as authentication', async () => {
    fake.script('openai', { status: 429, errorType: 'insufficient_quota' });
    const error = errorOf(await collectParts(model().stream(createChatRequest())));
    expect(error).toMatchObject({ kind: 'authentication', retryable: false, status: 429 });
  });

  it('reports 529 as overloaded', async () => {
    fake.script('openai', { status: 529 });
    expect(errorOf(await collectParts(model().stream(createChatRequest())))).toMatchObject({ kind: 'overloaded', status: 529 });
  });

  it('does not retry a 401, whose body quotes the key, and keeps the key out of the message', async () => {
    fake.script('openai', { status: 401 });
    const error = errorOf(await collectParts(model(2).stream(createChatRequest())));
    expect(error).toMatchObject({ kind: 'authentication', retryable: false, status: 401 });
    expect(fake.requestsFor('openai')).toHaveLength(1);
    expect(error.message).not.toContain(API_KEY);
    expect(error.message).not.toContain('Incorrect API key');
  });

  it('reports a 500 as a server error', async () => {
    fake.script('openai', { status: 500 });
    expect(errorOf(await collectParts(model().stream(createChatRequest())))).toMatchObject({ kind: 'server', status: 500 });
  });

  it('ends with an error part when the stream is cut after some text', async () => {
    fake.script('openai', { chunks: ['One', ' two', ' three'], cutAfter: 2 });
    const parts = await collectParts(model().stream(createChatRequest()));
    expect(textOf(parts)).toBe('One two');
    expect(errorOf(parts)).toMatchObject({ kind: 'network', retryable: true });
  });

  it('ends with an error part on an in-band error', async () => {
    fake.script('openai', { chunks: ['Partial'], inBandError: 'server_error', message: `leak ${API_KEY}` });
    const parts = await collectParts(model().stream(createChatRequest()));
    expect(textOf(parts)).toBe('Partial');
    const error = errorOf(parts);
    expect(error.kind).toBe('server');
    expect(error.message).not.toContain(API_KEY);
  });

  it('stops at once when the signal aborts while the SDK waits to retry', async () => {
    fake.script('openai', { status: 429, retryAfter: 20 });
    const controller = new AbortController();
    const stream = model(1).stream(createChatRequest({ signal: controller.signal }));
    void fake.waitForRequests(1, 'openai').then(() => controller.abort());
    const started = performance.now();
    const parts = await collectParts(stream);
    expect(finishOf(parts).finishReason).toBe('cancelled');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(fake.requestsFor('openai')).toHaveLength(1);
  });

  it('cancels a hanging stream at once when the signal aborts', async () => {
    fake.script('openai', { chunks: ['Partial'], hang: true });
    const { parts, millisecondsAfterAbort } = await abortAfterFirstDelta((signal) => model().stream(createChatRequest({ signal })));
    expect(textOf(parts)).toBe('Partial');
    expect(finishOf(parts)).toEqual({ finishReason: 'cancelled', usage: { inputTokens: undefined, outputTokens: undefined } });
    expect(millisecondsAfterAbort).toBeLessThan(1_000);
    await expect(fake.requestsFor('openai')[0]?.closed).resolves.toEqual({ completed: false });
  });
});

describe('OpenAI-compatible adapter against the fake vendor', () => {
  let fake: FakeVendor;

  beforeAll(async () => {
    fake = await startFakeVendor();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('works without a key, prefixes names, sends max_tokens and tolerates missing usage', async () => {
    const model = createOpenAIModel({ provider: 'OPENAI_COMPATIBLE', baseUrl: fake.openaiCompatibleBaseUrl, maxRetries: 0, timeoutMs: 10_000 });
    fake.script('openai-compatible', { chunks: ['Local', ' reply'], usage: null });
    const parts = await collectParts(model.stream(createChatRequest({ model: 'llama3.1' })));

    expect(model.provider).toBe('OPENAI_COMPATIBLE');
    expect(textOf(parts)).toBe('Local reply');
    expect(finishOf(parts)).toEqual({ finishReason: 'stop', usage: { inputTokens: undefined, outputTokens: undefined } });
    const [request] = fake.requestsFor('openai-compatible');
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
    const model = createOpenAIModel({ provider: 'OPENAI_COMPATIBLE', baseUrl: fake.openaiCompatibleBaseUrl, maxRetries: 0, timeoutMs: 10_000 });
    fake.script('openai-compatible', { status: 404 });
    const error = errorOf(await collectParts(model.stream(createChatRequest())));
    expect(error).toMatchObject({ kind: 'bad_request', status: 404 });
    expect(error.message).toBe('The OpenAI-compatible server rejected the request as invalid (HTTP 404, model_not_found)');
  });
});
