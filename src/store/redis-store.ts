// The Redis store: see redis-keys.ts for its layout, redis-scripts.ts (and
// redis-in-flight-lua.ts) for its atomic steps, redis-codec.ts for what it writes and parses back,
// redis-log-reads.ts for reading the log and redis-in-flight.ts for the
// message being streamed.

import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { ACTIVE_STATUSES, isActive } from '../domain.js';
import { assertTokenCounts, buildStatusChange, cloneJson, creationTime, normalizeRecord, selectorUsageKey } from './records.js';
import {
  type Readable,
  decodeAccess,
  decodePosition,
  decodePositionAndHash,
  decodeRecord,
  decodeScoredMembers,
  encodeRecord,
  encodeStatePatch,
  encodeUsageArguments,
  isEmptyHash,
} from './redis-codec.js';
import {
  admitRunningScript,
  appendMessageScript,
  appendSelectionScript,
  createScript,
  deleteScript,
  listPageScript,
  runScript,
  transitionScript,
} from './redis-scripts.js';
import { createRedisInFlight } from './redis-in-flight.js';
import { appendToolCallScript } from './redis-in-flight-lua.js';
import { createRedisLogReads } from './redis-log-reads.js';
import { createRedisProviderCalls } from './redis-provider-calls.js';
import { createRedisKeys } from './redis-keys.js';
import { createRedisBookkeeping } from './redis-retention.js';
import type { DiscussionRecord, DiscussionStore } from './types.js';

/** Discussions fetched per round trip when `list` filters by status. */
const FILTERED_LIST_BATCH = 50;
export { createRedisKeys, type RedisKeys } from './redis-keys.js';

/**
 * A store on an ioredis client the caller owns: `close()` releases nothing and
 * does NOT quit the client, since the connection is usually shared (pub/sub,
 * queues); whoever created the client quits it.
 *
 * What it reads back is parsed (see redis-codec.ts). A stored value that does not
 * parse is logged on `logger` and skipped: a discussion reads as missing, a log
 * entry is left out (reading goes on past it), an in-flight message reads as none
 * (its tool calls alone not parsing: it reads without them).
 *
 * With `retentionMs` (RETENTION_DAYS), a discussion that ends expires that long
 * after, every key and index entry (see redis-retention.ts); `close()` stops
 * the sweep that removes the index entries.
 */
