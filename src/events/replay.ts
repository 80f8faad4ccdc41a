import { isTerminal } from '../domain.js';
import type { DiscussionStore } from '../store/types.js';
import { compareCursors } from '../store/types.js';
import { createAsyncQueue } from './async-queue.js';
import type { EventBus } from './bus.js';
import type { LiveEvent } from './types.js';

const REPLAY_PAGE = 500;

export interface DiscussionStreamOptions {
  /** Replay persisted events strictly after this cursor first; without it, only live events. */
  after?: string;
  /** With `after` undefined, replay nothing; with `replay: true` and no `after`, replay from the start. */
  replay?: boolean;
}

/**
 * Every event of one discussion: the persisted ones after the cursor, then live
 * ones, with no gap and no duplicate however commits race the subscription.
 *
 * It subscribes first and buffers, then reads the log, then drains the buffer
 * dropping what replay already delivered (by cursor), then goes live. An event
 * committed before the read is in the log; one committed after is published
 * after the subscription was live, so it is in the buffer. Tokens of a message
 * that was already delivered are dropped. The stream ends after the discussion's
 * final status, or when it is deleted.
 */
export async function openDiscussionStream(
  { bus, store }: { bus: EventBus; store: DiscussionStore },
  discussionId: string,
  { after, replay = after !== undefined }: DiscussionStreamOptions = {},
): Promise<AsyncIterableIterator<LiveEvent>> {
  let lastCursor = after;
  let replaying = true;
  const buffered: LiveEvent[] = [];
  const committedMessageIds = new Set<string>();
  let unsubscribe: (() => void) | undefined;
  const queue = createAsyncQueue<LiveEvent>(() => unsubscribe?.());

  const deliver = (event: LiveEvent): void => {
    if (queue.ended) return;
    switch (event.type) {
      case 'token':
        if (committedMessageIds.has(event.messageId)) return;
        queue.push(event);
        return;
      case 'message':
      case 'status':
      case 'speaker_selected':
        if (lastCursor !== undefined && compareCursors(event.cursor, lastCursor) <= 0) return;
        lastCursor = event.cursor;
        if (event.type === 'message') committedMessageIds.add(event.message.id);
        queue.push(event);
        if (event.type === 'status' && isTerminal(event.change.status)) queue.end();
        return;
      case 'turn_restarted':
      case 'turn_ended':
        queue.push(event);
        return;
      case 'deleted':
        queue.push(event);
        queue.end();
        return;
      default: {
        const unexpected: never = event;
        throw new Error(`unknown event ${JSON.stringify(unexpected)}`);
      }
    }
  };

  unsubscribe = await bus.subscribe(discussionId, (event) => (replaying ? buffered.push(event) : deliver(event)));
  try {
    if (replay) {
      for (;;) {
        const entries = await store.readLog(discussionId, { after: lastCursor, limit: REPLAY_PAGE });
        for (const entry of entries) deliver({ ...entry, discussionId });
        if (entries.length < REPLAY_PAGE || queue.ended) break;
      }
    }
    // A discussion that ended before the cursor has no final status left to replay.
    const record = await store.get(discussionId);
    if (!record || isTerminal(record.status)) {
      const finalEventPending = buffered.some((event) => event.type === 'deleted' || (event.type === 'status' && isTerminal(event.change.status)));
      if (!finalEventPending) queue.end();
    }
  } catch (error) {
    queue.end(error);
  }
  replaying = false;
  for (const event of buffered.splice(0)) deliver(event);
  return queue.iterator;
}

