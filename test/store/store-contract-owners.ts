// Owner-level behaviour of a store: the admin's list of every owner, and the
// running-discussions admission that MAX_RUNNING_PER_OWNER rests on.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DiscussionStore } from '../../src/store/types.js';
import { createDiscussion } from './fixtures.js';

export function describeOwnerContract(store: () => DiscussionStore): void {
  describe('every owner and running admission', () => {
    it('lists every owner’s discussions, newest first, when no owner is named', async () => {
      const older = await createDiscussion(store(), { owner: `alice-${randomUUID()}`, createdAt: '2026-01-01T00:00:00.000Z' });
      const newer = await createDiscussion(store(), { owner: `bob-${randomUUID()}`, createdAt: '2026-01-02T00:00:00.000Z' });
      const page = await store().list(undefined, { first: 10 });
      expect(page.items.map((record) => record.id)).toEqual([newer.id, older.id]);
      const firstOnly = await store().list(undefined, { first: 1 });
      expect(firstOnly).toMatchObject({ hasMore: true, items: [{ id: newer.id }] });
      await store().delete(newer.id);
      expect((await store().list(undefined, { first: 10 })).items.map((record) => record.id)).toEqual([older.id]);
    });

    it('admits up to max discussions per owner, each once, and never counts another owner’s', async () => {
      const owner = `owner-${randomUUID()}`;
      const [first, second, third] = await Promise.all([1, 2, 3].map(() => createDiscussion(store(), { owner, status: 'CREATED' })));
      if (!first || !second || !third) throw new Error('fixtures missing');
      expect(await store().admitRunning(owner, first.id, 2)).toBe(true);
      expect(await store().admitRunning(owner, first.id, 2)).toBe(true);
      expect(await store().admitRunning(owner, second.id, 2)).toBe(true);
      expect(await store().admitRunning(owner, third.id, 2)).toBe(false);
      const stranger = await createDiscussion(store(), { owner: `other-${randomUUID()}`, status: 'CREATED' });
      expect(await store().admitRunning(stranger.owner, stranger.id, 2)).toBe(true);
    });

    it('admits exactly max of many concurrent requests', async () => {
      const owner = `owner-${randomUUID()}`;
      const records = await Promise.all(Array.from({ length: 8 }, () => createDiscussion(store(), { owner, status: 'CREATED' })));
      const results = await Promise.all(records.map((record) => store().admitRunning(owner, record.id, 3)));
      expect(results.filter(Boolean)).toHaveLength(3);
    });

    it('stops counting a discussion once it has ended or is deleted', async () => {
      const owner = `owner-${randomUUID()}`;
      const ending = await createDiscussion(store(), { owner, status: 'CREATED' });
      const deleted = await createDiscussion(store(), { owner, status: 'CREATED' });
      const waiting = await createDiscussion(store(), { owner, status: 'CREATED' });
      expect(await store().admitRunning(owner, ending.id, 2)).toBe(true);
      expect(await store().admitRunning(owner, deleted.id, 2)).toBe(true);
      expect(await store().admitRunning(owner, waiting.id, 2)).toBe(false);

      await store().transition(ending.id, { from: ['CREATED'], to: 'RUNNING' });
      expect(await store().admitRunning(owner, waiting.id, 2)).toBe(false);
      await store().transition(ending.id, { from: ['RUNNING'], to: 'COMPLETED' });
      expect(await store().admitRunning(owner, waiting.id, 2)).toBe(true);

      const late = await createDiscussion(store(), { owner, status: 'CREATED' });
      expect(await store().admitRunning(owner, late.id, 2)).toBe(false);
      await store().delete(deleted.id);
      expect(await store().admitRunning(owner, late.id, 2)).toBe(true);
    });
  });
}
