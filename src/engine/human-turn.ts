import type { TurnJob } from '../queue/types.js';
import type { DiscussionRecord, HumanConfig, MessageRecord } from '../store/types.js';
import { transitionAndPublish } from './dependencies.js';
import { createSystemNote } from './message-records.js';
import { roundOfTurn } from './protocols.js';
import type { TurnContext } from './turn-context.js';

export interface HumanTurn {
  /** Marks the discussion as waiting for the human and starts the clock on their turn. */
  waitForHuman(record: DiscussionRecord, human: HumanConfig): Promise<void>;
  /** Commits a human's message as its turn when the discussion waits for that human; undefined otherwise. */
  takeHumanTurn(record: DiscussionRecord, message: MessageRecord): Promise<{ cursor: string; message: MessageRecord } | undefined>;
  /** The waited-for human did not speak in time: note the skipped turn and go on. */
  skipHumanTurn(job: TurnJob): Promise<void>;
}

export function createHumanTurn(context: TurnContext): HumanTurn {
  const { store, scheduler, now, commitTurn, continueAfter } = context;

  /** The human's turn is committed (spoken or skipped): the discussion runs again. */
  async function resume(discussionId: string) {
    const running = await transitionAndPublish(context, discussionId, {
      from: ['WAITING_FOR_HUMAN'],
      to: 'RUNNING',
      patch: { nextSpeaker: null },
    });
    if (running) await continueAfter(running);
  }

  async function waitForHuman(record: DiscussionRecord, human: HumanConfig) {
    const waiting = await transitionAndPublish(context, record.id, {
      from: ['RUNNING'],
      to: 'WAITING_FOR_HUMAN',
      patch: { nextSpeaker: human.name },
    });
    if (!waiting) return;
    await scheduler.schedule({ discussionId: record.id, turn: record.turn, kind: 'human-timeout' }, { delayMs: human.waitSeconds * 1_000 });
  }

  async function takeHumanTurn(record: DiscussionRecord, message: MessageRecord) {
    if (record.status !== 'WAITING_FOR_HUMAN' || record.nextSpeaker?.toLowerCase() !== message.author.toLowerCase()) return undefined;
    const committed = await commitTurn(record, { ...message, round: roundOfTurn(record), turn: record.turn }, record.consecutiveFailures);
    if (!committed) return undefined;
    await scheduler.cancel({ discussionId: record.id, turn: record.turn, kind: 'human-timeout' });
    await resume(record.id);
    return committed.entry;
  }

  async function skipHumanTurn({ discussionId, turn }: TurnJob) {
    const record = await store.get(discussionId);
    if (!record || record.status !== 'WAITING_FOR_HUMAN' || record.turn !== turn) return;
    const human = record.humans.find((candidate) => candidate.name === record.nextSpeaker);
    const name = human?.name ?? record.nextSpeaker ?? 'a human';
    const seconds = human ? ` within ${human.waitSeconds} s` : '';
    const committed = await commitTurn(
      record,
      createSystemNote(record, roundOfTurn(record), `${name} did not answer${seconds}; their turn was skipped.`, now()),
      record.consecutiveFailures,
    );
    if (!committed) return;
    await resume(discussionId);
  }

  return { waitForHuman, takeHumanTurn, skipHumanTurn };
}
