// The Redis token writer (src/events/redis-token-writer.ts) against the real Redis: the writes
// of one event-loop turn, every discussion's, go out as one script, and each still gets its own
// answer; a write whose message is no longer in flight neither appends nor publishes.

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { discussionChannel } from '../../src/events/bus.js';
import { createRedisTokenWriter, MAX_TOKEN_WRITES_PER_SCRIPT } from '../../src/events/redis-token-writer.js';
import type { TokenEvent } from '../../src/events/types.js';
import { createRedisKeys } from '../../src/store/redis-store.js';
import { Collector } from '../support/collector.js';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `test:${randomUUID()}:`;
const keys = createRedisKeys(keyPrefix);
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
const published = new Collector<{ channel: string; event: unknown }>();
subscriber.on('message', (channel: string, payload: string) => published.push({ channel, event: JSON.parse(payload) }));

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  const leftovers = await redis.keys(`${keyPrefix}*`);
  if (leftovers.length > 0) await redis.del(...leftovers);
  await Promise.all([redis.quit(), subscriber.quit()]);
});

/** Discussions whose in-flight message is `m-0`, each channel subscribed. */
async function discussions(count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  for (const id of ids) await redis.hset(keys.inFlight(id), 'messageId', 'm-0');
  await subscriber.subscribe(...ids.map((id) => discussionChannel(keyPrefix, id)));
  return ids;
}

/** Every delta here is one character long, so its index is also its offset. */
const token = (discussionId: string, delta: string, index: number, messageId = 'm-0'): TokenEvent => ({
  type: 'token',
  discussionId,
  messageId,
  author: 'Ada',
  delta,
  index,
  offset: index,
});

describe('the Redis token writer', () => {
  it("sends one script for the writes of one turn, answers each, and fences each by its message's id", async () => {
    const ids = await discussions(5);
    const scripts = vi.spyOn(redis, 'evalsha');
    const writer = createRedisTokenWriter({ redis, keyPrefix });
    // The last discussion's message has been replaced: its write is refused, the others are not.
    const written = await Promise.all(ids.map((id, at) => writer.write(token(id, `${at}`, 0, at === 4 ? 'm-stale' : 'm-0'))));
    expect(written).toEqual([true, true, true, true, false]);
    expect(scripts).toHaveBeenCalledTimes(1);

    const texts = await Promise.all(ids.map((id) => redis.get(keys.inFlightText(id))));
    expect(texts).toEqual(['0', '1', '2', '3', null]);
    await published.waitFor((values) => values.length >= 4, { what: 'four published tokens' });
    expect(published.values.map(({ channel }) => channel).sort()).toEqual(
      ids
        .slice(0, 4)
        .map((id) => discussionChannel(keyPrefix, id))
        .sort(),
    );
    expect(published.values.find(({ channel }) => channel === discussionChannel(keyPrefix, ids[0] ?? ''))?.event).toEqual(
      token(ids[0] ?? '', '0', 0),
    );
  });

  it("keeps each discussion's writes in order across turns, and splits a turn's writes past the per-script cap", async () => {
    const count = MAX_TOKEN_WRITES_PER_SCRIPT + 2;
    const ids = await discussions(count);
    const scripts = vi.spyOn(redis, 'evalsha');
    const writer = createRedisTokenWriter({ redis, keyPrefix });
    const streams = ids.map(async (id) => {
      for (let index = 0; index < 3; index += 1) expect(await writer.write(token(id, `${index}`, index))).toBe(true);
    });
    await Promise.all(streams);
    // Three turns, each of two scripts: one full, one with the two writes left over.
    expect(scripts).toHaveBeenCalledTimes(6);
    const texts = new Set(await Promise.all(ids.map((id) => redis.get(keys.inFlightText(id)))));
    expect([...texts]).toEqual(['012']);
  });

  it('rejects every write of a script that fails', async () => {
    const [id = ''] = await discussions(1);
    const unreachable = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const writer = createRedisTokenWriter({ redis: unreachable, keyPrefix });
    const writes = [writer.write(token(id, 'a', 0)), writer.write(token(id, 'b', 1))];
    for (const write of writes) await expect(write).rejects.toThrow();
    expect(await redis.get(keys.inFlightText(id))).toBeNull();
    unreachable.disconnect();
  });
});
