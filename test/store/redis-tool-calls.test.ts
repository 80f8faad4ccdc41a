// Where the Redis store keeps tool calls: a `tool_call` entry of the log stream,
// and a JSON list in the in-flight hash, so they need no key of their own and
// go (by delete or by retention) with the keys the discussion already has.

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisKeys, createRedisStore } from '../../src/store/redis-store.js';
import { createDiscussion } from './fixtures.js';
import { makeToolCall } from './store-contract-tool-calls.js';

const keyPrefix = `test:${randomUUID()}:`;
const keys = createRedisKeys(keyPrefix);
const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const inFlight = { messageId: 'm-1', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:03:00.000Z' };

/** Every key that names the discussion. */
async function keysOf(discussionId: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `*${discussionId}*`, 'COUNT', 500);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

afterAll(async () => {
  const leftovers: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
    leftovers.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (leftovers.length > 0) await redis.del(...leftovers);
  await redis.quit();
});

describe('redis store: tool calls layout', () => {
  it('logs a call as a tool_call stream entry and lists the calls in the in-flight hash, with no key of their own', async () => {
    const store = createRedisStore({ redis, keyPrefix });
    const record = await createDiscussion(store, { status: 'RUNNING' });
    await store.beginInFlight(record.id, inFlight);
    await store.appendInFlight(record.id, 'Spaces', 'm-1');
    const calls = [makeToolCall(), makeToolCall({ tool: 'fetch/get', step: 2 })];
    const cursors: (string | undefined)[] = [];
    for (const call of calls) cursors.push((await store.appendToolCall(record.id, call))?.cursor);

    expect(await redis.xrange(keys.log(record.id), '-', '+')).toEqual(
      calls.map((call, index) => [cursors[index], ['type', 'tool_call', 'data', JSON.stringify(call)]]),
    );
    expect(await redis.hget(keys.inFlight(record.id), 'toolCalls')).toBe(JSON.stringify(calls));
    expect(await keysOf(record.id)).toEqual(
      [keys.discussion(record.id), keys.log(record.id), keys.inFlight(record.id), keys.inFlightText(record.id)].sort(),
    );

    expect(await store.delete(record.id)).toBe(true);
    expect(await keysOf(record.id)).toEqual([]);
    await store.close();
  });

  it('sets the in-flight hash, calls and all, to expire with the other keys when the discussion ends under a retention', async () => {
    const store = createRedisStore({ redis, keyPrefix, retentionMs: 3_600_000 });
    const record = await createDiscussion(store, { status: 'RUNNING' });
    await store.beginInFlight(record.id, inFlight);
    await store.appendToolCall(record.id, makeToolCall());
    expect(await redis.pttl(keys.inFlight(record.id))).toBe(-1);

    await store.transition(record.id, { from: ['RUNNING'], to: 'STOPPED' });
    const lifetimes = await Promise.all(
      [keys.discussion(record.id), keys.log(record.id), keys.inFlight(record.id)].map((key) => redis.pttl(key)),
    );
    for (const lifetime of lifetimes) expect(lifetime).toBeGreaterThan(0);
    // The hash still holds the calls until then.
    expect((await store.getInFlight(record.id))?.toolCalls).toHaveLength(1);
    await store.delete(record.id);
    await store.close();
  });
});
