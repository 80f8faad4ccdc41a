import type { LogEntry } from '../store/types.js';

/** A streamed chunk of the message being written. Live only: never persisted. */
export interface TokenEvent {
  type: 'token';
  discussionId: string;
  messageId: string;
  author: string;
  delta: string;
  /** Position of this delta in its message, from 0. */
  index: number;
}

/**
 * A turn is being run again after the process running it died: the tokens of
 * `discardedMessageId` will never be committed, and the new attempt's tokens
 * start at index 0 under a new message id.
 */
export interface TurnRestartedEvent {
  type: 'turn_restarted';
  discussionId: string;
  turn: number;
  discardedMessageId: string;
}

/** A turn's streaming ended (committed, failed or cancelled): its in-flight message is gone. Internal. */
export interface TurnEndedEvent {
  type: 'turn_ended';
  discussionId: string;
  messageId: string;
}

/** The discussion and all its keys are gone; subscriptions end. */
export interface DeletedEvent {
  type: 'deleted';
  discussionId: string;
}

/** A persisted log entry as published live, with the cursor it got in the log. */
export type PersistedEvent = LogEntry & { discussionId: string };

/** Everything that travels on a discussion's channel. */
export type LiveEvent = TokenEvent | PersistedEvent | TurnRestartedEvent | TurnEndedEvent | DeletedEvent;

/** Sent to every process: the one running the discussion's turn aborts it. */
export interface CancelTurnCommand {
  type: 'cancel_turn';
  discussionId: string;
  reason: 'stop' | 'shutdown';
}

