// countByStatus: how many discussions each status holds, kept right by every
// create, transition and delete, however they race.

import { describe, expect, it } from 'vitest';
import { DISCUSSION_STATUSES, type DiscussionStatus } from '../../src/domain.js';
import type { DiscussionStore } from '../../src/store/types.js';
import { createDiscussion } from './fixtures.js';

/** Every status at 0, then `counts`. */
const expected = (counts: Partial<Record<DiscussionStatus, number>>): Record<string, number> =>
  Object.fromEntries(DISCUSSION_STATUSES.map((status) => [status, counts[status] ?? 0]));

export function describeCountsContract(store: () => DiscussionStore): void {
  describe('countByStatus', () => {
    it('reports every status, 0 when none', async () => {
      expect(await store().countByStatus()).toStrictEqual(expected({}));
    });

    it('follows creates, transitions and deletes, and nothing that changed nothing', async () => {
      const created = await createDiscussion(store());
      const running = await createDiscussion(store(), { status: 'RUNNING' });
      await createDiscussion(store(), { status: 'FAILED' });
      expect(await store().countByStatus()).toStrictEqual(expected({ CREATED: 1, RUNNING: 1, FAILED: 1 }));

      await store().transition(created.id, { from: ['CREATED'], to: 'RUNNING' });
      await store().transition(running.id, { from: ['RUNNING'], to: 'WAITING_FOR_HUMAN' });
      expect(await store().countByStatus()).toStrictEqual(expected({ RUNNING: 1, WAITING_FOR_HUMAN: 1, FAILED: 1 }));

      // Refused: the status is not in `from`, or the discussion does not exist.
      expect(await store().transition(created.id, { from: ['PAUSED'], to: 'STOPPED' })).toBeUndefined();
      expect(await store().transition('missing', { from: ['RUNNING'], to: 'STOPPED' })).toBeUndefined();
      expect(await store().delete('missing')).toBe(false);
      await expect(store().create({ ...created, status: 'COMPLETED' })).rejects.toThrow(/already exists/);
      expect(await store().countByStatus()).toStrictEqual(expected({ RUNNING: 1, WAITING_FOR_HUMAN: 1, FAILED: 1 }));

      await store().transition(created.id, { from: ['RUNNING'], to: 'COMPLETED' });
      expect(await store().delete(running.id)).toBe(true);
      expect(await store().countByStatus()).toStrictEqual(expected({ COMPLETED: 1, FAILED: 1 }));
    });

    it('counts each discussion once when transitions race for it', async () => {
      const records = await Promise.all(Array.from({ length: 6 }, () => createDiscussion(store())));
      // Four racers per discussion: exactly one compare-and-set wins each.
      const results = await Promise.all(
        records.flatMap((record) =>
          (['RUNNING', 'STOPPED', 'RUNNING', 'FAILED'] as const).map((to) => store().transition(record.id, { from: ['CREATED'], to })),
        ),
      );
      const winners = results.flatMap((result) => (result === undefined ? [] : [result.record.status]));
      expect(winners).toHaveLength(records.length);
      const tally = (status: DiscussionStatus) => winners.filter((winner) => winner === status).length;
      expect(await store().countByStatus()).toStrictEqual(
        expected({ RUNNING: tally('RUNNING'), STOPPED: tally('STOPPED'), FAILED: tally('FAILED') }),
      );
      await Promise.all(records.map((record) => store().delete(record.id)));
      expect(await store().countByStatus()).toStrictEqual(expected({}));
    });
  });
}
