import { APIConnectionError, APIError, AuthenticationError, OverloadedError, RateLimitError } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import {
  convertAnthropicMessages,
  convertAnthropicUsage,
  createAnthropicModel,
  mapAnthropicError,
  mapAnthropicStopReason,
} from '../../src/providers/anthropic.js';
import { CONTINUE_TURN, OPENING_TURN } from '../../src/providers/transcript.js';
import { collectParts, createChatRequest } from '../fake-vendor/stream-parts.js';
import { describeChatModelContract, useFakeVendor } from './chat-model-contract.js';

const API_KEY = 'sk-ant-test-secret-0123456789';

describe('convertAnthropicMessages', () => {
  it('merges consecutive turns of others into one user turn with name prefixes', () => {
    const messages = convertAnthropicMessages(createChatRequest().messages);
    expect(messages).toEqual([
      { role: 'user', content: 'Moderator: Welcome. Tabs or spaces?\n\nBob: Tabs, obviously.' },
      { role: 'assistant', content: 'Spaces, for alignment.' },
      { role: 'user', content: 'Bob: Why alignment?' },
    ]);
  });

  it('starts with a user turn when the transcript is empty or opens with the agent', () => {
    expect(convertAnthropicMessages([])).toEqual([{ role: 'user', content: OPENING_TURN }]);
    expect(convertAnthropicMessages([{ role: 'assistant', name: 'Ada', content: 'I open.' }])).toEqual([
      { role: 'user', content: OPENING_TURN },
      { role: 'assistant', content: 'I open.' },
      { role: 'user', content: CONTINUE_TURN },
    ]);
  });

  it('merges the agent’s own consecutive turns and drops empty ones', () => {
    const messages = convertAnthropicMessages([
      { role: 'user', name: 'Bob', content: 'Go on.' },
      { role: 'assistant', name: 'Ada', content: 'First.' },
      { role: 'assistant', name: 'Ada', content: '  ' },
      { role: 'assistant', name: 'Ada', content: 'Second.' },
      { role: 'user', name: 'Cy', content: 'Hm.' },
    ]);
    expect(messages).toEqual([
      { role: 'user', content: 'Bob: Go on.' },
      { role: 'assistant', content: 'First.\n\nSecond.' },
      { role: 'user', content: 'Cy: Hm.' },
    ]);
  });
});

describe('mapAnthropicStopReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['refusal', 'content_filter'],
    ['tool_use', 'tool_calls'],
    ['pause_turn', 'other'],
  ] as const)('%s -> %s', (reason, expected) => {
    expect(mapAnthropicStopReason(reason)).toBe(expected);
  });

  it('maps a missing reason to other', () => {
    expect(mapAnthropicStopReason(null)).toBe('other');
  });
});

describe('convertAnthropicUsage', () => {
  it('sums the input counters and takes output from message_delta', () => {
    const start = { input_tokens: 10, cache_creation_input_tokens: 5, cache_read_input_tokens: 3 };
    const delta = { input_tokens: null, cache_creation_input_tokens: null, cache_read_input_tokens: null, output_tokens: 7 };
    expect(convertAnthropicUsage(start, delta)).toEqual({ inputTokens: 18, outputTokens: 7 });
  });

  it('leaves counts the vendor did not report undefined', () => {
    expect(convertAnthropicUsage(undefined, undefined)).toEqual({ inputTokens: undefined, outputTokens: undefined });
    const start = { input_tokens: 4, cache_creation_input_tokens: null, cache_read_input_tokens: null };
    expect(convertAnthropicUsage(start, undefined)).toEqual({ inputTokens: 4, outputTokens: undefined });
  });
});

