/**
 * RETENTION_DAYS, with a retention of a fraction of a second: an ended
 * discussion goes with every key, index entry and count; one that has not
 * ended (or ended in a store without a retention, or was reopened) stays,
 * however old. Waits poll the condition; nothing here sleeps.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscussionStatus } from '../../src/domain.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createRedisKeys, createRedisStore, type RedisKeys } from '../../src/store/redis-store.js';
import { runScript } from '../../src/store/redis-scripts.js';
import { dueScript, forgetExpiredScript } from '../../src/store/redis-retention.js';
import type { DiscussionRecord, DiscussionStore } from '../../src/store/types.js';
import { TEST_REDIS_URL, deleteKeys } from '../support/app.js';
import { createDiscussion, inject, makeProviderCall } from './fixtures.js';

const RETENTION_MS = 600;
const WAIT = { timeout: 30_000, interval: 50 };
const runPrefix = `test:${randomUUID()}:`;
let redis: Redis | undefined;

const client = (): Redis => {
  if (redis === undefined) throw new Error('redis not connected');
  return redis;
};

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
});
afterAll(async () => {
  await deleteKeys(TEST_REDIS_URL, runPrefix);
  await redis?.quit();
});

/** Every status at 0, then `counts`. */
const counts = (given: Partial<Record<DiscussionStatus, number>>) => ({
  CREATED: 0,
  RUNNING: 0,
  PAUSED: 0,
  WAITING_FOR_HUMAN: 0,
  COMPLETED: 0,
  STOPPED: 0,
  FAILED: 0,
  ...given,
});

/** Takes the discussion through each status in turn, from the one it has. */
async function walk(store: DiscussionStore, record: DiscussionRecord, ...statuses: DiscussionStatus[]): Promise<void> {
  const current = await store.get(record.id);
  if (current === undefined) throw new Error(`${record.id} is gone`);
  let from = current.status;
  for (const to of statuses) {
    if ((await store.transition(record.id, { from: [from], to })) === undefined) throw new Error(`${from} -> ${to} refused`);
    from = to;
  }
}

interface Namespace {
  open(retentionMs?: number): DiscussionStore;
  /** What is still stored of the discussion besides what `get` reads: Redis keys, index and schedule entries. */
  traces(record: DiscussionRecord): Promise<string[]>;
}

/** Memory stores share nothing, as processes share no memory: one store per retention. */
function memoryNamespace(): Namespace {
  const stores = new Map<number | undefined, DiscussionStore>();
  return {
    open(retentionMs) {
      const store = stores.get(retentionMs) ?? createMemoryStore({ retentionMs });
      stores.set(retentionMs, store);
      return store;
    },
    async traces({ id }) {
      const held = await Promise.all([...stores.values()].map((store) => store.get(id)));
      return held.some((record) => record !== undefined) ? ['the record'] : [];
    },
  };
}

let namespaces = 0;
/** Stores on one key prefix share their data, as processes share one Redis. */
function redisNamespace(): Namespace & { keys: RedisKeys; keyPrefix: string } {
  namespaces += 1;
  const keyPrefix = `${runPrefix}${namespaces}:`;
  const keys = createRedisKeys(keyPrefix);
  return {
    keys,
    keyPrefix,
    open: (retentionMs) => createRedisStore({ redis: client(), keyPrefix, retentionMs }),
    async traces({ id, owner }) {
      const held: string[] = [];
      for (const key of discussionKeys(keys, id)) if ((await client().exists(key)) === 1) held.push(key);
      for (const index of [keys.ownerIndex(owner), keys.allIndex(), keys.expiring()])
        if ((await client().zscore(index, id)) !== null) held.push(`${index} entry`);
      if ((await client().hexists(keys.expiringInfo(), id)) === 1) held.push('expiring info');
      return held;
    },
  };
}

const discussionKeys = (keys: RedisKeys, id: string) => [
  keys.discussion(id),
  keys.log(id),
  keys.inFlight(id),
  keys.inFlightText(id),
  keys.providerCalls(id),
];

/** The time to live in ms (-1: none) of each of the discussion's keys that exists. */
async function ttls(keys: RedisKeys, id: string): Promise<number[]> {
  return (await Promise.all(discussionKeys(keys, id).map((name) => client().pttl(name)))).filter((ttl) => ttl !== -2);
}

