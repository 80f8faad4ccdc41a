// The Lua of the in-flight message (its start, its text, its tool calls, its end), beside
// the other scripts of redis-scripts.ts, defined and run the same way, in a file of its own.

import { APPEND_TO_LOG, ENDED, defineScript } from './redis-scripts.js';

/**
 * KEYS: discussion hash, in-flight hash, in-flight text.
 * ARGV: the turn, then field, value… of the in-flight metadata.
 * Replaces the in-flight message with an empty one when the discussion is at
 * that turn and has not ended; one that replaces an attempt of the same turn
 * keeps its tool calls. Returns { replaced message id, its turn, its tool
 * calls' JSON } ('' for none), or false when the discussion is missing, has
 * ended or is at another turn (nothing written).
 */
export const beginInFlightScript = defineScript(
  'begin-in-flight',
  `${ENDED}
local turn, status = unpack(redis.call('HMGET', KEYS[1], 'turn', 'status'))
if not turn or tonumber(turn) ~= tonumber(ARGV[1]) or ended(status) then return false end
local replaced = redis.call('HMGET', KEYS[2], 'messageId', 'turn', 'toolCalls')
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 2))
if replaced[3] and tonumber(replaced[2]) == tonumber(ARGV[1]) then
  -- a list that does not decode is not handed on: the next attempt makes those calls again
  local decoded, list = pcall(cjson.decode, replaced[3])
  if decoded and type(list) == 'table' and list[1] ~= nil then redis.call('HSET', KEYS[2], 'toolCalls', replaced[3]) end
end
redis.call('SET', KEYS[3], '')
return { replaced[1] or '', replaced[2] or '', replaced[3] or '' }
`,
);

/**
 * KEYS: in-flight hash, in-flight text. ARGV: message id.
 * Removes the in-flight message if it is that one. Returns 1 when it did, else 0.
 */
export const clearInFlightScript = defineScript(
  'clear-in-flight',
  `
if redis.call('HGET', KEYS[1], 'messageId') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`,
);

/**
 * KEYS: in-flight hash, in-flight text. ARGV: message id, delta.
 * Appends the delta to the in-flight text while that message is the in-flight
 * one (the store's appendInFlight; the token writer's appends go with their
 * publish, as append-tokens). Returns 1 when it did, else 0 (nothing written).
 */
export const appendTokenScript = defineScript(
  'append-token',
  `
if redis.call('HGET', KEYS[1], 'messageId') ~= ARGV[1] then return 0 end
redis.call('APPEND', KEYS[2], ARGV[2])
return 1
`,
);

/**
 * The append-token step for many deltas at once, in the order given, of any discussions: the one
 * script that spans discussions (redis-token-writer.ts sends one per event-loop turn), so it needs
 * every key on one Redis, as the bookkeeping keys do.
 * KEYS: in-flight hash, in-flight text of each; ARGV: message id, delta, channel, payload of each.
 * Returns a list of 1 (appended and published) or 0 (that message is no longer in flight), one per delta.
 */
export const appendTokensScript = defineScript(
  'append-tokens',
  `
local written = {}
for i = 1, #KEYS / 2 do
  local k, a = i * 2 - 1, i * 4 - 3
  if redis.call('HGET', KEYS[k], 'messageId') == ARGV[a] then
    redis.call('APPEND', KEYS[k + 1], ARGV[a + 1])
    redis.call('PUBLISH', ARGV[a + 2], ARGV[a + 3])
    written[i] = 1
  else
    written[i] = 0
  end
end
return written
`,
);

/** KEYS: in-flight hash, in-flight text. Returns { HGETALL, GET } read at one instant. */
export const getInFlightScript = defineScript(
  'get-in-flight',
  `
return { redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[2]) }
`,
);

/**
 * KEYS: discussion hash, log, in-flight hash.
 * ARGV: the call's JSON, the id of the message that made it.
 * While that message is the in-flight one of a discussion that has not ended, logs
 * the call and adds it to the in-flight hash's `toolCalls` field, a JSON list grown
 * in place (every item is JSON this process wrote: no decode, no re-encode).
 * Returns { cursor, previous cursor }, or false (nothing written).
 */
export const appendToolCallScript = defineScript(
  'append-tool-call',
  `${APPEND_TO_LOG}${ENDED}
local status = redis.call('HGET', KEYS[1], 'status')
if not status or ended(status) then return false end
if redis.call('HGET', KEYS[3], 'messageId') ~= ARGV[2] then return false end
local cursor, previous = appendToLog('tool_call', ARGV[1])
local calls = redis.call('HGET', KEYS[3], 'toolCalls')
if calls and calls ~= '[]' then
  calls = string.sub(calls, 1, -2) .. ',' .. ARGV[1] .. ']'
else
  calls = '[' .. ARGV[1] .. ']'
end
redis.call('HSET', KEYS[3], 'toolCalls', calls)
return { cursor, previous }
`,
);
