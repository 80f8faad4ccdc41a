import { getEventListeners } from 'node:events';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { computeBackoffMs, MAX_RETRY_AFTER_MS, parseDurationMs, planRetry } from '../../src/providers/retry.js';
import { createPauses, sleep, takeUntilAborted } from '../../src/providers/stream-control.js';
import { convertToAlternatingTurns, formatSpokenLine } from '../../src/providers/transcript.js';
import {
  createVendorError,
  describeVendorError,
  detectConnectionFailure,
  mapStatusToKind,
  sanitizeErrorCode,
} from '../../src/providers/vendor-errors.js';

describe('vendor errors', () => {
  it.each([
    [429, 'rate_limited'],
    [529, 'overloaded'],
    [401, 'authentication'],
    [402, 'authentication'],
    [403, 'authentication'],
    [400, 'bad_request'],
    [404, 'bad_request'],
    [422, 'bad_request'],
    [408, 'network'],
    [500, 'server'],
    [502, 'server'],
    [503, 'server'],
    [200, 'unknown'],
  ] as const)('HTTP %i -> %s', (status, kind) => {
    expect(mapStatusToKind(status)).toBe(kind);
  });

  it('writes the message from our own words and identifier-like codes only', () => {
    expect(describeVendorError('Anthropic', 'rate_limited', { status: 429 })).toBe('Anthropic rate limited the request (HTTP 429)');
    expect(describeVendorError('OpenAI', 'server', { code: 'server_error' })).toBe('OpenAI failed with a server error (server_error)');
    expect(sanitizeErrorCode('Incorrect API key provided: sk-123')).toBeUndefined();
    expect(sanitizeErrorCode('RESOURCE_EXHAUSTED')).toBe('RESOURCE_EXHAUSTED');
  });

  it('carries kind, retryability and status, and no cause', () => {
    const error = createVendorError('Gemini', 'overloaded', { status: 503 });
    expect(error).toMatchObject({ name: 'ProviderError', kind: 'overloaded', retryable: true, status: 503 });
    expect(error.cause).toBeUndefined();
  });

  it('recognises dropped connections by code or by fetch’s TypeError', () => {
    expect(detectConnectionFailure(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }))).toBe(
      'ECONNREFUSED',
    );
    expect(detectConnectionFailure(new TypeError('terminated'))).toBe(true);
    expect(detectConnectionFailure(new Error('bad json'))).toBe(false);
  });
});

