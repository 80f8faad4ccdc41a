import type { EngineDependencies } from './dependencies.js';

/**
 * Re-enqueues the work of discussions left running by a process that died: the
 * next turn of each RUNNING one, the timeout of each one waiting for a human.
 * Scheduling is idempotent per turn, so a job that still exists is not doubled.
 */
export async function recoverDiscussions({
  store,
  scheduler,
  logger,
}: Pick<EngineDependencies, 'store' | 'scheduler' | 'logger'>): Promise<number> {
  let recovered = 0;
  for (const id of await store.listActive()) {
    const record = await store.get(id);
    if (record?.status === 'RUNNING') {
      await scheduler.schedule({ discussionId: id, turn: record.turn });
      recovered += 1;
    } else if (record?.status === 'WAITING_FOR_HUMAN') {
      const human = record.humans.find((candidate) => candidate.name === record.nextSpeaker);
      await scheduler.schedule(
        { discussionId: id, turn: record.turn, kind: 'human-timeout' },
        { delayMs: (human?.waitSeconds ?? 0) * 1_000 },
      );
      recovered += 1;
    }
  }
  if (recovered > 0) logger.info({ recovered }, 're-enqueued the work of running discussions');
  return recovered;
}
