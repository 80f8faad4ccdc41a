// The reads a replay keeps of its sources (src/engine/source-cache.ts): one read per source while
// it is among the last ones read, shared by concurrent callers; a failed read is read again.

import { describe, expect, it } from 'vitest';
import { createSourceCache } from '../../src/engine/source-cache.js';

/** A read that counts its calls per id and answers `${id}#${n}`, failing where told. */
function countingRead(fails: Set<string> = new Set()) {
  const calls = new Map<string, number>();
  const read = (id: string) => {
    const count = (calls.get(id) ?? 0) + 1;
    calls.set(id, count);
    return fails.has(id) ? Promise.reject(new Error(`${id} is unreadable`)) : Promise.resolve(`${id}#${count}`);
  };
  return { read, calls };
}

describe('source cache', () => {
  it('reads a source once for every caller, concurrent or later', async () => {
    const { read, calls } = countingRead();
    const cached = createSourceCache(read);
    expect(await Promise.all([cached('a'), cached('a')])).toEqual(['a#1', 'a#1']);
    expect(await cached('a')).toBe('a#1');
    expect(await cached('b')).toBe('b#1');
    expect(Object.fromEntries(calls)).toEqual({ a: 1, b: 1 });
  });

  it('keeps the last `limit` sources: the oldest read is read again', async () => {
    const { read, calls } = countingRead();
    const cached = createSourceCache(read, 2);
    await cached('a');
    await cached('b');
    await cached('c');
    expect(await cached('b')).toBe('b#1');
    expect(await cached('c')).toBe('c#1');
    expect(await cached('a')).toBe('a#2');
    expect(calls.get('a')).toBe(2);
  });

  it('does not keep a read that failed', async () => {
    const fails = new Set(['a']);
    const { read, calls } = countingRead(fails);
    const cached = createSourceCache(read);
    await expect(cached('a')).rejects.toThrow('a is unreadable');
    fails.delete('a');
    expect(await cached('a')).toBe('a#2');
    expect(await cached('a')).toBe('a#2');
    expect(calls.get('a')).toBe(2);
  });
});
