// PROVIDER_CONCURRENCY's slots in the real Redis (src/limits/provider-slots-redis.ts), with
// instances on connections of their own standing for workers: a pause holds every worker, a dead
// worker's lease expires, a live one is renewed, and nothing is left behind. A pause is checked
// against its key in Redis, an expiry against Redis's clock: no assertion reads this process's.

import { setTimeout as pace } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { ProviderName } from '../../src/domain.js';
import { MAX_PAUSE_MS } from '../../src/limits/provider-slots.js';
import { signal, useSlotWorkers, waitingFor, worker } from '../support/provider-slots.js';

const { connect, workers } = useSlotWorkers();

describe('provider slots in Redis', () => {
  const redisNow = async (client: Redis) => {
    const [seconds, micros] = await client.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };

  it('holds new calls on every worker while paused, capped or not; a shorter pause keeps the longer', async () => {
    const { instances, waits, keyPrefix } = workers('redis', 2);
    const [pausing, other] = [worker(instances, 0), worker(instances, 1)];
    const inspector = connect();
    const pauseKey = (provider: ProviderName) => `${keyPrefix}slots:${provider}:pause`;
    await pausing.pause('ANTHROPIC', 60_000);
    await pausing.pause('ANTHROPIC', 1);
    expect(await inspector.pttl(pauseKey('ANTHROPIC'))).toBeGreaterThan(1_000);
    await pausing.pause('GEMINI', 10 * MAX_PAUSE_MS);
    expect(await inspector.pttl(pauseKey('GEMINI'))).toBeLessThanOrEqual(MAX_PAUSE_MS);
    await inspector.del(pauseKey('GEMINI'));

    await pausing.pause('GEMINI', 500);
    await pausing.pause('OPENAI', 500);
    const grants = new Set<ProviderName>();
    const asks = (['GEMINI', 'OPENAI'] as const).map(async (provider) => {
      const lease = await other.acquire({ provider, owner: 'a', signal: signal() });
      grants.add(provider);
      return lease;
    });
    // while a provider's pause key exists, no call to it has been granted
    for (let open = true; open; await pace(10)) {
      const before = new Set(grants);
      const [gemini, openai] = await Promise.all([inspector.pttl(pauseKey('GEMINI')), inspector.pttl(pauseKey('OPENAI'))]);
      if (gemini > 0) expect(before.has('GEMINI')).toBe(false);
      if (openai > 0) expect(before.has('OPENAI')).toBe(false);
      open = gemini > 0 || openai > 0;
    }
    const leases = await Promise.all(asks);
    expect(leases.every((lease) => lease !== undefined)).toBe(true);
    // both waited for the pause
    expect(waits.filter((wait) => wait.outcome === 'granted').map((wait) => wait.provider)).toEqual(
      expect.arrayContaining(['GEMINI', 'OPENAI']),
    );
    for (const lease of leases) await lease?.release();
  });

  it('frees the slot of a worker that died: its lease is not renewed, and the waiter gets it at expiry', async () => {
    const { instances, redises, keyPrefix } = workers('redis', 2, { cap: 1, leaseMs: 300 });
    const [dying, alive] = [worker(instances, 0), worker(instances, 1)];
    const inspector = connect();
    const leases = `${keyPrefix}slots:OPENAI:leases`;
    expect(await dying.acquire({ provider: 'OPENAI', owner: 'a', signal: signal() })).toBeDefined();
    // the worker dies: its connection goes, and its renewals with it
    worker(redises, 0).disconnect();
    const [deadLease, expiry] = await inspector.zrange(leases, 0, -1, 'WITHSCORES');
    const lease = await alive.acquire({ provider: 'OPENAI', owner: 'b', signal: signal() });
    expect(lease).toBeDefined();
    expect(await redisNow(inspector)).toBeGreaterThanOrEqual(Number(expiry));
    expect(await inspector.zscore(leases, deadLease ?? '')).toBeNull();
    await lease?.release();
  });

  it('renews a live lease before it expires, and release removes it', async () => {
    const { instances, keyPrefix } = workers('redis', 1, { cap: 1, leaseMs: 300 });
    const slots = worker(instances, 0);
    const inspector = connect();
    const leases = `${keyPrefix}slots:OPENAI:leases`;
    const lease = await slots.acquire({ provider: 'OPENAI', owner: 'a', signal: signal() });
    const [leaseId, first] = await inspector.zrange(leases, 0, -1, 'WITHSCORES');
    await expect
      .poll(async () => Number(await inspector.zscore(leases, leaseId ?? '')), { timeout: 10_000, interval: 20 })
      .toBeGreaterThan(Number(first));
    await lease?.release();
    expect(await inspector.zcard(leases)).toBe(0);
  });

  it('leaves no waiter behind once every call is done, and every key with an expiry', async () => {
    const { instances, keyPrefix } = workers('redis', 2, { cap: 1 });
    const inspector = connect();
    const first = await worker(instances, 0).acquire({ provider: 'OPENAI', owner: 'a', signal: signal() });
    const controller = new AbortController();
    const gaveUp = worker(instances, 1).acquire({ provider: 'OPENAI', owner: 'b', signal: controller.signal });
    const next = worker(instances, 1).acquire({ provider: 'OPENAI', owner: 'c', signal: signal() });
    await waitingFor(instances, 2);
    controller.abort();
    await gaveUp;
    await first?.release();
    await (await next)?.release();
    const keys = await inspector.keys(`${keyPrefix}slots:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const name of keys) expect(await inspector.pttl(name)).toBeGreaterThan(0);
    expect(await inspector.zcard(`${keyPrefix}slots:OPENAI:waiters`)).toBe(0);
    expect(await inspector.hlen(`${keyPrefix}slots:OPENAI:waiter-owner`)).toBe(0);
    expect(await inspector.keys(`${keyPrefix}slots:OPENAI:queue:*`)).toEqual([]);
  });
});