describe('mapAnthropicError', () => {
  const headers = new Headers();
  const body = (type: string) => ({ type: 'error', error: { type, message: `vendor text with ${API_KEY}` } });

  it('maps statuses and error types to kinds', () => {
    expect(mapAnthropicError(new RateLimitError(429, body('rate_limit_error'), undefined, headers)).kind).toBe('rate_limited');
    expect(mapAnthropicError(new OverloadedError(529, body('overloaded_error'), undefined, headers)).kind).toBe('overloaded');
    expect(mapAnthropicError(new AuthenticationError(401, body('authentication_error'), undefined, headers)).kind).toBe('authentication');
    expect(mapAnthropicError(APIError.generate(402, body('billing_error'), undefined, headers)).kind).toBe('authentication');
    expect(mapAnthropicError(APIError.generate(400, body('invalid_request_error'), undefined, headers)).kind).toBe('bad_request');
    expect(mapAnthropicError(APIError.generate(404, body('not_found_error'), undefined, headers)).kind).toBe('bad_request');
    expect(mapAnthropicError(APIError.generate(500, body('api_error'), undefined, headers)).kind).toBe('server');
    expect(mapAnthropicError(APIError.generate(503, undefined, undefined, headers)).kind).toBe('server');
  });

  it('maps an in-band error event by its type', () => {
    const inBand = new APIError(undefined, body('overloaded_error'), undefined, headers, 'overloaded_error');
    expect(mapAnthropicError(inBand)).toMatchObject({ kind: 'overloaded', retryable: true });
  });

  it('maps connection failures to network and writes its own message', () => {
    const error = mapAnthropicError(new APIConnectionError({ cause: new Error(`connect ECONNREFUSED ${API_KEY}`) }));
    expect(error.kind).toBe('network');
    expect(error.message).not.toContain(API_KEY);
    expect(mapAnthropicError(new TypeError('terminated')).kind).toBe('network');
    expect(mapAnthropicError(new Error('something odd')).kind).toBe('unknown');
  });

  it('never copies the vendor body into the message', () => {
    const error = mapAnthropicError(new RateLimitError(429, body('rate_limit_error'), undefined, headers));
    expect(error.message).toBe('Anthropic rate limited the request (HTTP 429, rate_limit_error)');
    expect(error.cause).toBeUndefined();
  });
});

describe('Anthropic adapter against the fake vendor', () => {
  const fake = useFakeVendor();
  const model = (maxRetries = 0) =>
    createAnthropicModel({ apiKey: API_KEY, baseUrl: fake().anthropicBaseUrl, maxRetries, timeoutMs: 10_000 });

  describeChatModelContract('anthropic', {
    fake,
    createModel: model,
    apiKey: API_KEY,
    reply: {
      model: 'claude-test',
      checkRequest: (request) => {
        expect(request.method).toBe('POST');
        expect(request.path).toBe('/v1/messages');
        expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
        expect(request.headers['anthropic-version']).toBeDefined();
        expect(request.body).toEqual({
          model: 'claude-test',
          system: 'You are Ada, a careful engineer. This is a discussion about: tabs or spaces',
          messages: [
            { role: 'user', content: 'Moderator: Welcome. Tabs or spaces?\n\nBob: Tabs, obviously.' },
            { role: 'assistant', content: 'Spaces, for alignment.' },
            { role: 'user', content: 'Bob: Why alignment?' },
          ],
          max_tokens: 256,
          temperature: 0.4,
          stream: true,
        });
      },
    },
    lengthStopReason: 'max_tokens',
    retryDelayCarrier: 'a retry-after header',
    overloaded: { status: 529, message: 'Anthropic is overloaded (HTTP 529, overloaded_error)' },
    unauthorized: { message: `invalid x-api-key ${API_KEY}`, vendorText: 'invalid x-api-key' },
    inBandError: { type: 'overloaded_error', kind: 'overloaded' },
    inputTokensKnownBeforeEnd: true,
  });

  it('uses a default max_tokens and omits temperature when unset', async () => {
    await collectParts(model().stream(createChatRequest({ maxTokens: undefined, temperature: undefined })));
    const body = fake().requestsFor('anthropic')[0]?.body;
    expect(body).toMatchObject({ max_tokens: 1024 });
    expect(body).not.toHaveProperty('temperature');
  });
});
