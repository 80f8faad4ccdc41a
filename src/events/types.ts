import { z } from 'zod';
import {
  cursorSchema,
  messageRecordSchema,
  schemaFor,
  speakerSelectionSchema,
  statusChangeSchema,
  toolCallRecordSchema,
} from '../store/records.js';
import type { LogEntry } from '../store/types.js';

/** A streamed chunk of the message being written. Live only: never persisted. */
export interface TokenEvent {
  type: 'token';
  discussionId: string;
  messageId: string;
  author: string;
  delta: string;
  /**
   * Position of this event among its message's token events, from 0. Events
   * joined under load carry the first one's index, so indexes may skip.
   */
  index: number;
  /** Where `delta` starts in the message's text, in UTF-16 code units: joins deltas to `inFlight.text` exactly. */
  offset: number;
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

/**
 * Ends a subscriber's stream that fell more than its capacity behind: the events
 * it had not read yet were dropped. Never published; subscriptions turn it into
 * a RATE_LIMITED error telling the client how to resume.
 */
export interface OverflowEvent {
  type: 'overflow';
  discussionId: string;
  capacity: number;
}

/** A persisted log entry as published live, with the cursor it got in the log. */
export type PersistedEvent = LogEntry & { discussionId: string };

/** Everything that travels on a discussion's channel. */
export type LiveEvent = TokenEvent | PersistedEvent | TurnRestartedEvent | TurnEndedEvent | DeletedEvent;

/** What one subscriber's stream yields: the live events, and its end when it fell behind. */
export type StreamEvent = LiveEvent | OverflowEvent;

export const CANCEL_REASONS = ['stop', 'shutdown'] as const;

/** Sent to every process: the one running the discussion's turn aborts it. */
export interface CancelTurnCommand {
  type: 'cancel_turn';
  discussionId: string;
  reason: (typeof CANCEL_REASONS)[number];
}

// What arrives over pub/sub comes from another process, or from anyone who can
// PUBLISH on the channel: the bus parses it with these before a listener sees it.

const persisted = { discussionId: z.string(), cursor: cursorSchema, previousCursor: cursorSchema.optional() };

export const liveEventSchema = z.discriminatedUnion('type', [
  schemaFor<TokenEvent>()(
    z.object({
      type: z.literal('token'),
      discussionId: z.string(),
      messageId: z.string(),
      author: z.string(),
      delta: z.string(),
      index: z.int().nonnegative(),
      offset: z.int().nonnegative(),
    }),
  ),
  schemaFor<Extract<PersistedEvent, { type: 'message' }>>()(
    z.object({ type: z.literal('message'), ...persisted, message: messageRecordSchema }),
  ),
  schemaFor<Extract<PersistedEvent, { type: 'status' }>>()(
    z.object({ type: z.literal('status'), ...persisted, change: statusChangeSchema }),
  ),
  schemaFor<Extract<PersistedEvent, { type: 'speaker_selected' }>>()(
    z.object({ type: z.literal('speaker_selected'), ...persisted, selection: speakerSelectionSchema }),
  ),
  schemaFor<Extract<PersistedEvent, { type: 'tool_call' }>>()(
    z.object({ type: z.literal('tool_call'), ...persisted, toolCall: toolCallRecordSchema }),
  ),
  schemaFor<TurnRestartedEvent>()(
    z.object({ type: z.literal('turn_restarted'), discussionId: z.string(), turn: z.int().nonnegative(), discardedMessageId: z.string() }),
  ),
  schemaFor<TurnEndedEvent>()(z.object({ type: z.literal('turn_ended'), discussionId: z.string(), messageId: z.string() })),
  schemaFor<DeletedEvent>()(z.object({ type: z.literal('deleted'), discussionId: z.string() })),
]);

export const cancelTurnCommandSchema = schemaFor<CancelTurnCommand>()(
  z.object({ type: z.literal('cancel_turn'), discussionId: z.string(), reason: z.enum(CANCEL_REASONS) }),
);
