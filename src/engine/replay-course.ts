// How a replay follows its source's transcript where no provider call decides: the humans'
// messages go in where they were (an injection as an injection, a human's answer as that
// human's turn, a skipped turn's note as the turn), a reply that was cut off (a stop, a dead
// worker) is copied as it was, and once everything is replayed the replay ends as the source did.

import { ACTIVE_STATUSES, STOP_REASONS, isTerminal } from '../domain.js';
import type { DiscussionRecord, MessageRecord } from '../store/types.js';
import { publishEntry, transitionAndPublish } from './dependencies.js';
import { copyMessage } from './fork.js';
import { readAllMessages } from './message-paging.js';
import type { Speaker } from './protocols.js';
import { createSourceCache } from './source-cache.js';
import type { TurnContext } from './turn-context.js';

export interface ReplayCourse {
  /** Before a replay's turn is planned: true when every message of the source is replayed, and the replay has ended as it did. */
  ended(record: DiscussionRecord, history: readonly MessageRecord[]): Promise<boolean>;
  /**
   * Before a replay's turn: true when the turn was taken here (a human's recorded answer, a
   * reply copied as it was) or the replay has ended; false when the speaker is to speak.
   */
  beforeSpeaking(record: DiscussionRecord, speaker: Speaker, history: readonly MessageRecord[]): Promise<boolean>;
}

export function createReplayCourse(context: TurnContext): ReplayCourse {
  const { store, bus, now, commitTurn, conclude, continueAfter } = context;
  // read once per source, not before every turn: a source has ended, its transcript no longer changes
  const transcriptOf = createSourceCache((sourceId) => readAllMessages(store, sourceId));

  /** The replay ends as its source did: the same status, stop reason and error. */
  async function endAsSource(record: DiscussionRecord, source: DiscussionRecord): Promise<void> {
    if (!isTerminal(source.status)) {
      await conclude(record, 'COMPLETED', STOP_REASONS.replayEnded);
      return;
    }
    await transitionAndPublish(context, record.id, {
      from: ACTIVE_STATUSES,
      to: source.status,
      patch: { stopReason: source.stopReason ?? null, error: source.error ?? null, finishedAt: now().toISOString(), nextSpeaker: null },
    });
  }

  async function inject(record: DiscussionRecord, message: MessageRecord): Promise<void> {
    const appended = await store.appendMessage(record.id, copyMessage(message, record.id));
    if (appended) await publishEntry(bus, record.id, appended.entry);
  }

  /** Commits a copy of the source's message as the replay's turn, then goes on. */
  async function takeTurn(record: DiscussionRecord, message: MessageRecord): Promise<void> {
    const copy = { ...copyMessage(message, record.id), turn: record.turn };
    const committed = await commitTurn(record, copy, record.consecutiveFailures);
    if (committed) await continueAfter(committed.record);
  }

  /** The source and its messages not yet replayed; undefined (and the replay ended) when the source is gone (asked each time). */
  async function remaining(record: DiscussionRecord, history: readonly MessageRecord[]) {
    const source = record.replayOf ? await store.get(record.replayOf.discussionId) : undefined;
    if (!source) {
      await conclude(record, 'FAILED', STOP_REASONS.replayEnded, 'the recorded discussion is gone (deleted or expired)');
      return undefined;
    }
    return { source, rest: (await transcriptOf(source.id)).slice(history.length) };
  }

  async function ended(record: DiscussionRecord, history: readonly MessageRecord[]): Promise<boolean> {
    const left = await remaining(record, history);
    if (left && left.rest.length === 0) await endAsSource(record, left.source);
    return !left || left.rest.length === 0;
  }

  async function beforeSpeaking(record: DiscussionRecord, speaker: Speaker, history: readonly MessageRecord[]): Promise<boolean> {
    const left = await remaining(record, history);
    if (!left) return true;
    const { source, rest } = left;
    const humanName = speaker.kind === 'human' ? speaker.human.name.toLowerCase() : undefined;
    // the humans' messages that came next: injections, up to the answer of the human whose turn it is
    let next = 0;
    for (; rest[next]?.role === 'HUMAN'; next++) {
      const message = rest[next];
      if (!message || message.author.toLowerCase() === humanName) break;
      await inject(record, message);
    }
    const following = rest[next];
    if (!following) {
      await endAsSource(record, source);
      return true;
    }
    // a human's answer or their skipped turn's note; an agent's reply that was cut off
    const copied = speaker.kind === 'human' || (following.role === 'AGENT' && following.finishReason === 'cancelled');
    if (!copied) return false;
    await takeTurn(record, following);
    return true;
  }

  return { ended, beforeSpeaking };
}
