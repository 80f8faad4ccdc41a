// PROVIDER_CONCURRENCY in Redis, shared by every worker. Keys, each under `${keyPrefix}slots:<PROVIDER>:`:
//
//   leases        sorted set: lease id → when it expires (Redis ms). A worker renews its leases every
//                 leaseMs / 3; one that stops (a dead worker) loses them at expiry, so no slot leaks
//   pause         string with a PX expiry: while it exists no new call starts (a vendor's 429)
//   waiters       sorted set: waiter id → when it expires unless it asks again (a dead worker's waiters go)
//   waiter-owner  hash: waiter id → its owner
//   queue:<OWNER> list: the owner's waiter ids, oldest first
//   rotation      sorted set: owner → the grant number of its last grant; the lowest with a waiter is next
//   grants        counter of grants, for the rotation
//
// and the channel `${keyPrefix}slots:released` (message: the provider) that wakes waiters when a
// slot is freed. The grant is one script (ACQUIRE): a waiter asks, and gets the slot only when one
// is free, nothing is paused, its owner is next in rotation and it is its owner's oldest waiter.
// A waiter asks again on every wake-up, and at least every POLL_MS in case a message was missed;
// while paused it sleeps the pause key's PTTL. Every ask renews the provider's keys' expiry, so
// they go once the provider has been idle a while. The per-owner queue keys are built in the
// script (a standalone Redis, like the rest of the deployment; not a cluster).

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ProviderName } from '../domain.js';
import { sleep } from '../providers/stream-control.js';
import { defineScript, runScript } from '../store/redis-scripts.js';
import type { ProviderSlots, ProviderSlotsOptions, SlotLease } from './provider-slots.js';
import { createWaitCounter, DEFAULT_LEASE_MS, MAX_PAUSE_MS, NO_LEASE } from './slot-waits.js';

/** A waiter asks again this often even without a wake-up (a message sent before it subscribed). */
const POLL_MS = 200;
/** A waiter that has not asked for this long is dropped from its queue (its worker died). */
const WAITER_TTL_MS = 5_000;
/** A paused waiter still asks this often, so that it stays alive in its queue. */
const PAUSED_ASK_MS = WAITER_TTL_MS / 5;

const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`;

/** The keys ACQUIRE takes, in order. */
const ACQUIRE_KEYS = ['leases', 'pause', 'waiters', 'waiter-owner', 'rotation', 'grants'] as const;

/**
 * KEYS: ACQUIRE_KEYS. ARGV: cap, waiter id, owner, lease ms, waiter ttl ms, queue key prefix, lease id,
 * idle expiry ms, channel, provider. Returns 0 when granted, the pause's remaining ms while paused,
 * or -1 when the waiter must wait for a slot or its turn. A grant that leaves a slot free wakes the
 * waiters again, since the next one in turn may have asked just before it.
 */
const ACQUIRE = defineScript(
  'provider-slot-acquire',
  `${NOW}
local cap, waiter, owner, queuePrefix, idle = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[6], tonumber(ARGV[8])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  local gone = redis.call('HGET', KEYS[4], id)
  if gone then redis.call('LREM', queuePrefix .. gone, 0, id) end
  redis.call('HDEL', KEYS[4], id)
  redis.call('ZREM', KEYS[3], id)
end
local queue = queuePrefix .. owner
local function decide()
  if redis.call('ZADD', KEYS[3], now + tonumber(ARGV[5]), waiter) == 1 then
    redis.call('HSET', KEYS[4], waiter, owner)
    redis.call('RPUSH', queue, waiter)
    -- an owner new to the rotation comes after those waiting longer, before the one served last
    redis.call('ZADD', KEYS[5], 'NX', tonumber(redis.call('GET', KEYS[6]) or '0') - 0.5, owner)
  end
  local paused = redis.call('PTTL', KEYS[2])
  if paused > 0 then return paused end
  if redis.call('ZCARD', KEYS[1]) >= cap then return -1 end
  for _, candidate in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
    local head = redis.call('LINDEX', queuePrefix .. candidate, 0)
    if head then
      if head ~= waiter then return -1 end
      break
    end
    redis.call('ZREM', KEYS[5], candidate)
  end
  redis.call('LPOP', queue)
  redis.call('ZREM', KEYS[3], waiter)
  redis.call('HDEL', KEYS[4], waiter)
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[7])
  redis.call('ZADD', KEYS[5], redis.call('INCR', KEYS[6]), owner)
  if redis.call('ZCARD', KEYS[1]) < cap and redis.call('ZCARD', KEYS[3]) > 0 then redis.call('PUBLISH', ARGV[9], ARGV[10]) end
  return 0
