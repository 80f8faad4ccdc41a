import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listPageScript, runScript } from '../../src/store/redis-scripts.js';
import { createRedisKeys, createRedisStore } from '../../src/store/redis-store.js';
import type { DiscussionStore } from '../../src/store/types.js';
import { createDiscussion, makeMessage } from './fixtures.js';
import { describeStoreContract } from './store-contract.js';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// One prefix per run, one more level per store, so runs and tests never see each other's keys.
const runPrefix = `test:${randomUUID()}:`;
let redis: Redis | undefined;
let storeCount = 0;

const client = (): Redis => {
  if (redis === undefined) throw new Error('redis not connected');
  return redis;
};

async function scanKeys(pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client().scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

async function deleteByPrefix(prefix: string): Promise<void> {
  const keys = await scanKeys(`${prefix}*`);
  if (keys.length > 0) await client().del(...keys);
}

beforeAll(async () => {
  redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
});

afterAll(async () => {
  await deleteByPrefix(runPrefix);
  await redis?.quit();
  redis = undefined;
});

function makeRedisStore(): { store: DiscussionStore; keyPrefix: string; cleanup(): Promise<void> } {
  storeCount += 1;
  const keyPrefix = `${runPrefix}${storeCount}:`;
  return { store: createRedisStore({ redis: client(), keyPrefix }), keyPrefix, cleanup: () => deleteByPrefix(keyPrefix) };
}

describeStoreContract('redis store', makeRedisStore);

describe('redis store: layout', () => {
  let current: ReturnType<typeof makeRedisStore> | undefined;
  const under = (): ReturnType<typeof makeRedisStore> => {
    if (current === undefined) throw new Error('store not ready');
    return current;
  };
  beforeEach(() => {
    current = makeRedisStore();
  });
  afterEach(async () => {
    await current?.cleanup();
  });

  it('keeps a discussion in a hash, a stream and a per-owner index, usage only once reported', async () => {
    const { store, keyPrefix } = under();
    const keys = createRedisKeys(keyPrefix);
    const record = await createDiscussion(store, { createdAt: '2025-03-01T10:00:00.000Z' });
    expect(await client().type(keys.discussion(record.id))).toBe('hash');
    expect(await client().hget(keys.discussion(record.id), 'status')).toBe('CREATED');
    expect(await client().hexists(keys.discussion(record.id), 'inputTokens')).toBe(0);
    expect(await client().zscore(keys.ownerIndex(record.owner), record.id)).toBe(String(Date.parse(record.createdAt)));

    const committed = await store.appendMessage(record.id, makeMessage(record.id, { usage: { outputTokens: 9 } }), {
      fenceTurn: 0,
      round: 0,
      consecutiveFailures: 0,
    });
    expect(await client().type(keys.log(record.id))).toBe('stream');
    const [[cursor] = ['missing']] = await client().xrange(keys.log(record.id), '-', '+');
    expect(cursor).toBe(committed?.entry.cursor);
    expect(await client().hmget(keys.discussion(record.id), 'turn', 'outputTokens', 'out:Ada', 'inputTokens')).toEqual([
      '1',
      '9',
      '9',
      null,
    ]);
  });

  it('logs a selection as a speaker_selected stream entry and keeps nextSpeaker in the hash only while set', async () => {
    const { store, keyPrefix } = under();
    const keys = createRedisKeys(keyPrefix);
    const record = await createDiscussion(store, { status: 'RUNNING' });
    const selection = {
      speaker: 'Grace',
      reason: 'her turn',
      candidates: ['Ada', 'Grace'],
      attempts: 1,
      fellBack: false,
      at: '2025-03-01T10:02:00.000Z',
      usage: { inputTokens: 8 },
    };
    const entry = await store.appendSelection(record.id, selection);
    expect(await client().xrange(keys.log(record.id), '-', '+')).toEqual([
      [entry?.cursor, ['type', 'speaker_selected', 'data', JSON.stringify(selection)]],
    ]);
    expect(await client().hmget(keys.discussion(record.id), 'nextSpeaker', 'inputTokens', 'in:Grace', 'outputTokens')).toEqual([
      'Grace',
      '8',
      null,
      null,
    ]);

    await store.transition(record.id, { from: ['RUNNING'], to: 'PAUSED', patch: { nextSpeaker: null, stopReason: 'stopped_by_user' } });
    expect(await client().hexists(keys.discussion(record.id), 'nextSpeaker')).toBe(0);
    expect(await client().hget(keys.discussion(record.id), 'stopReason')).toBe('stopped_by_user');

    await store.transition(record.id, { from: ['PAUSED'], to: 'RUNNING', patch: { nextSpeaker: 'Ada', stopReason: null } });
    expect(await client().hmget(keys.discussion(record.id), 'nextSpeaker', 'stopReason', 'status')).toEqual(['Ada', null, 'RUNNING']);
    await store.appendMessage(record.id, makeMessage(record.id), { fenceTurn: 0, round: 0, consecutiveFailures: 0 });
    expect(await client().hexists(keys.discussion(record.id), 'nextSpeaker')).toBe(0);
  });

  it('leaves no key of a deleted discussion and no index entry', async () => {
    const { store, keyPrefix } = under();
    const keys = createRedisKeys(keyPrefix);
    const record = await createDiscussion(store);
    await store.appendMessage(record.id, makeMessage(record.id));
    await store.transition(record.id, { from: ['CREATED'], to: 'RUNNING' });
    await store.beginInFlight(record.id, { messageId: 'm-1', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:04:00.000Z' });
    await store.appendInFlight(record.id, 'partial', 'm-1');
    expect(await scanKeys(`${keyPrefix}*${record.id}*`)).toHaveLength(4);

    expect(await store.delete(record.id)).toBe(true);
    expect(await scanKeys(`*${record.id}*`)).toEqual([]);
    expect(await client().zscore(keys.ownerIndex(record.owner), record.id)).toBeNull();
  });

  it('skips an index entry whose discussion is gone', async () => {
    const { store, keyPrefix } = under();
    const record = await createDiscussion(store, { createdAt: '2025-03-01T10:00:00.000Z' });
    await client().zadd(createRedisKeys(keyPrefix).ownerIndex(record.owner), Date.parse('2025-03-02T00:00:00.000Z'), 'ghost');
    const page = await store.list(record.owner, { first: 1 });
    expect(page.items.map((item) => item.id)).toEqual([record.id]);
    expect(page.hasMore).toBe(false);
  });

  it('continues a listing from the score of a member deleted between two batches', async () => {
    const { keyPrefix } = under();
    const key = createRedisKeys(keyPrefix).ownerIndex('someone');
    await client().zadd(key, 3, 'c', 2, 'b2', 2, 'b1', 1, 'a');
    const page = (after: string, score: string, count: number): Promise<unknown> =>
      runScript(client(), listPageScript, [key], [after, score, count]);
    expect(await page('', '', 2)).toEqual(['c', '3', 'b2', '2']);
    expect(await page('b2', '2', 2)).toEqual(['b1', '2', 'a', '1']);
    // 'b3' is gone: restart at the first member of its score (the caller skips what it has seen).
    expect(await page('b3', '2', 10)).toEqual(['b2', '2', 'b1', '2', 'a', '1']);
    // Gone and no score known: no position to continue from.
    expect(await page('b3', '', 10)).toBeNull();
  });

  it('does not quit the client on close', async () => {
    const { store } = under();
    await store.close();
    expect(await client().ping()).toBe('PONG');
  });
});
