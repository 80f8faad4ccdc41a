// The Lua scripts of the Redis store. Each multi-key step is one script, so it
// is atomic; every key a script touches is passed in KEYS, and a discussion's
// keys share the `{ID}` hash tag, so a script of one discussion's keys alone
// stays in one cluster slot (redis-keys.ts names those that do not).

import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TERMINAL_STATUSES } from '../domain.js';
import { STATUS_BOOKKEEPING } from './redis-bookkeeping-lua.js';

export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

export function defineScript(name: string, source: string): LuaScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Runs a script by its SHA and loads it on the first NOSCRIPT (a fresh server,
 * a SCRIPT FLUSH, a failover), as ioredis' defineCommand does, but typed.
 */
export async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    return redis.eval(script.source, keys.length, ...keys, ...args);
  }
}

/** Lua: whether a status is one a discussion ends in (no turn begins or commits after it). */
export const ENDED = `
local function ended(status)
  return ${TERMINAL_STATUSES.map((status) => `status == '${status}'`).join(' or ')}
end
`;

/**
 * Lua, for the scripts that write the log (KEYS[2]): appends an entry and
 * returns its id and the id of the entry before it ('' when it is the first).
 */
export const APPEND_TO_LOG = `
local function appendToLog(entryType, data)
  local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
  local previous = ''
  if last[1] then previous = last[1][1] end
  return redis.call('XADD', KEYS[2], '*', 'type', entryType, 'data', data), previous
end
`;

// The scripts below that change which discussions exist or their status take
// the bookkeeping keys too: KEYS[5..8] as redis-bookkeeping-lua.ts describes.

/**
 * KEYS: discussion hash, log, in-flight hash, in-flight text, status counts, expiring, expiring info, provider calls, the index of all.
 * ARGV: the creation time in ms, the discussion id, then field, value, field, value… of the new hash.
 * Returns 1, or 0 when the discussion exists already. Leftovers of an earlier
 * discussion with this id (a late in-flight APPEND) are removed. The index of
 * all discussions is written here too, so that a recount of the status counts
 * (which reads it) never misses a discussion whose script has counted it.
 */
export const createScript = defineScript(
  'create',
  `${ENDED}${STATUS_BOOKKEEPING}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[8])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
countStatus(redis.call('HGET', KEYS[1], 'status'), 1)
redis.call('ZADD', KEYS[9], ARGV[1], ARGV[2])
return 1
`,
);

/**
 * KEYS: discussion hash, log, in-flight hash, in-flight text, status counts, expiring, expiring info, provider calls.
 * ARGV: the discussion id.
 * Returns the owner (for the caller to drop the index entry, which lives in
 * the owner's slot), or false when the discussion did not exist.
 */
export const deleteScript = defineScript(
  'delete',
  `${ENDED}${STATUS_BOOKKEEPING}
local owner, status = unpack(redis.call('HMGET', KEYS[1], 'owner', 'status'))
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[8])
if owner then
  countStatus(status, -1)
  unscheduleExpiry(ARGV[1])
end
return owner
`,
);

/**
 * KEYS: discussion hash, log, in-flight hash, in-flight text, status counts, expiring, expiring info, provider calls.
 * ARGV: new status, status entry JSON, '1' to change only while no message is in
 * flight else '0', the discussion id, the retention in ms or '' (none), n, n
 * allowed statuses, m, m pairs of field, value to set, then the fields to remove.
 * Compare-and-set of the status, counted and (un)scheduled for expiry in the same step.
 * Returns { cursor, previous cursor, HGETALL } or false.
 */
export const transitionScript = defineScript(
  'transition',
  `${APPEND_TO_LOG}${ENDED}${STATUS_BOOKKEEPING}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[3]) == 1 then return false end
local fromCount = tonumber(ARGV[6])
local allowed = false
for index = 7, 6 + fromCount do
  if ARGV[index] == status then
    allowed = true
    break
  end
end
if not allowed then return false end
local setFirst = 8 + fromCount
local removeFirst = setFirst + 2 * tonumber(ARGV[7 + fromCount])
redis.call('HSET', KEYS[1], 'status', ARGV[1], unpack(ARGV, setFirst, removeFirst - 1))
if removeFirst <= #ARGV then redis.call('HDEL', KEYS[1], unpack(ARGV, removeFirst, #ARGV)) end
local cursor, previous = appendToLog('status', ARGV[2])
countStatus(status, -1)
countStatus(ARGV[1], 1)
scheduleExpiry(ARGV[4], ARGV[1], ARGV[5])
return { cursor, previous, redis.call('HGETALL', KEYS[1]) }
`,
);

