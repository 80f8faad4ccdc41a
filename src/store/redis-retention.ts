// The Redis store's per-status counts and its retention sweep (see
// redis-keys.ts for the keys and redis-bookkeeping-lua.ts for how the
// discussion scripts keep both in step with each change).
//
// Counts: `discussions:status-counts` is absent until a store first counts or
// creates; then one script counts every discussion of `discussions:all` (and
// any expired one the sweep has not uncounted yet) at one instant, and from
// then on each create, transition, delete and sweep adjusts it in the step
// that makes the change. A deployment from before the counts gets them on its
// first scrape; deleting the key has them recounted.
//
// Retention: a transition to an ended status sets every key of the discussion
// to expire and scores it in `discussions:expiring`. Every process sweeps that
// set; for each discussion whose keys have expired it removes the index
// entries, then one script takes it off the schedule and uncounts it, only if
// it is still there: of two sweepers racing, one uncounts it.

import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DISCUSSION_STATUSES } from '../domain.js';
import { type StatusCounts, fillStatusCounts, startSweeper, sweepIntervalMs } from './retention.js';
import { defineScript, runScript } from './redis-scripts.js';
import type { RedisKeys } from './redis-keys.js';

/** Discussions handled per sweep step. */
const SWEEP_BATCH = 100;
/** How often a store with no retention of its own looks for expired discussions (one ZRANGEBYSCORE when none). */
const IDLE_SWEEP_MS = 60_000;

/** Lua: the Redis clock in ms, so every process agrees with the keys' own expiry. */
const NOW = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

/**
 * KEYS: status counts, every-discussion index, expiring info.
 * ARGV: a discussion hash's key name before the id, and after it.
 * Counts every discussion at one instant when the counts are absent (a
 * one-time O(n) step: it reads keys by name, so it runs on a single node
 * only), then returns HGETALL of the counts.
 */
const countStatusesScript = defineScript(
  'count-statuses',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then
  local counts = {}
  for _, status in ipairs({ ${DISCUSSION_STATUSES.map((status) => `'${status}'`).join(', ')} }) do counts[status] = 0 end
  local seen = {}
  local function count(id)
    if seen[id] then return end
    seen[id] = true
    local status = redis.call('HGET', ARGV[1] .. id .. ARGV[2], 'status')
    -- Expired and not swept yet: counted, since the sweep will uncount it.
    local info = redis.call('HGET', KEYS[3], id)
    if not status and info then status = string.match(info, '^(%S+)') end
    if status and counts[status] then counts[status] = counts[status] + 1 end
  end
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do count(id) end
  for _, id in ipairs(redis.call('HKEYS', KEYS[3])) do count(id) end
  for status, total in pairs(counts) do redis.call('HSET', KEYS[1], status, total) end
end
return redis.call('HGETALL', KEYS[1])
`,
);

/**
 * KEYS: expiring, expiring info. ARGV: how many.
 * Returns id, info, id, info… of the discussions whose keys have expired (info '' when missing).
 */
export const dueScript = defineScript(
  'expired-discussions',
  `${NOW}
local due = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now, 'LIMIT', 0, tonumber(ARGV[1]))) do
  table.insert(due, id)
  table.insert(due, redis.call('HGET', KEYS[2], id) or '')
end
return due
`,
);

/**
 * KEYS: expiring, expiring info, status counts. ARGV: ids.
 * Takes each id whose keys have expired off the schedule and uncounts its
 * status, once: an id no longer scheduled is left alone. Returns how many it took.
 */
export const forgetExpiredScript = defineScript(
  'forget-expired',
  `${NOW}
local forgotten = 0
for _, id in ipairs(ARGV) do
  local deadline = redis.call('ZSCORE', KEYS[1], id)
  if deadline and tonumber(deadline) < now then
    local info = redis.call('HGET', KEYS[2], id)
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
    if info and redis.call('EXISTS', KEYS[3]) == 1 then redis.call('HINCRBY', KEYS[3], string.match(info, '^(%S+)'), -1) end
    forgotten = forgotten + 1
  end
