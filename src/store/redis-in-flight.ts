// The message being streamed, in Redis: its metadata hash and its text key
// (see redis-keys.ts), written and read by the in-flight scripts, each fenced
// by the message id so a replaced attempt cannot touch its successor.

import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PROVIDERS } from '../domain.js';
import { schemaFor, timestampSchema } from './records.js';
import { countText, type Decoded, decodeWith, pairsToObject, parseReply, type Readable } from './redis-codec.js';
import type { RedisKeys } from './redis-keys.js';
import { appendTokenScript, beginInFlightScript, clearInFlightScript, getInFlightScript, runScript } from './redis-scripts.js';
import type { DiscussionStore, InFlightRecord, InFlightStart } from './types.js';

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
  return fields;
}

/** The in-flight hash (see `encodeInFlight`); its text lives in a key of its own. */
const inFlightHashSchema = schemaFor<Omit<InFlightRecord, 'text'>>()(
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

const startReplySchema = z.tuple([z.string(), z.string()]);
const inFlightReplySchema = z.tuple([z.array(z.string()), z.string().nullable()]);

/**
 * The `{ replaced message id, its turn }` reply of the begin script, or undefined for a nil
 * reply. The two values come from the in-flight hash it replaced, so a turn that is not a
 * count is stored data gone bad, not a bad reply.
 */
export function decodeInFlightStart(reply: unknown): Decoded<InFlightStart> | undefined {
  if (reply === null) return undefined;
  const [messageId, turnText] = parseReply(startReplySchema, reply);
  if (messageId === '') return { ok: true, value: {} };
  const turn = decodeWith(countText, turnText);
  return turn.ok ? { ok: true, value: { replaced: { messageId, turn: turn.value } } } : turn;
}

/** The `{ HGETALL, GET }` reply of the in-flight read: undefined when there is no in-flight message. */
export function decodeInFlightReply(reply: unknown): Decoded<InFlightRecord | undefined> {
  const [hash, text] = parseReply(inFlightReplySchema, reply);
  if (hash.length === 0) return { ok: true, value: undefined };
  const decoded = decodeWith(inFlightHashSchema, pairsToObject(hash));
  return decoded.ok ? { ok: true, value: { ...decoded.value, text: text ?? '' } } : decoded;
}

type InFlightMethods = Pick<DiscussionStore, 'beginInFlight' | 'appendInFlight' | 'getInFlight' | 'clearInFlight'>;

/** The Redis store's in-flight methods; `readable` logs a stored value that does not parse and reads it as missing. */
export function createRedisInFlight({ redis, keys, readable }: { redis: Redis; keys: RedisKeys; readable: Readable }): InFlightMethods {
  const inFlightKeys = (id: string) => [keys.inFlight(id), keys.inFlightText(id)];
  return {
    async beginInFlight(id, inFlight) {
      const reply = await runScript(
        redis,
        beginInFlightScript,
        [keys.discussion(id), ...inFlightKeys(id)],
        [inFlight.turn, ...encodeInFlight(inFlight)],
      );
      const start = decodeInFlightStart(reply);
      if (start === undefined) return undefined;
      // The replaced hash did not parse, so its turn is unknown: report none replaced (no restart is announced).
      return readable(start, { discussionId: id }, 'replaced in-flight message does not parse; ignoring it') ?? {};
    },

    async appendInFlight(id, delta, messageId) {
      return (await runScript(redis, appendTokenScript, inFlightKeys(id), [messageId, delta])) === 1;
    },

    async getInFlight(id) {
      const reply = await runScript(redis, getInFlightScript, inFlightKeys(id), []);
      return readable(decodeInFlightReply(reply), { discussionId: id }, 'stored in-flight message does not parse; reading it as none');
    },

    async clearInFlight(id, messageId) {
      return (await runScript(redis, clearInFlightScript, inFlightKeys(id), [messageId])) === 1;
    },
  };
}