/**
 * KEYS: discussion hash, log, in-flight hash, in-flight text.
 * ARGV: message JSON, author, input tokens or '', output tokens or '',
 * '1' with a commit else '0', fence turn, round, consecutive failures,
 * the in-flight message id the commit requires or ''.
 * A commit also advances the turn, clears the in-flight message and the next speaker.
 * Returns { cursor, previous cursor, HGETALL }, or false when the discussion is
 * missing or a commit's fence fails: another turn, another in-flight message, or an
 * ended discussion (then nothing is written).
 */
export const appendMessageScript = defineScript(
  'append-message',
  `${APPEND_TO_LOG}${ENDED}
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local commit = ARGV[5] == '1'
if commit and tonumber(redis.call('HGET', KEYS[1], 'turn')) ~= tonumber(ARGV[6]) then return false end
if commit and ended(redis.call('HGET', KEYS[1], 'status')) then return false end
if commit and ARGV[9] ~= '' and redis.call('HGET', KEYS[3], 'messageId') ~= ARGV[9] then return false end
local cursor, previous = appendToLog('message', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'messageCount', 1)
if ARGV[3] ~= '' then
  redis.call('HINCRBY', KEYS[1], 'inputTokens', ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'in:' .. ARGV[2], ARGV[3])
end
if ARGV[4] ~= '' then
  redis.call('HINCRBY', KEYS[1], 'outputTokens', ARGV[4])
  redis.call('HINCRBY', KEYS[1], 'out:' .. ARGV[2], ARGV[4])
end
if commit then
  redis.call('HINCRBY', KEYS[1], 'turn', 1)
  redis.call('HSET', KEYS[1], 'round', ARGV[7], 'failures', ARGV[8])
  redis.call('HDEL', KEYS[1], 'nextSpeaker')
  redis.call('DEL', KEYS[3], KEYS[4])
end
return { cursor, previous, redis.call('HGETALL', KEYS[1]) }
`,
);

/**
 * KEYS: discussion hash, log.
 * ARGV: selection JSON, speaker, input tokens or '', output tokens or '', the picking model's
 * `PROVIDER/model` or ''.
 * Logs the selection, sets the next speaker and adds the usage to the
 * discussion's totals and to the picking model's `selector-in:`/`selector-out:`
 * fields (the selector is no agent: no per-agent field).
 * Returns { cursor, previous cursor }, or false when the discussion is missing or has ended (nothing written).
 */
export const appendSelectionScript = defineScript(
  'append-selection',
  `${APPEND_TO_LOG}${ENDED}
local status = redis.call('HGET', KEYS[1], 'status')
if not status or ended(status) then return false end
local cursor, previous = appendToLog('speaker_selected', ARGV[1])
redis.call('HSET', KEYS[1], 'nextSpeaker', ARGV[2])
if ARGV[3] ~= '' then
  redis.call('HINCRBY', KEYS[1], 'inputTokens', ARGV[3])
  if ARGV[5] ~= '' then redis.call('HINCRBY', KEYS[1], 'selector-in:' .. ARGV[5], ARGV[3]) end
end
if ARGV[4] ~= '' then
  redis.call('HINCRBY', KEYS[1], 'outputTokens', ARGV[4])
  if ARGV[5] ~= '' then redis.call('HINCRBY', KEYS[1], 'selector-out:' .. ARGV[5], ARGV[4]) end
end
return { cursor, previous }
`,
);

/**
 * KEYS: owner index.
 * ARGV: member to continue after or '', its score or '' when unknown, count.
 * Returns member, score, member, score… newest first, or false when the
 * member is gone and its score unknown. When the member was deleted meanwhile
 * and its score is known, the page restarts at the first member of that score:
 * the caller skips what it has already seen.
 */
export const listPageScript = defineScript(
  'list-page',
  `
local start = 0
if ARGV[1] ~= '' then
  local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])
  if rank then
    start = rank + 1
  elseif ARGV[2] ~= '' then
    start = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[2], '+inf')
  else
    return false
  end
end
return redis.call('ZREVRANGE', KEYS[1], start, start + tonumber(ARGV[3]) - 1, 'WITHSCORES')
`,
);

/**
 * KEYS[1] the owner's running set; ARGV id, max. Adds the id unless the set
 * already holds max others: 1 when the id is (now) a member, 0 when full.
 */
export const admitRunningScript = defineScript(
  'admitRunning',
  `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
`,
);

/**
 * KEYS: discussion hash, its provider calls. ARGV: a recording's JSON. Appends it while the
 * discussion exists, with the discussion's expiry (RETENTION_DAYS) when it has one: a call
 * that ends after the discussion did still expires with it. Returns 1, or 0 when it is gone.
 */
export const appendProviderCallScript = defineScript(
  'append-provider-call',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
`,
);
