import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenSink, type TokenWrite } from '../../src/engine/token-sink.js';

/** A sink whose writes land at once and are recorded. */
function recordingSink(coalesceMs: number) {
  const writes: TokenWrite[] = [];
  const sink = createTokenSink(
    (token) => {
      writes.push(token);
      return Promise.resolve();
    },
    { coalesceMs },
  );
  return { sink, writes };
}

describe('the token sink', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes one delta at a time, joining those that arrive during a write, and loses nothing', async () => {
    const writes: TokenWrite[] = [];
    let release: () => void = () => {};
    let calls = 0;
    const sink = createTokenSink(async (token) => {
      writes.push(token);
      calls += 1;
      // The first write stays open until the test releases it.
      if (calls === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    sink.push('a');
    sink.push('b');
    sink.push('c');
    release();
    sink.push('d');
    await sink.flush();
    expect(writes.map((write) => write.delta).join('')).toBe('abcd');
    // 'd' came before the first write's continuation ran, so it joined the second write too.
    expect(writes).toEqual([
      { delta: 'a', index: 0, offset: 0 },
      { delta: 'bcd', index: 1, offset: 1 },
    ]);
  });

  it('joins deltas that arrive faster than the interval into one write, and writes a slow stream delta by delta', async () => {
    vi.useFakeTimers();
    const { sink, writes } = recordingSink(50);
    // The first delta goes out at once.
    sink.push('Hello');
    await vi.advanceTimersByTimeAsync(0);
    expect(writes).toEqual([{ delta: 'Hello', index: 0, offset: 0 }]);

    // A burst within the interval waits for it, then goes as one write.
    sink.push(', ');
    sink.push('wor');
    await vi.advanceTimersByTimeAsync(10);
    sink.push('ld');
    await vi.advanceTimersByTimeAsync(30);
    expect(writes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(writes.at(-1)).toEqual({ delta: ', world', index: 1, offset: 5 });

    // A delta after a pause longer than the interval goes out at once.
    await vi.advanceTimersByTimeAsync(200);
    sink.push('!');
    await vi.advanceTimersByTimeAsync(0);
    expect(writes.at(-1)).toEqual({ delta: '!', index: 2, offset: 12 });
  });

  it('writes what is pending at once on flush, without waiting out the interval', async () => {
    vi.useFakeTimers();
    const { sink, writes } = recordingSink(60_000);
    sink.push('one ');
    sink.push('two ');
    sink.push('three');
    // Only the fake clock could end the minute's wait; flush must not need it.
    await sink.flush();
    expect(writes).toEqual([
      { delta: 'one ', index: 0, offset: 0 },
      { delta: 'two three', index: 1, offset: 4 },
    ]);
  });

  it('reports a failed write on flush', async () => {
    const sink = createTokenSink(() => Promise.reject(new Error('redis down')));
    sink.push('x');
    await expect(sink.flush()).rejects.toThrow('redis down');
  });
});
