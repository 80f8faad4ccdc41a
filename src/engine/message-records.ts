import { randomUUID } from 'node:crypto';
import type { DiscussionRecord, MessageRecord } from '../store/types.js';

/** What a caller says about a message; the id defaults to a fresh one, and the log fields are stamped here. */
export type MessageFields = Omit<MessageRecord, 'id' | 'discussionId' | 'createdAt'> & { id?: string };

/**
 * Builds a message for the discussion's log, stamped at `createdAt`. An agent's
 * reply passes the id it streamed under, so subscribers can join its tokens to it.
 */
export function createMessageRecord(discussionId: string, { id = randomUUID(), ...fields }: MessageFields, createdAt: Date): MessageRecord {
  return { id, discussionId, ...fields, createdAt: createdAt.toISOString() };
}

/** A note by the orchestrator itself (a failed or skipped turn), taking the discussion's current turn. */
export function createSystemNote(record: DiscussionRecord, round: number, content: string, createdAt: Date): MessageRecord {
  return createMessageRecord(record.id, { author: 'system', role: 'SYSTEM', content, round, turn: record.turn }, createdAt);
}