describe.each([
  { name: 'memory', namespace: memoryNamespace },
  { name: 'redis', namespace: redisNamespace },
])('$name store with a retention', (kind) => {
  it('drops an ended discussion with every key and index entry; one that has not ended stays, however old', async () => {
    const space = kind.namespace();
    const store = space.open(RETENTION_MS);
    const owner = `owner-${randomUUID()}`;
    const [ended, running, paused, waiting, created] = await Promise.all(
      [1, 2, 3, 4, 5].map((minute) => createDiscussion(store, { owner, createdAt: `2025-03-01T10:0${minute}:00.000Z` })),
    );
    if (!ended || !running || !paused || !waiting || !created) throw new Error('fixtures missing');
    await walk(store, ended, 'RUNNING');
    await inject(store, ended.id, 'A word before the end.');
    await store.beginInFlight(ended.id, { messageId: 'm-1', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:09:00.000Z' });
    await store.appendInFlight(ended.id, 'cut sh', 'm-1');
    await store.appendProviderCall(ended.id, makeProviderCall());
    await walk(store, running, 'RUNNING');
    await walk(store, paused, 'RUNNING', 'PAUSED');
    await walk(store, waiting, 'RUNNING', 'WAITING_FOR_HUMAN');
    if (kind.name === 'redis') expect(await space.traces(ended)).toHaveLength(7);

    // Stopped with a message still in flight: its keys go too.
    await walk(store, ended, 'STOPPED');
    await expect.poll(() => store.get(ended.id), WAIT).toBeUndefined();
    await expect.poll(() => space.traces(ended), WAIT).toEqual([]);

    // Older than the retention by now, the others are whole, listed, and counted; no ghost is.
    const page = await store.list(owner, { first: 10 });
    expect(page.items.map((record) => [record.id, record.status])).toEqual([
      [created.id, 'CREATED'],
      [waiting.id, 'WAITING_FOR_HUMAN'],
      [paused.id, 'PAUSED'],
      [running.id, 'RUNNING'],
    ]);
    expect(page.hasMore).toBe(false);
    expect((await store.list(undefined, { first: 10, status: 'STOPPED' })).items).toEqual([]);
    expect(await store.countByStatus()).toStrictEqual(counts({ CREATED: 1, RUNNING: 1, PAUSED: 1, WAITING_FOR_HUMAN: 1 }));
    await store.close();
  });

  it('keeps a reopened discussion for ever again, and uncounts the status an ended one has last', async () => {
    const space = kind.namespace();
    const store = space.open(RETENTION_MS);
    const [reopened, switched, later] = await Promise.all([1, 2, 3].map(() => createDiscussion(store)));
    if (!reopened || !switched || !later) throw new Error('fixtures missing');
    await walk(store, reopened, 'RUNNING', 'COMPLETED', 'RUNNING');
    await walk(store, switched, 'RUNNING', 'COMPLETED', 'FAILED');
    // Ended after the other two first did: once it is gone, their first retention is long over.
    await walk(store, later, 'RUNNING', 'COMPLETED');
    await expect.poll(() => space.traces(later), WAIT).toEqual([]);
    await expect.poll(() => space.traces(switched), WAIT).toEqual([]);
    expect(await store.get(later.id)).toBeUndefined();
    expect(await store.get(switched.id)).toBeUndefined();
    expect((await store.get(reopened.id))?.status).toBe('RUNNING');
    expect(await store.list(reopened.owner, { first: 10 })).toMatchObject({ items: [{ id: reopened.id }], hasMore: false });
    expect(await store.countByStatus()).toStrictEqual(counts({ RUNNING: 1 }));
    await store.close();
  });

  it('keeps what a store without a retention ends', async () => {
    const space = kind.namespace();
    const keeping = space.open(undefined);
    const expiring = space.open(RETENTION_MS);
    const kept = await createDiscussion(keeping);
    const gone = await createDiscussion(expiring);
    await walk(keeping, kept, 'RUNNING', 'COMPLETED');
    await walk(expiring, gone, 'RUNNING', 'COMPLETED');
    await expect.poll(() => space.traces(gone), WAIT).toEqual([]);
    expect((await keeping.get(kept.id))?.status).toBe('COMPLETED');
    await Promise.all([keeping.close(), expiring.close()]);
  });
});

describe('redis store: retention and counts across processes', () => {
  it('sets no expiry on what has not ended, and one of the retention on every key of what has', async () => {
    const { keys, open } = redisNamespace();
    const store = open(3_600_000);
    const record = await createDiscussion(store);
    await walk(store, record, 'RUNNING');
    await inject(store, record.id, 'hello');
    await store.appendProviderCall(record.id, makeProviderCall());
    expect(await ttls(keys, record.id)).toEqual([-1, -1, -1]);
    await walk(store, record, 'COMPLETED');
    const ended = await ttls(keys, record.id);
    expect(ended).toHaveLength(3);
    for (const ttl of ended) expect(ttl).toBeGreaterThan(3_500_000);
    expect(await client().zscore(keys.expiring(), record.id)).not.toBeNull();
    // Reopened: kept for ever again, and off the schedule.
    await walk(store, record, 'RUNNING');
    expect(await ttls(keys, record.id)).toEqual([-1, -1, -1]);
    expect(await client().zscore(keys.expiring(), record.id)).toBeNull();
    await store.close();
  });

  it('gives a call recorded after the end the expiry of its discussion', async () => {
    const { keys, open } = redisNamespace();
    const store = open(3_600_000);
    const record = await createDiscussion(store);
    await walk(store, record, 'RUNNING', 'STOPPED');
    await store.appendProviderCall(record.id, makeProviderCall());
    expect(await client().pttl(keys.providerCalls(record.id))).toBeGreaterThan(3_500_000);
    await store.close();
  });

  it('sweeps up, in a process without a retention, what one with a retention set to expire and left', async () => {
    const { keyPrefix, traces } = redisNamespace();
    const leaving = createRedisStore({ redis: client(), keyPrefix, retentionMs: RETENTION_MS });
    const record = await createDiscussion(leaving);
    await walk(leaving, record, 'RUNNING', 'COMPLETED');
    // The process with the retention stops (RETENTION_DAYS removed, or scaled away) before its keys expire.
    await leaving.close();
    const staying = createRedisStore({ redis: client(), keyPrefix, idleSweepMs: 50 });
    await expect.poll(() => traces(record), WAIT).toEqual([]);
    expect(await staying.countByStatus()).toStrictEqual(counts({}));
    expect(await staying.list(record.owner, { first: 10 })).toEqual({ items: [], hasMore: false });
    await staying.close();
  });

  it('uncounts each expired discussion once, with two processes sweeping', async () => {
    const space = redisNamespace();
    const [first, second] = [space.open(RETENTION_MS), space.open(RETENTION_MS)];
    const records = await Promise.all(Array.from({ length: 12 }, () => createDiscussion(first)));
    await Promise.all(records.map((record, index) => walk(index % 2 === 0 ? first : second, record, 'RUNNING', 'COMPLETED')));
    const kept = await createDiscussion(second);
    await Promise.all(records.map((record) => expect.poll(() => space.traces(record), WAIT).toEqual([])));
    expect(await first.countByStatus()).toStrictEqual(counts({ CREATED: 1 }));
    expect(await second.countByStatus()).toStrictEqual(counts({ CREATED: 1 }));
    expect((await second.get(kept.id))?.status).toBe('CREATED');
    await Promise.all([first.close(), second.close()]);
  });

  it('of two sweeps that find the same expired discussion, one uncounts it', async () => {
    const space = redisNamespace();
    const { keys } = space;
    // A store whose sweep has stopped still writes: the test plays the two sweeps itself.
    const store = space.open(RETENTION_MS);
    await store.close();
    const [record, kept] = await Promise.all([createDiscussion(store), createDiscussion(store)]);
    if (!record || !kept) throw new Error('fixtures missing');
    await walk(store, record, 'RUNNING', 'STOPPED');
    await walk(store, kept, 'RUNNING', 'STOPPED', 'RUNNING');
    await expect.poll(() => client().exists(keys.discussion(record.id)), WAIT).toBe(0);
    const due = await runScript(client(), dueScript, [keys.expiring(), keys.expiringInfo()], [10]);
    expect(due).toEqual([record.id, `STOPPED ${record.owner}`]);
    const bookkeeping = [keys.expiring(), keys.expiringInfo(), keys.statusCounts()];
    const claims = await Promise.all([1, 2].map(() => runScript(client(), forgetExpiredScript, bookkeeping, [record.id, kept.id])));
    expect(claims.sort()).toEqual([0, 1]);
    expect(await store.countByStatus()).toStrictEqual(counts({ RUNNING: 1 }));
  });

  it('counts every discussion once when the counts are missing (a deployment from before them), expired ones until swept', async () => {
    const space = redisNamespace();
    const { keys } = space;
    const store = space.open(undefined);
    const [created, running, failed, expired] = await Promise.all([1, 2, 3, 4].map(() => createDiscussion(store)));
    if (!created || !running || !failed || !expired) throw new Error('fixtures missing');
    await walk(store, running, 'RUNNING');
    await walk(store, failed, 'RUNNING', 'FAILED');
    // A store whose sweep has stopped still writes: `expired` is scheduled, and nobody sweeps it yet.
    const unswept = space.open(RETENTION_MS);
    await unswept.close();
    await walk(unswept, expired, 'RUNNING', 'COMPLETED');
    await expect.poll(() => client().exists(keys.discussion(expired.id)), WAIT).toBe(0);

    await client().del(keys.statusCounts());
    expect(await store.countByStatus()).toStrictEqual(counts({ CREATED: 1, RUNNING: 1, FAILED: 1, COMPLETED: 1 }));
    // The counts go on from there: a change, and the sweep of the expired one.
    await walk(store, created, 'RUNNING');
    const sweeping = space.open(RETENTION_MS);
    await expect.poll(() => space.traces(expired), WAIT).toEqual([]);
    expect(await store.countByStatus()).toStrictEqual(counts({ RUNNING: 2, FAILED: 1 }));
    await Promise.all([store.close(), sweeping.close()]);
  });
});
