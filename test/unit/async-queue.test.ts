import { describe, expect, it } from 'vitest';
import { createAsyncQueue } from '../../src/events/async-queue.js';
import { filterMap } from '../../src/events/filter-map.js';

describe('the subscription queue', () => {
  it('delivers pushed items in order, then ends after the queued ones', async () => {
    let closed = 0;
    const queue = createAsyncQueue<number>(() => (closed += 1));
    queue.push(1);
    queue.push(2);
    queue.end();
    queue.push(3);
    const received: number[] = [];
    for await (const item of queue.iterator) received.push(item);
    expect(received).toEqual([1, 2]);
    expect(closed).toBe(1);
  });

  it('settles a waiting next() at once when the consumer returns, and releases its listener', async () => {
    let closed = 0;
    const queue = createAsyncQueue<number>(() => (closed += 1));
    const mapped = filterMap(queue.iterator, (item) => (item % 2 === 0 ? `even ${item}` : undefined));
    const pending = mapped.next();
    await mapped.return?.();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    expect(closed).toBe(1);
  });

  it('fails the iterator with the error it ended with', async () => {
    const queue = createAsyncQueue<number>(() => {});
    const pending = queue.iterator.next();
    queue.end(new Error('replay failed'));
    await expect(pending).rejects.toThrow('replay failed');
  });
});
