// PROVIDER_CONCURRENCY: a cap on each provider's calls in flight, shared by every worker (in
// Redis: provider-slots-redis.ts), with waiting calls served round-robin across owners, and a
// pause of every new call to a provider when its vendor answered 429 with a wait.

import type { Redis } from 'ioredis';
import type { ProviderName } from '../domain.js';
import { createRedisProviderSlots } from './provider-slots-redis.js';
import { createWaitCounter, MAX_PAUSE_MS } from './slot-waits.js';

export { MAX_PAUSE_MS } from './slot-waits.js';

/** A held slot: release it when the provider call has ended (idempotent). */
export interface SlotLease {
  release(): Promise<void>;
}

export interface SlotWaitObserver {
  /** A call waited for a slot (or a pause) this long before it was granted, or gave up (`aborted`). Called for every acquire that had to wait. */
  waited(provider: ProviderName, milliseconds: number, outcome: 'granted' | 'aborted'): void;
}

export interface ProviderSlots {
  /**
   * Waits until `provider` has a free slot (its PROVIDER_CONCURRENCY cap, across every worker sharing the Redis) and is
   * not paused, then holds the slot. Waiters of different owners are served round-robin across owners, so an owner
   * with 18 waiting calls does not starve an owner with 2; within one owner, first come first served.
   * Resolves undefined when `signal` aborts first (the waiter is withdrawn). A provider with no cap is granted at once
   * unless paused (pauses apply to every provider).
   */
  acquire(request: { provider: ProviderName; owner: string; signal: AbortSignal }): Promise<SlotLease | undefined>;
  /** A vendor answered 429 with retry-after: no new call to `provider` starts on any worker for `milliseconds` (a longer pause already set is kept; capped at MAX_PAUSE_MS = 5 minutes). */
  pause(provider: ProviderName, milliseconds: number): Promise<void>;
  /** Calls waiting in this process now, per provider (for a gauge). */
  waiting(): Partial<Record<ProviderName, number>>;
  /** Stops timers; held leases are released, waiters resolve undefined. */
  close(): Promise<void>;
}

export interface ProviderSlotsOptions {
  /** Cap per provider; a provider not listed has no cap. */
  limits: Partial<Record<ProviderName, number>>;
  /** Shared across workers when given; this process only otherwise. */
  redis?: Redis;
  keyPrefix?: string;
  /** A lease not renewed for this long is free again (a dead worker cannot leak a slot). Default 30 000. Held leases are renewed every leaseMs / 3. */
  leaseMs?: number;
  observer?: SlotWaitObserver;
}

interface Waiter {
  owner: string;
  grant(): void;
  withdraw(): void;
}

/** One provider's slots in this process. */
interface LocalProvider {
  held: number;
  pausedUntil: number;
  /** Owners with waiters, the next to be served first. */
  rotation: string[];
  queues: Map<string, Waiter[]>;
  timer?: NodeJS.Timeout;
}

function createMemoryProviderSlots({ limits, observer }: ProviderSlotsOptions): ProviderSlots {
  const providers = new Map<ProviderName, LocalProvider>();
  const counter = createWaitCounter(observer);
  let closed = false;
  const state = (provider: ProviderName): LocalProvider => {
    let local = providers.get(provider);
    if (!local) providers.set(provider, (local = { held: 0, pausedUntil: 0, rotation: [], queues: new Map() }));
    return local;
  };
  const cap = (provider: ProviderName) => limits[provider] ?? Number.POSITIVE_INFINITY;

  /** Grants slots while there are free ones and waiters: the next owner in rotation, its oldest waiter. */
  function pump(provider: ProviderName): void {
    const local = state(provider);
    const pausedFor = local.pausedUntil - Date.now();
    if (pausedFor > 0) {
      clearTimeout(local.timer);
      local.timer = setTimeout(() => pump(provider), pausedFor).unref();
      return;
    }
    while (local.held < cap(provider)) {
      const owner = local.rotation.shift();
      if (owner === undefined) return;
      const queue = local.queues.get(owner) ?? [];
      const waiter = queue.shift();
      if (queue.length > 0) local.rotation.push(owner);
      else local.queues.delete(owner);
      waiter?.grant();
    }
  }

  function lease(provider: ProviderName): SlotLease {
    const local = state(provider);
    local.held += 1;
    let released = false;
    return {
      release() {
        if (!released) {
          released = true;
          local.held -= 1;
          pump(provider);
        }
        return Promise.resolve();
      },
    };
  }

  return {
    acquire({ provider, owner, signal }) {
      if (signal.aborted || closed) return Promise.resolve(undefined);
      const local = state(provider);
      if (local.pausedUntil <= Date.now() && local.held < cap(provider) && local.rotation.length === 0) {
        return Promise.resolve(lease(provider));
      }
      const ended = counter.begin(provider);
      return new Promise((resolve) => {
        const waiter: Waiter = {
          owner,
          grant: () => {
            signal.removeEventListener('abort', withdraw);
            ended('granted');
            resolve(lease(provider));
          },
          withdraw,
        };
        function withdraw(): void {
          signal.removeEventListener('abort', withdraw);
          const queue = local.queues.get(owner) ?? [];
          const place = queue.indexOf(waiter);
          if (place !== -1) queue.splice(place, 1);
          if (queue.length === 0) {
            local.queues.delete(owner);
            local.rotation = local.rotation.filter((name) => name !== owner);
          }
          ended('aborted');
          resolve(undefined);
        }
        signal.addEventListener('abort', withdraw, { once: true });
        const queue = local.queues.get(owner);
        if (queue) queue.push(waiter);
        else {
          local.queues.set(owner, [waiter]);
          local.rotation.push(owner);
        }
        pump(provider);
      });
    },
    pause(provider, milliseconds) {
      if (!(milliseconds > 0)) return Promise.resolve();
      const local = state(provider);
      local.pausedUntil = Math.max(local.pausedUntil, Date.now() + Math.min(milliseconds, MAX_PAUSE_MS));
      pump(provider);
      return Promise.resolve();
    },
    waiting: () => ({ ...counter.counts }),
    close() {
      closed = true;
      for (const local of providers.values()) {
        clearTimeout(local.timer);
        for (const queue of [...local.queues.values()]) for (const waiter of [...queue]) waiter.withdraw();
      }
      return Promise.resolve();
    },
  };
}

export function createProviderSlots(options: ProviderSlotsOptions): ProviderSlots {
  return options.redis ? createRedisProviderSlots({ ...options, redis: options.redis }) : createMemoryProviderSlots(options);
}
