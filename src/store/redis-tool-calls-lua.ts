// The Lua of a tool call's append, beside the other scripts of redis-scripts.ts
// (defined and run the same way) in a file of its own.

import { APPEND_TO_LOG, ENDED, defineScript } from './redis-scripts.js';

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