end
return forgotten
`,
);

const statusCountsSchema = z
  .array(z.string())
  .refine((fields) => fields.length % 2 === 0, 'not field, value pairs')
  .transform((fields) => {
    const counts: Partial<StatusCounts> = {};
    for (let index = 0; index < fields.length; index += 2) {
      const status = DISCUSSION_STATUSES.find((known) => known === fields[index]);
      if (status !== undefined) counts[status] = Number(fields[index + 1]);
    }
    return fillStatusCounts(counts);
  });

const dueSchema = z
  .array(z.string())
  .refine((fields) => fields.length % 2 === 0, 'not id, info pairs')
  .transform((fields) => {
    const due: { id: string; owner?: string }[] = [];
    for (let index = 0; index < fields.length; index += 2) {
      const id = fields[index] ?? '';
      // info is `<STATUS> <owner>`; the owner may hold spaces, the status none.
      const owner = /^\S+ (.*)$/s.exec(fields[index + 1] ?? '')?.[1];
      due.push(owner === undefined ? { id } : { id, owner });
    }
    return due;
  });

export interface RedisBookkeeping {
  countByStatus(): Promise<StatusCounts>;
  /** Resolves once the counts exist; `create` awaits it so that no discussion is created uncounted. */
  counted(): Promise<void>;
  /** Stops the sweep (waiting for one under way). */
  close(): Promise<void>;
}

export function createRedisBookkeeping({
  redis,
  keys,
  retentionMs,
  logger,
  idleSweepMs = IDLE_SWEEP_MS,
}: {
  redis: Redis;
  keys: RedisKeys;
  retentionMs?: number;
  logger: Logger;
  /** How often it sweeps with no retention of its own (tests make it short). */
  idleSweepMs?: number;
}): RedisBookkeeping {
  const marker = '\u0000';
  const [hashHead = '', hashTail = ''] = keys.discussion(marker).split(marker);
  const countStatuses = async (): Promise<StatusCounts> =>
    statusCountsSchema.parse(
      await runScript(redis, countStatusesScript, [keys.statusCounts(), keys.allIndex(), keys.expiringInfo()], [hashHead, hashTail]),
    );
  let counting: Promise<unknown> | undefined;

  /** One batch: index entries first, so that a crash before the script leaves it for the next sweep to finish. */
  const sweepBatch = async (): Promise<number> => {
    const due = dueSchema.parse(await runScript(redis, dueScript, [keys.expiring(), keys.expiringInfo()], [SWEEP_BATCH]));
    if (due.length === 0) return 0;
    const pipeline = redis.pipeline();
    for (const { id, owner } of due) {
      pipeline.zrem(keys.allIndex(), id).srem(keys.active(), id);
      if (owner !== undefined) pipeline.zrem(keys.ownerIndex(owner), id).srem(keys.ownerRunning(owner), id);
    }
    for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    const ids = due.map(({ id }) => id);
    await runScript(redis, forgetExpiredScript, [keys.expiring(), keys.expiringInfo(), keys.statusCounts()], ids);
    return due.length;
  };

  // Swept even without a retention of its own: keys that a process with RETENTION_DAYS set to expire still
  // expire after it is gone or the variable is removed, and their index entries and counts must go with them.
  let stopping = false;
  const sweeper = startSweeper({
    intervalMs: retentionMs === undefined ? idleSweepMs : sweepIntervalMs(retentionMs),
    async sweep() {
      // A full batch: more may be due (a shutdown stops between batches).
      let handled = SWEEP_BATCH;
      while (handled === SWEEP_BATCH && !stopping) handled = await sweepBatch();
    },
    onError: (error) =>
      logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'retention sweep failed; the next one retries'),
  });

  return {
    countByStatus: countStatuses,
    async counted() {
      // Once per store: after the first success the counts exist, and only an operator removes them.
      counting ??= countStatuses().catch((error: unknown) => {
        counting = undefined;
        throw error;
      });
      await counting;
    },
    async close() {
      stopping = true;
      await sweeper.stop();
    },
  };
}
