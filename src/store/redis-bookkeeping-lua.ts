// Lua that the create, transition and delete scripts (redis-scripts.ts) share:
// the per-status counts and the retention schedule, kept in the same step as
// the discussion's own change so that neither can drift from it.
//
// A script that uses it passes the discussion's keys as KEYS[1..4] (hash, log,
// in-flight hash, in-flight text), then KEYS[5] the status counts, KEYS[6] the
// expiring sorted set, KEYS[7] its info hash and KEYS[8] the discussion's
// recorded provider calls (see redis-keys.ts), and puts ENDED (redis-scripts.ts)
// before it.

export const STATUS_BOOKKEEPING = `
-- The discussion's own keys, which expire together.
local DISCUSSION_KEYS = { 1, 2, 3, 4, 8 }

-- The counts exist once the store has counted every discussion (redis-retention.ts
-- does it once, atomically): before that a change is left to that count.
local function countStatus(status, delta)
  if status and redis.call('EXISTS', KEYS[5]) == 1 then redis.call('HINCRBY', KEYS[5], status, delta) end
end

-- After a change of status: an ended discussion expires \`retention\` ms from now
-- ('' for none), all its keys at once, and is scheduled for the sweep that
-- removes its index entries and uncounts it; one that has not ended never expires.
local function scheduleExpiry(id, status, retention)
  local owner = redis.call('HGET', KEYS[1], 'owner') or ''
  if ended(status) and retention ~= '' then
    local time = redis.call('TIME')
    local deadline = string.format('%.0f', tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(retention))
    for _, index in ipairs(DISCUSSION_KEYS) do redis.call('PEXPIREAT', KEYS[index], deadline) end
    redis.call('ZADD', KEYS[6], deadline, id)
    redis.call('HSET', KEYS[7], id, status .. ' ' .. owner)
  elseif ended(status) then
    -- Already scheduled (by a process with a retention): the sweep uncounts the status it has now.
    if redis.call('HEXISTS', KEYS[7], id) == 1 then redis.call('HSET', KEYS[7], id, status .. ' ' .. owner) end
  elseif redis.call('HDEL', KEYS[7], id) == 1 then
    redis.call('ZREM', KEYS[6], id)
    for _, index in ipairs(DISCUSSION_KEYS) do redis.call('PERSIST', KEYS[index]) end
  end
end

local function unscheduleExpiry(id)
  redis.call('HDEL', KEYS[7], id)
  redis.call('ZREM', KEYS[6], id)
end
`;