end
local answer = decide()
-- last, so that the keys made above expire too
for _, key in ipairs({ KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6], queue }) do redis.call('PEXPIRE', key, idle) end
return answer
`,
);

/** KEYS: leases. ARGV: lease id, lease ms, idle expiry ms. Keeps the lease (again, if it had expired: the call is still out). */
const RENEW = defineScript(
  'provider-slot-renew',
  `${NOW}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`,
);

/** KEYS: waiters, waiter-owner. ARGV: waiter id, queue key prefix, channel, provider. Takes a waiter that gave up out of its queue, and wakes the next. */
const WITHDRAW = defineScript(
  'provider-slot-withdraw',
  `
local owner = redis.call('HGET', KEYS[2], ARGV[1])
if owner then redis.call('LREM', ARGV[2] .. owner, 0, ARGV[1]) end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`,
);

/** KEYS: leases. ARGV: lease id, channel, provider. Frees the slot and wakes the waiters. */
const RELEASE = defineScript(
  'provider-slot-release',
  `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return 1
`,
);

/** KEYS: pause. ARGV: ms. Sets the pause unless a longer one is set. */
const PAUSE = defineScript(
  'provider-slot-pause',
  `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', tonumber(ARGV[1])) end
return 1
`,
);

type Outcome = 'granted' | 'aborted';

export function createRedisProviderSlots({
  limits,
  redis,
  keyPrefix = '',
  leaseMs = DEFAULT_LEASE_MS,
  observer,
}: ProviderSlotsOptions & { redis: Redis }): ProviderSlots {
  const counter = createWaitCounter(observer);
  const idleMs = 2 * Math.max(leaseMs, WAITER_TTL_MS);
  const channel = `${keyPrefix}slots:released`;
  const key = (provider: ProviderName, name: string) => `${keyPrefix}slots:${provider}:${name}`;
  const stopping = new AbortController();
  const held = new Set<SlotLease>();
  /** Acquires under way, which close() lets withdraw before the connection goes. */
  const asking = new Set<Promise<unknown>>();
  /** Wake-ups of this process's waiters, per provider. */
  const sleepers = new Map<string, Set<() => void>>();
  let subscriber: Redis | undefined;

  /** Subscribes to the release channel, once: on a connection of its own, as a subscriber cannot send commands. */
  function listen(): void {
    if (subscriber) return;
    subscriber = redis.duplicate();
    subscriber.on('error', () => undefined);
    subscriber.on('message', (_channel: string, provider: string) => {
      for (const wake of [...(sleepers.get(provider) ?? [])]) wake();
    });
    void subscriber.subscribe(channel).catch(() => undefined);
  }

  /** Sleeps `milliseconds`, or less when a slot of the provider is freed or `signal` aborts. */
  function doze(provider: ProviderName, milliseconds: number, signal: AbortSignal): Promise<void> {
    const wakes = sleepers.get(provider) ?? new Set<() => void>();
    sleepers.set(provider, wakes);
    return new Promise((resolve) => {
      const timer = setTimeout(done, milliseconds);
      function done(): void {
        clearTimeout(timer);
        wakes.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      }
      if (signal.aborted) return done();
      wakes.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  function hold(provider: ProviderName, leaseId: string): SlotLease {
    const leases = key(provider, 'leases');
    const renew = () => void runScript(redis, RENEW, [leases], [leaseId, leaseMs, idleMs]).catch(() => undefined);
    const timer = setInterval(renew, Math.max(1, Math.floor(leaseMs / 3))).unref();
    let released = false;
    const lease: SlotLease = {
      async release() {
        if (released) return;
        released = true;
        clearInterval(timer);
        held.delete(lease);
        // should this fail, the lease expires within leaseMs
        await runScript(redis, RELEASE, [leases], [leaseId, channel, provider]);
      },
    };
    held.add(lease);
    return lease;
  }

  /** Uncapped: only a pause holds the call. */
  async function unpaused(provider: ProviderName, waiting: AbortSignal): Promise<SlotLease | undefined> {
    let paused = await redis.pttl(key(provider, 'pause'));
    if (paused <= 0) return NO_LEASE;
    const ended = counter.begin(provider);
    try {
      while (paused > 0 && !waiting.aborted) {
        await sleep(paused, waiting);
        paused = await redis.pttl(key(provider, 'pause'));
      }
    } catch (error) {
      ended('aborted');
      throw error;
    }
    ended(waiting.aborted ? 'aborted' : 'granted');
    return waiting.aborted ? undefined : NO_LEASE;
  }

  /** Capped: asks ACQUIRE on every wake-up until granted or aborted; withdraws the waiter on the way out. */
  async function capped(provider: ProviderName, cap: number, owner: string, waiting: AbortSignal): Promise<SlotLease | undefined> {
    const waiterId = randomUUID();
    const leaseId = randomUUID();
    const queuePrefix = key(provider, 'queue:');
    const keys = ACQUIRE_KEYS.map((name) => key(provider, name));
    const args = [cap, waiterId, owner, leaseMs, WAITER_TTL_MS, queuePrefix, leaseId, idleMs, channel, provider];
    const withdraw = () =>
      runScript(redis, WITHDRAW, [key(provider, 'waiters'), key(provider, 'waiter-owner')], [waiterId, queuePrefix, channel, provider]);
    let ended: ((outcome: Outcome) => void) | undefined;
    try {
      for (;;) {
        const answer = Number(await runScript(redis, ACQUIRE, keys, args));
        if (answer === 0) {
          const lease = hold(provider, leaseId);
          if (!waiting.aborted) {
            ended?.('granted');
            return lease;
          }
          // aborted while the grant was on its way: the slot goes to the next waiter
          ended?.('aborted');
          await lease.release();
          return undefined;
        }
        ended ??= counter.begin(provider);
        listen();
        await doze(provider, answer > 0 ? Math.min(answer, PAUSED_ASK_MS) : POLL_MS, waiting);
        if (waiting.aborted) {
          ended('aborted');
          await withdraw();
          return undefined;
        }
      }
    } catch (error) {
      ended?.('aborted');
      await withdraw().catch(() => undefined);
      throw error;
    }
  }

  function acquire({ provider, owner, signal }: { provider: ProviderName; owner: string; signal: AbortSignal }) {
    const waiting = AbortSignal.any([signal, stopping.signal]);
    if (waiting.aborted) return Promise.resolve(undefined);
    const cap = limits[provider];
    return cap === undefined ? unpaused(provider, waiting) : capped(provider, cap, owner, waiting);
  }

  return {
    acquire(request) {
      const asked = acquire(request);
      const settled = asked.catch(() => undefined);
      asking.add(settled);
      void settled.then(() => asking.delete(settled));
      return asked;
    },
    async pause(provider, milliseconds) {
      if (!(milliseconds > 0)) return;
      const bounded = Math.max(1, Math.min(Math.round(milliseconds), MAX_PAUSE_MS));
      await runScript(redis, PAUSE, [key(provider, 'pause')], [bounded]);
    },
    waiting: () => ({ ...counter.counts }),
    async close() {
      stopping.abort();
      await Promise.all([...asking]);
      await Promise.all([...held].map((lease) => lease.release().catch(() => undefined)));
      await subscriber?.quit().catch(() => undefined);
    },
  };
}
