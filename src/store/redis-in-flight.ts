// The message being streamed, in Redis: its metadata hash (with the tool calls
// it has completed) and its text key (see redis-keys.ts), written and read by
// the in-flight scripts, each fenced by the message id so a replaced attempt
// cannot touch its successor.

import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PROVIDERS } from '../domain.js';
import { jsonText, schemaFor, timestampSchema, toolCallRecordSchema, withToolCalls } from './records.js';
import { countText, type Decoded, decodeWith, pairsToObject, parseReply, type Readable } from './redis-codec.js';
import type { RedisKeys } from './redis-keys.js';
import { appendTokenScript, beginInFlightScript, clearInFlightScript, getInFlightScript } from './redis-in-flight-lua.js';
import { runScript } from './redis-scripts.js';
import type { DiscussionStore, InFlightRecord, ToolCallRecord } from './types.js';

export function encodeInFlight(inFlight: Omit<InFlightRecord, 'text'>): string[] {
  const fields = [
    'messageId',
    inFlight.messageId,
    'author',
    inFlight.author,
    'round',
    String(inFlight.round),
    'turn',
    String(inFlight.turn),
    'startedAt',
    inFlight.startedAt,
  ];
  if (inFlight.provider !== undefined) fields.push('provider', inFlight.provider);
  if (inFlight.model !== undefined) fields.push('model', inFlight.model);
  // A JSON list that the tool-call script grows (redis-in-flight-lua.ts); absent while empty.
  if (inFlight.toolCalls !== undefined && inFlight.toolCalls.length > 0) fields.push('toolCalls', JSON.stringify(inFlight.toolCalls));
  return fields;
}

/** The in-flight hash (see `encodeInFlight`) but its tool calls, read apart so that bad ones lose only themselves; its text lives in a key of its own. */
const inFlightHashSchema = schemaFor<Omit<InFlightRecord, 'text' | 'toolCalls'>>()(
  z.object({
    messageId: z.string(),
    author: z.string(),
    provider: z.enum(PROVIDERS).optional(),
    model: z.string().optional(),
    round: countText,
    turn: countText,
    startedAt: timestampSchema,
  }),
);

/** The hash's `toolCalls` field: '' or absent for none. */
const toolCallsSchema = z.union([z.literal('').transform((): ToolCallRecord[] => []), jsonText(z.array(toolCallRecordSchema))]);

/**
 * The begin script's reply: the replaced message id ('' for none), its turn and its tool calls' field, as the
 * replaced hash held them: a turn or calls that do not parse are stored data gone bad, not a bad reply.
 */
const startReplySchema = z.tuple([z.string(), z.string(), z.string()]);
const inFlightReplySchema = z.tuple([z.array(z.string()), z.string().nullable()]);

/** The tool calls of an in-flight hash, from its `toolCalls` field: '' or absent for none. */
export const decodeToolCalls = (field: string | undefined): Decoded<ToolCallRecord[]> => decodeWith(toolCallsSchema, field ?? '');

/**
 * The `{ HGETALL, GET }` reply of the in-flight read: undefined when there is no in-flight
 * message; else its hash but the tool calls (decoded apart, see `decodeToolCalls`) and its text.
 */
export function decodeInFlightReply(reply: unknown): Decoded<{ inFlight: InFlightRecord; toolCallsField: string | undefined } | undefined> {
  const [hash, text] = parseReply(inFlightReplySchema, reply);
  if (hash.length === 0) return { ok: true, value: undefined };
  const { toolCalls: toolCallsField, ...fields } = pairsToObject(hash);
  const decoded = decodeWith(inFlightHashSchema, fields);
  if (!decoded.ok) return decoded;
  return { ok: true, value: { inFlight: { ...decoded.value, text: text ?? '' }, toolCallsField } };
}

type InFlightMethods = Pick<DiscussionStore, 'beginInFlight' | 'appendInFlight' | 'getInFlight' | 'clearInFlight'>;

/** The Redis store's in-flight methods; `readable` logs a stored value that does not parse and reads it as missing. */
export function createRedisInFlight({ redis, keys, readable }: { redis: Redis; keys: RedisKeys; readable: Readable }): InFlightMethods {
  const inFlightKeys = (id: string) => [keys.inFlight(id), keys.inFlightText(id)];
  /** Calls that do not parse are logged and left out: a restarted attempt calls those tools again, a reader sees the rest. */
  const readToolCalls = (id: string, field: string | undefined): ToolCallRecord[] | undefined =>
    readable(decodeToolCalls(field), { discussionId: id }, 'stored in-flight tool calls do not parse; leaving them out');

  return {
    async beginInFlight(id, inFlight) {
      const reply = await runScript(
        redis,
        beginInFlightScript,
        [keys.discussion(id), ...inFlightKeys(id)],
        [inFlight.turn, ...encodeInFlight(inFlight)],
      );
      if (reply === null) return undefined;
      const [messageId, turnText, toolCallsField] = parseReply(startReplySchema, reply);
      if (messageId === '') return {};
      // The replaced hash's turn does not parse, so it is unknown: report none replaced (no restart is announced).
      const turn = readable(
        decodeWith(countText, turnText),
        { discussionId: id },
        'replaced in-flight message does not parse; ignoring it',
      );
      if (turn === undefined) return {};
      return { replaced: withToolCalls({ messageId, turn }, readToolCalls(id, toolCallsField)) };
    },

    async appendInFlight(id, delta, messageId) {
      return (await runScript(redis, appendTokenScript, inFlightKeys(id), [messageId, delta])) === 1;
    },

    async getInFlight(id) {
      const reply = await runScript(redis, getInFlightScript, inFlightKeys(id), []);
      const stored = readable(
        decodeInFlightReply(reply),
        { discussionId: id },
        'stored in-flight message does not parse; reading it as none',
      );
      return stored === undefined ? undefined : withToolCalls(stored.inFlight, readToolCalls(id, stored.toolCallsField));
    },

    async clearInFlight(id, messageId) {
      return (await runScript(redis, clearInFlightScript, inFlightKeys(id), [messageId])) === 1;
    },
  };
}
