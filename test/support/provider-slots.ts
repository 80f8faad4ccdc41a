// Shared by the provider slots tests (test/unit/provider-slots*.test.ts): instances standing for
// workers, in this process or in the real Redis, each with its own connection, and a tracker of
// the grants they make. Nothing here reads a clock: every helper waits for the state it names.

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect, vi } from 'vitest';
import type { ProviderName } from '../../src/domain.js';
import { createProviderSlots, type ProviderSlots, type SlotLease } from '../../src/limits/provider-slots.js';
import { deleteKeys, TEST_REDIS_URL } from './app.js';

export type SlotsKind = 'memory' | 'redis';

/** Registers the hooks that close every instance after each test and delete their keys after the file. */
export function useSlotWorkers() {
  const connections: Redis[] = [];
  const prefixes: string[] = [];
  const opened: ProviderSlots[] = [];

  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(opened.splice(0).map((slots) => slots.close()));
  });
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeys(TEST_REDIS_URL, prefix);
    // a "dead worker"'s connection is closed already
    await Promise.all(connections.map((connection) => connection.quit().catch(() => undefined)));
  });

  function connect(): Redis {
    const redis = new Redis(TEST_REDIS_URL);
    connections.push(redis);
    return redis;
  }

  /** `count` instances sharing one store (OPENAI capped at `cap`, default 2): for Redis, each with its own connection. */
  function workers(kind: SlotsKind, count: number, options: { cap?: number; leaseMs?: number } = {}) {
    const waits: { outcome: string; provider: string }[] = [];
    const keyPrefix = `test:slots:${randomUUID()}:`;
    prefixes.push(keyPrefix);
    const redises = Array.from({ length: kind === 'redis' ? count : 0 }, connect);
    const make = (redis: Redis | undefined) => {
      const slots = createProviderSlots({
        limits: { OPENAI: options.cap ?? 2 },
        redis,
        keyPrefix,
        leaseMs: options.leaseMs,
        observer: { waited: (provider, _ms, outcome) => waits.push({ provider, outcome }) },
      });
      opened.push(slots);
      return slots;
    };
    const instances = kind === 'redis' ? redises.map(make) : [make(undefined)];
    return { instances, redises, waits, keyPrefix };
  }

  return { connect, workers };
}

export const signal = () => new AbortController().signal;

/** The instance a call goes to: round the workers. */
export function worker<T>(instances: readonly T[], index: number): T {
  const instance = instances[index % instances.length];
  if (instance === undefined) throw new Error('no such worker');
  return instance;
}

/** Tracks a set of acquires: who holds a slot, the most at once, and the order of grants. */
export function tracker() {
  const holding = new Map<string, SlotLease>();
  const order: string[] = [];
  let most = 0;
  return {
    order,
    get most() {
      return most;
    },
    async take(slots: ProviderSlots, name: string, owner: string): Promise<void> {
      const lease = await slots.acquire({ provider: 'OPENAI', owner, signal: signal() });
      if (!lease) throw new Error(`${name} got no lease`);
      holding.set(name, lease);
      order.push(name);
      most = Math.max(most, holding.size);
    },
    async release(name: string): Promise<void> {
      const lease = holding.get(name);
      holding.delete(name);
      await lease?.release();
    },
  };
}

/** Resolves once `count` grants have happened. */
export async function granted(track: ReturnType<typeof tracker>, count: number): Promise<void> {
  await expect.poll(() => track.order.length, { timeout: 20_000, interval: 5 }).toBeGreaterThanOrEqual(count);
}

/** Resolves once the instances have `count` calls waiting for `provider`, all told. */
export async function waitingFor(instances: readonly ProviderSlots[], count: number, provider: ProviderName = 'OPENAI') {
  const total = () => instances.reduce((sum, slots) => sum + (slots.waiting()[provider] ?? 0), 0);
  await expect.poll(total, { timeout: 20_000, interval: 5 }).toBe(count);
}