export function createRedisStore({
  redis,
  keyPrefix = '',
  logger = pino(),
  retentionMs,
  idleSweepMs,
}: {
  redis: Redis;
  keyPrefix?: string;
  logger?: Logger;
  /** How long an ended discussion is kept, in ms; undefined: for ever. */
  retentionMs?: number;
  /**
   * How often a store without a retention sweeps up discussions that a store with one set to expire (a
   * process that has since stopped, or before RETENTION_DAYS was removed); a minute by default.
   */
  idleSweepMs?: number;
}): DiscussionStore {
  const keys = createRedisKeys(keyPrefix);
  const discussionKeys = (id: string): string[] => [keys.discussion(id), keys.log(id), keys.inFlight(id), keys.inFlightText(id)];
  /** The discussion's keys and the status counts and retention schedule that its scripts keep in step. */
  const bookkeptKeys = (id: string): string[] => [
    ...discussionKeys(id),
    keys.statusCounts(),
    keys.expiring(),
    keys.expiringInfo(),
    keys.providerCalls(id),
  ];
  const bookkeeping = createRedisBookkeeping({ redis, keys, retentionMs, logger, idleSweepMs });

  /** The decoded value, or undefined (logged) when what Redis held does not parse. */
  const readable: Readable = (decoded, context, message) => {
    if (decoded.ok) return decoded.value;
    logger.warn({ ...context, issues: decoded.error.issues }, message);
    return undefined;
  };

  /** The hash a write script returned: the write has landed, so one that does not parse is an error, not a miss. */
  const writtenRecord = (id: string, fields: Record<string, string>): DiscussionRecord => {
    const decoded = decodeRecord(id, fields);
    if (!decoded.ok) throw new Error(`Discussion ${id} was written but its hash does not parse: ${z.prettifyError(decoded.error)}`);
    return decoded.value;
  };

  const getMany = async (ids: readonly string[]): Promise<(DiscussionRecord | undefined)[]> => {
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hgetall(keys.discussion(id));
    const results = (await pipeline.exec()) ?? [];
    return ids.map((id, index) => {
      const [error, fields] = results[index] ?? [new Error('Missing pipeline reply'), undefined];
      if (error !== null) throw error;
      if (isEmptyHash(fields)) return undefined;
      return readable(decodeRecord(id, fields), { discussionId: id }, 'stored discussion does not parse; reading it as missing');
    });
  };

  return {
    async create(record) {
      const normalized = normalizeRecord(record);
      const score = creationTime(normalized);
      await bookkeeping.counted();
      const created = await runScript(
        redis,
        createScript,
        [...bookkeptKeys(record.id), keys.allIndex()],
        [String(score), record.id, ...encodeRecord(normalized)],
      );
      if (created !== 1) throw new Error(`Discussion ${record.id} already exists`);
      await redis.zadd(keys.ownerIndex(record.owner), score, record.id);
    },

    async get(id) {
      const [record] = await getMany([id]);
      return record;
    },

    async access(id) {
      const decoded = decodeAccess(await redis.hmget(keys.discussion(id), 'owner', 'status'));
      if (decoded === undefined) return undefined;
      return readable(decoded, { discussionId: id }, 'stored discussion owner or status does not parse; reading it as missing');
    },

    async list(owner, { first, after, status }) {
      const index = owner === undefined ? keys.allIndex() : keys.ownerIndex(owner);
      const count = Math.max(0, first);
      const wanted = count + 1;
      const batchSize = status === undefined ? wanted : Math.max(wanted, FILTERED_LIST_BATCH);
      const matches: DiscussionRecord[] = [];
      const seen = new Set<string>();
      let lastMember = after ?? '';
      let lastScore = '';
      while (matches.length < wanted) {
        const batch = decodeScoredMembers(await runScript(redis, listPageScript, [index], [lastMember, lastScore, batchSize]));
        // Undefined: the previous page's last discussion is gone, there is no position to continue from.
        if (batch === undefined) break;
        const fresh = batch.filter(({ member }) => !seen.has(member)).map(({ member }) => member);
        const records = await getMany(fresh);
        for (const [index, id] of fresh.entries()) {
          seen.add(id);
          const record = records[index];
          // No record: an index entry whose discussion was deleted between two steps.
          if (record !== undefined && (status === undefined || record.status === status)) matches.push(record);
        }
        const last = batch.at(-1);
        if (last === undefined || batch.length < batchSize) break;
        lastMember = last.member;
        lastScore = last.score;
      }
      return { items: matches.slice(0, count), hasMore: matches.length > count };
    },

    async admitRunning(owner, id, max) {
      const running = keys.ownerRunning(owner);
      if ((await runScript(redis, admitRunningScript, [running], [id, max])) === 1) return true;
      // Full: the set only gains members here, so drop the ones that have ended (or are gone) and try once more.
      const members = await redis.smembers(running);
      const statuses = await Promise.all(members.map((member) => redis.hget(keys.discussion(member), 'status')));
      // Still counted: created (about to start) or active. Anything else, or a missing hash, has ended.
      const ended = members.filter((_, position) => !['CREATED', ...ACTIVE_STATUSES].some((status) => status === statuses[position]));
      if (ended.length === 0) return false;
      await redis.srem(running, ...ended);
      return (await runScript(redis, admitRunningScript, [running], [id, max])) === 1;
    },

    async listActive() {
      return redis.smembers(keys.active());
    },

    countByStatus: () => bookkeeping.countByStatus(),

    async delete(id) {
      const owner = await runScript(redis, deleteScript, bookkeptKeys(id), [id]);
      if (typeof owner !== 'string') return false;
      await Promise.all([
        redis.zrem(keys.ownerIndex(owner), id),
        redis.zrem(keys.allIndex(), id),
        redis.srem(keys.active(), id),
        redis.srem(keys.ownerRunning(owner), id),
      ]);
      return true;
    },

    async transition(id, { from, to, patch, whenIdle }) {
      const change = buildStatusChange(to, patch, new Date().toISOString());
      const reply = decodePositionAndHash(
        await runScript(redis, transitionScript, bookkeptKeys(id), [
          to,
          JSON.stringify(change),
          whenIdle ? '1' : '0',
          id,
          retentionMs ?? '',
          from.length,
          ...from,
          ...encodeStatePatch(patch),
        ]),
      );
      if (reply === undefined) return undefined;
      // The set lives outside the discussion's slot, so it follows the script; recovery tolerates a stale member.
      if (isActive(to)) await redis.sadd(keys.active(), id);
      else await redis.srem(keys.active(), id);
      return { entry: { type: 'status', ...reply.position, change }, record: writtenRecord(id, reply.fields) };
    },

    async appendMessage(id, message, commit) {
      assertTokenCounts(message.usage);
      const data = JSON.stringify(message);
      const stored = cloneJson(message);
      const [inputTokens, outputTokens] = encodeUsageArguments(message.usage);
      const reply = decodePositionAndHash(
        await runScript(redis, appendMessageScript, discussionKeys(id), [
          data,
          message.author,
          inputTokens,
          outputTokens,
          commit === undefined ? '0' : '1',
          commit?.fenceTurn ?? '',
          commit?.round ?? '',
          commit?.consecutiveFailures ?? '',
          commit?.inFlightMessageId ?? '',
        ]),
      );
      if (reply === undefined) return undefined;
      return { entry: { type: 'message', ...reply.position, message: stored }, record: writtenRecord(id, reply.fields) };
    },

    async appendSelection(id, selection) {
      assertTokenCounts(selection.usage);
      const data = JSON.stringify(selection);
      const stored = cloneJson(selection);
      const position = decodePosition(
        await runScript(
          redis,
          appendSelectionScript,
          [keys.discussion(id), keys.log(id)],
          [
            data,
            selection.speaker,
            ...encodeUsageArguments(selection.usage),
            selection.provider !== undefined && selection.model !== undefined ? selectorUsageKey(selection.provider, selection.model) : '',
          ],
        ),
      );
      if (position === undefined) return undefined;
      return { type: 'speaker_selected', ...position, selection: stored };
    },

    async appendToolCall(id, call) {
      const data = JSON.stringify(call);
      const stored = cloneJson(call);
      const position = decodePosition(
        await runScript(redis, appendToolCallScript, [keys.discussion(id), keys.log(id), keys.inFlight(id)], [data, call.messageId]),
      );
      if (position === undefined) return undefined;
      return { type: 'tool_call', ...position, toolCall: stored };
    },

    ...createRedisLogReads({ redis, keys, readable }),

    ...createRedisInFlight({ redis, keys, readable }),

    ...createRedisProviderCalls({ redis, keys, readable }),

    async close() {
      // Deliberately does not quit `redis`: the client belongs to the caller.
      await bookkeeping.close();
    },
  };
}