describe('convertToAlternatingTurns', () => {
  it('formats other participants as "Name: text"', () => {
    expect(formatSpokenLine({ name: 'Bob', content: 'Hi.' })).toBe('Bob: Hi.');
  });

  it('always starts and ends with a user turn and never repeats a role', () => {
    const turns = convertToAlternatingTurns([
      { role: 'assistant', name: 'Ada', content: 'A' },
      { role: 'assistant', name: 'Ada', content: 'B' },
      { role: 'user', name: 'Bob', content: 'C' },
      { role: 'user', name: 'Cy', content: 'D' },
      { role: 'assistant', name: 'Ada', content: 'E' },
    ]);
    expect(turns.map((turn) => turn.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(turns[1]?.content).toBe('A\n\nB');
    expect(turns[2]?.content).toBe('Bob: C\n\nCy: D');
  });
});

describe('retry policy', () => {
  it('parses protobuf durations', () => {
    expect(parseDurationMs('1s')).toBe(1_000);
    expect(parseDurationMs('0.250s')).toBe(250);
    expect(parseDurationMs('23.5s')).toBe(23_500);
    expect(parseDurationMs('soon')).toBeUndefined();
  });

  it('backs off exponentially with bounded jitter', () => {
    expect(computeBackoffMs(0, () => 0)).toBe(500);
    expect(computeBackoffMs(1, () => 0)).toBe(1_000);
    expect(computeBackoffMs(10, () => 0)).toBe(8_000);
    expect(computeBackoffMs(0, () => 1)).toBe(375);
  });

  it('retries only retryable failures, within maxRetries, honouring the server’s delay', () => {
    expect(planRetry({ attempt: 0, maxRetries: 2, retryable: true, retryAfterMs: 1_200 })).toBe(1_200);
    expect(planRetry({ attempt: 0, maxRetries: 2, retryable: true }, () => 0)).toBe(500);
    expect(planRetry({ attempt: 2, maxRetries: 2, retryable: true })).toBeUndefined();
    expect(planRetry({ attempt: 0, maxRetries: 2, retryable: false })).toBeUndefined();
    expect(planRetry({ attempt: 0, maxRetries: 2, retryable: true, retryAfterMs: MAX_RETRY_AFTER_MS + 1 })).toBeUndefined();
  });
});

describe('takeUntilAborted', () => {
  async function* endless(): AsyncGenerator<number> {
    yield 1;
    // a read that never settles, like a stalled socket
    await new Promise(() => undefined);
  }

  it('ends at once when the signal aborts during a pending read', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    for await (const value of takeUntilAborted(endless(), controller.signal)) {
      seen.push(value);
      controller.abort();
    }
    expect(seen).toEqual([1]);
  });

  it('ends a read that is still pending when the signal aborts', async () => {
    const controller = new AbortController();
    let readStarted: () => void = () => undefined;
    const reading = new Promise<void>((resolve) => (readStarted = resolve));
    async function* stalls(): AsyncGenerator<number> {
      yield 1;
      readStarted();
      await new Promise(() => undefined);
    }
    const seen: number[] = [];
    const done = (async () => {
      for await (const value of takeUntilAborted(stalls(), controller.signal)) seen.push(value);
    })();
    await reading;
    controller.abort();
    await done;
    expect(seen).toEqual([1]);
  });

  it('keeps no chunk it has handed on while the stream goes on', async () => {
    v8.setFlagsFromString('--expose-gc');
    const collectGarbage: unknown = runInNewContext('gc');
    if (typeof collectGarbage !== 'function') return expect.fail('no gc() to call');
    async function* chunks(): AsyncGenerator<{ text: string }> {
      for (let index = 0; ; index++) yield await Promise.resolve({ text: `chunk ${index}` });
    }
    // A stream still running, as a turn's is: the chunks read so far must be held by nothing of it.
    const controller = new AbortController();
    const running = takeUntilAborted(chunks(), controller.signal)[Symbol.asyncIterator]();
    const kept: WeakRef<{ text: string }>[] = [];
    for (let index = 0; index < 100; index++) {
      const result = await running.next();
      if (result.done !== true) kept.push(new WeakRef<{ text: string }>(result.value));
    }
    await new Promise((resolve) => setImmediate(resolve));
    Reflect.apply(collectGarbage, undefined, []);
    // The last one read may still be in the iterator's hands; none before it.
    const held = kept.slice(0, -1).flatMap((reference) => reference.deref()?.text ?? []);
    expect(held).toEqual([]);
    controller.abort();
    await running.return(undefined);
  });

  it('passes errors through unless the signal aborted', async () => {
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      // a read that fails, like a dropped socket
      await Promise.reject(new Error('boom'));
    }
    const collect = async (signal: AbortSignal): Promise<number[]> => {
      const values: number[] = [];
      for await (const value of takeUntilAborted(failing(), signal)) values.push(value);
      return values;
    };
    await expect(collect(new AbortController().signal)).rejects.toThrow('boom');
  });

  it("a stream's pauses share one abort listener, and the one under way ends early when the signal aborts", async () => {
    const controller = new AbortController();
    const listeners = () => getEventListeners(controller.signal, 'abort').length;
    const pauses = createPauses(controller.signal);
    await pauses.pause(1);
    await pauses.pause(1);
    expect(listeners()).toBe(1);
    const long = pauses.pause(60_000);
    controller.abort();
    await expect(long).resolves.toBeUndefined();
    await expect(pauses.pause(60_000)).resolves.toBeUndefined();
    pauses.close();
    expect(listeners()).toBe(0);
    // A stream that ends without an abort leaves no listener behind either.
    const signal = new AbortController().signal;
    const finished = createPauses(signal);
    await finished.pause(1);
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    finished.close();
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('sleep resolves early when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    await expect(pending).resolves.toBeUndefined();
  });
});
