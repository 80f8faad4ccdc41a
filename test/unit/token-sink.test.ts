import { describe, expect, it } from 'vitest';
import { createTokenSink } from '../../src/engine/token-sink.js';

describe('the token sink', () => {
  it('writes one delta at a time, joining those that arrive during a write, and loses nothing', async () => {
    const writes: { delta: string; index: number }[] = [];
    let release: () => void = () => {};
    let calls = 0;
    const sink = createTokenSink(async (delta, index) => {
      writes.push({ delta, index });
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
      { delta: 'a', index: 0 },
      { delta: 'bcd', index: 1 },
    ]);
  });

  it('reports a failed write on flush', async () => {
    const sink = createTokenSink(() => Promise.reject(new Error('redis down')));
    sink.push('x');
    await expect(sink.flush()).rejects.toThrow('redis down');
  });
});
