// PROVIDER_CONCURRENCY's slots (src/limits/provider-slots.ts), the same in this process and in
// the real Redis with two instances standing for two workers (the Redis-only behaviour, leases
// and pauses across workers, is in provider-slots-redis.test.ts). Nothing here asserts on a
// clock: every step waits for the grant, release or abort it is about, and the pause in memory
// runs on fake timers.

import { describe, expect, it, vi } from 'vitest';
import { MAX_PAUSE_MS } from '../../src/limits/provider-slots.js';
import { granted, signal, tracker, useSlotWorkers, waitingFor, worker, type SlotsKind } from '../support/provider-slots.js';

const { workers } = useSlotWorkers();

describe.each<SlotsKind>(['memory', 'redis'])('provider slots (%s)', (kind) => {
  it('never holds more than the cap, across workers, and grants every waiter in the end', async () => {
    const { instances } = workers(kind, 2);
    const track = tracker();
    const names = Array.from({ length: 20 }, (_, index) => `call-${index}`);
    const all = names.map((name, index) => track.take(worker(instances, index), name, `owner-${index % 3}`));
    for (let done = 0; done < names.length; done++) {
      await granted(track, Math.min(names.length, done + 2));
      // nothing more is granted while both slots are held
      expect(track.order.length).toBe(Math.min(names.length, done + 2));
      await track.release(track.order[done] ?? '');
    }
    await Promise.all(all);
    expect(track.most).toBeLessThanOrEqual(2);
    expect(new Set(track.order)).toEqual(new Set(names));
  });

  it('serves owners in turn: the owner of 2 waiters is not kept behind the owner of 18', async () => {
    const { instances } = workers(kind, 2);
    const track = tracker();
    const pending: Promise<void>[] = [];
    await track.take(worker(instances, 0), 'first', 'alice');
    await track.take(worker(instances, 0), 'second', 'alice');
    for (let index = 0; index < 18; index++) pending.push(track.take(worker(instances, index), `alice-${index}`, 'alice'));
    await waitingFor(instances, 18);
    for (let index = 0; index < 2; index++) pending.push(track.take(worker(instances, 1), `bob-${index}`, 'bob'));
    await waitingFor(instances, 20);
    for (let done = 0; done < 20; done++) {
      await track.release(track.order[done] ?? '');
      await granted(track, done + 3);
    }
    await Promise.all(pending);
    const bobs = track.order.flatMap((name, index) => (name.startsWith('bob') ? [index] : []));
    // after the two first grants, the rotation alternates: bob's come within the next four
    expect(bobs).toHaveLength(2);
    expect(Math.max(...bobs)).toBeLessThan(6);
    // within an owner, first come first served (each worker's asks reach Redis in order; two workers' may cross)
    for (let index = 0; index < instances.length; index++) {
      const mine = (name: string) => name.startsWith('alice-') && Number(name.slice(6)) % instances.length === index;
      const asked = Array.from({ length: 18 }, (_, call) => `alice-${call}`).filter(mine);
      expect(track.order.filter(mine)).toEqual(asked);
    }
  });

  it('withdraws an aborted waiter, whose place goes to the next, and reports both kinds of wait', async () => {
    const { instances, waits } = workers(kind, 1, { cap: 1 });
    const slots = worker(instances, 0);
    const first = await slots.acquire({ provider: 'OPENAI', owner: 'a', signal: signal() });
    const controller = new AbortController();
    const gaveUp = slots.acquire({ provider: 'OPENAI', owner: 'a', signal: controller.signal });
    const next = slots.acquire({ provider: 'OPENAI', owner: 'b', signal: signal() });
    await waitingFor(instances, 2);
    controller.abort();
    expect(await gaveUp).toBeUndefined();
    expect(slots.waiting().OPENAI).toBe(1);
    await first?.release();
    const second = await next;
    expect(second).toBeDefined();
    expect(waits).toEqual([
      { provider: 'OPENAI', outcome: 'aborted' },
      { provider: 'OPENAI', outcome: 'granted' },
    ]);
    expect(slots.waiting().OPENAI).toBe(0);
    await second?.release();
  });

  it('frees one slot for a lease released twice', async () => {
    const { instances } = workers(kind, 1, { cap: 1 });
    const slots = worker(instances, 0);
    const first = await slots.acquire({ provider: 'OPENAI', owner: 'a', signal: signal() });
    const second = slots.acquire({ provider: 'OPENAI', owner: 'b', signal: signal() });
    await waitingFor(instances, 1);
    await first?.release();
    const held = await second;
    await first?.release();
    // the second release gave nothing back: a third call still waits for the second's slot
    const third = slots.acquire({ provider: 'OPENAI', owner: 'c', signal: signal() });
    await waitingFor(instances, 1);
    await held?.release();
    await (await third)?.release();
  });

  it('resolves waiters undefined on close, and takes no more calls', async () => {
    const { instances } = workers(kind, 1, { cap: 1 });
    const slots = worker(instances, 0);
    expect(await slots.acquire({ provider: 'OPENAI', owner: 'a', signal: signal() })).toBeDefined();
    const waiter = slots.acquire({ provider: 'OPENAI', owner: 'b', signal: signal() });
    await waitingFor(instances, 1);
    await slots.close();
    expect(await waiter).toBeUndefined();
    expect(await slots.acquire({ provider: 'GEMINI', owner: 'a', signal: signal() })).toBeUndefined();
  });
});

describe('provider slots in this process', () => {
  it('holds new calls while paused, capped or not, until the longest pause is over (at most MAX_PAUSE_MS)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { instances } = workers('memory', 1);
    const slots = worker(instances, 0);
    await slots.pause('GEMINI', 60_000);
    await slots.pause('GEMINI', 1);
    await slots.pause('OPENAI', 300);
    await slots.pause('ANTHROPIC', 10 * MAX_PAUSE_MS);
    const grants: string[] = [];
    const asks = (['OPENAI', 'GEMINI', 'ANTHROPIC'] as const).map(async (provider) => {
      const lease = await slots.acquire({ provider, owner: 'a', signal: signal() });
      grants.push(provider);
      await lease?.release();
    });
    expect(slots.waiting()).toEqual({ OPENAI: 1, GEMINI: 1, ANTHROPIC: 1 });
    await vi.advanceTimersByTimeAsync(299);
    expect(grants).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(grants).toEqual(['OPENAI']);
    await vi.advanceTimersByTimeAsync(60_000 - 300 - 1);
    expect(grants).toEqual(['OPENAI']);
    await vi.advanceTimersByTimeAsync(1);
    expect(grants).toEqual(['OPENAI', 'GEMINI']);
    await vi.advanceTimersByTimeAsync(MAX_PAUSE_MS - 60_000);
    await Promise.all(asks);
    expect(grants).toEqual(['OPENAI', 'GEMINI', 'ANTHROPIC']);
  });
});
