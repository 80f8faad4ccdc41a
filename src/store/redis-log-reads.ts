// Reading a discussion's log stream (see redis-keys.ts): replay after a
// cursor, the newest cursor, and pages of messages in either direction.

import type { Redis } from 'ioredis';
import { assertCursor } from './records.js';
import { decodeLogEntry, type Readable } from './redis-codec.js';
import type { RedisKeys } from './redis-keys.js';
import { compareCursors } from './types.js';
import type { DiscussionStore, LogEntry, MessageRecord, Page } from './types.js';

/** Extra log entries read per batch by `readMessages`, for the status and selection entries among the messages. */
const OTHER_ENTRY_SLACK = 16;

type MessageEntry = Extract<LogEntry, { type: 'message' }>;

type LogReads = Pick<DiscussionStore, 'readLog' | 'lastCursor' | 'readMessages'>;

/** The Redis store's log reads; an entry that does not parse is logged by `readable` and skipped. */
export function createRedisLogReads({ redis, keys, readable }: { redis: Redis; keys: RedisKeys; readable: Readable }): LogReads {
  /**
   * Up to `count` log entries in the range. Those that do not parse are logged and left
   * out; `last` (the cursor of the last entry read, parsed or not) and `full` (as many
   * read as asked) tell a caller where to go on and whether the range may hold more.
   */
  const readRange = async (
    id: string,
    direction: 'forward' | 'backward',
    start: string,
    end: string,
    count: number,
  ): Promise<{ entries: LogEntry[]; last: string | undefined; full: boolean }> => {
    const stored =
      direction === 'forward'
        ? await redis.xrange(keys.log(id), start, end, 'COUNT', count)
        : await redis.xrevrange(keys.log(id), end, start, 'COUNT', count);
    const entries: LogEntry[] = [];
    for (const item of stored) {
      const entry = readable(decodeLogEntry(item), { discussionId: id, cursor: item[0] }, 'stored log entry does not parse; skipping it');
      if (entry !== undefined) entries.push(entry);
    }
    return { entries, last: stored.at(-1)?.[0], full: stored.length === count };
  };

  return {
    async readLog(id, { after, limit }) {
      assertCursor(after, 'after');
      const entries: LogEntry[] = [];
      let start = after === undefined ? '-' : `(${after}`;
      // Read past skipped entries, so a short page still means the end of the log.
      while (entries.length < limit) {
        const batch = await readRange(id, 'forward', start, '+', limit - entries.length);
        entries.push(...batch.entries);
        if (!batch.full || batch.last === undefined) break;
        start = `(${batch.last}`;
      }
      return entries;
    },

    async lastCursor(id) {
      const [newest] = await redis.xrevrange(keys.log(id), '+', '-', 'COUNT', 1);
      return newest?.[0];
    },

    async readMessages(id, { after, before, limit, direction }) {
      assertCursor(after, 'after');
      assertCursor(before, 'before');
      const count = Math.max(0, limit);
      const wanted = count + 1;
      // Nothing lies before the smallest id; Redis refuses `(0-0` as an exclusive end.
      if (before !== undefined && compareCursors(before, '0-1') < 0) return { items: [], hasMore: false };
      const batchSize = wanted + OTHER_ENTRY_SLACK;
      let start = after === undefined ? '-' : `(${after}`;
      let end = before === undefined ? '+' : `(${before}`;
      const found: MessageEntry[] = [];
      // Other entries are few: keep reading until one more message than asked shows whether more exist.
      while (found.length < wanted) {
        const batch = await readRange(id, direction, start, end, batchSize);
        for (const entry of batch.entries) if (entry.type === 'message') found.push(entry);
        if (!batch.full || batch.last === undefined) break;
        if (direction === 'forward') start = `(${batch.last}`;
        else end = `(${batch.last}`;
      }
      const page = found.slice(0, count);
      if (direction === 'backward') page.reverse();
      return {
        items: page.map(({ cursor, message }) => ({ cursor, message })),
        hasMore: found.length > count,
      } satisfies Page<{ cursor: string; message: MessageRecord }>;
    },
  };
}
