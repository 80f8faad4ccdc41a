import { describe, expect, it } from 'vitest';
import { bypassWhileWaiting, createAsyncQueue } from '../../src/events/async-queue.js';

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
    const pending = queue.iterator.next();
    await queue.iterator.return?.();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    expect(closed).toBe(1);
  });

  it('hands items to several waiting next() calls in the order they asked, and ends the rest', async () => {
    const queue = createAsyncQueue<number>(() => {});
    const pending = [queue.iterator.next(), queue.iterator.next(), queue.iterator.next()];
    queue.push(1);
    queue.push(2);
    queue.end();
    expect(await Promise.all(pending)).toEqual([
      { value: 1, done: false },
      { value: 2, done: false },
      { value: undefined, done: true },
    ]);
  });

  it('fails the iterator with the error it ended with', async () => {
    const queue = createAsyncQueue<number>(() => {});
    const pending = queue.iterator.next();
    queue.end(new Error('replay failed'));
    await expect(pending).rejects.toThrow('replay failed');
  });

  it('offers its bypass only the items pushed while the consumer waits with nothing queued, and keeps their order', async () => {
    const queue = createAsyncQueue<number>(() => {});
    const bypassed: unknown[] = [];
    let accept = true;
    expect(bypassWhileWaiting(queue.iterator, (item) => (accept ? bypassed.push(item) > 0 : false))).toBe(true);
    // Nobody waits yet: queued.
    queue.push(1);
    expect(await queue.iterator.next()).toEqual({ value: 1, done: false });
    const waiting = queue.iterator.next();
    // The consumer waits with nothing queued: taken past the queue, and it goes on waiting.
    queue.push(2);
    queue.push(3);
    expect(bypassed).toEqual([2, 3]);
    // Refused: the waiting consumer gets it, and what follows queues behind it until the consumer waits again.
    accept = false;
    queue.push(4);
    accept = true;
    queue.push(5);
    expect(await waiting).toEqual({ value: 4, done: false });
    expect(await queue.iterator.next()).toEqual({ value: 5, done: false });
    expect(bypassed).toEqual([2, 3]);
    const last = queue.iterator.next();
    queue.end();
    queue.push(6);
    expect(await last).toEqual({ value: undefined, done: true });
    expect(bypassed).toEqual([2, 3]);
  });

  it('leaves other iterators alone', () => {
    const numbers = (async function* () {
      yield await Promise.resolve(1);
    })();
    expect(bypassWhileWaiting(numbers, () => true)).toBe(false);
  });
});
