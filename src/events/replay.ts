import { isTerminal } from '../domain.js';
import type { DiscussionStore } from '../store/types.js';
import { compareCursors } from '../store/types.js';
import { createAsyncQueue } from './async-queue.js';
import type { EventBus, Unsubscribe } from './bus.js';
import type { LiveEvent, PersistedEvent, StreamEvent } from './types.js';

const REPLAY_PAGE = 500;
/** A cursor before every log entry. */
const LOG_START = '0-0';

export interface DiscussionStreamOptions {
  /** Replay persisted events strictly after this cursor first; without it, start with what is committed from now on. */
  after?: string;
  /**
   * Events that may wait for the consumer (a message's waiting tokens join into
   * one). Past it the stream ends with an `overflow` event; unbounded without.
   */
  capacity?: number;
  /** Called once, at once, when the stream overflows (the transport may close the connection). */
  onOverflow?: () => void;
}

/** Joins a token event into the waiting one before it when it continues the same message's text. */
function coalesceTokens(last: StreamEvent, next: StreamEvent): StreamEvent | undefined {
  if (last.type !== 'token' || next.type !== 'token' || last.messageId !== next.messageId) return undefined;
  if (next.offset !== last.offset + last.delta.length) return undefined;
  return { ...last, delta: last.delta + next.delta };
}

/**
 * Every event of one discussion: the persisted ones after the cursor (or from
 * now on, without one), then live ones, with no gap and no duplicate however
 * commits race the subscription.
 *
 * It subscribes first and buffers, then reads the log, then drains the buffer
 * dropping what replay already delivered (by cursor), then goes live. An event
 * committed before the read is in the log; one committed after is published
 * after the subscription was live, so it is in the buffer.
 *
 * Processes publish what they commit after the commit, so events written by
 * two processes can arrive in the other order. Each live entry names the entry
 * before it in the log; one that follows an entry not yet delivered starts the
 * same catch-up again (buffer, read the log after the last cursor, drain), so
 * the later event never ends the stream or overtakes the earlier one.
 *
 * Tokens of a message that was already delivered are dropped. The stream ends
 * after the discussion's final status, or when it is deleted. A consumer that
 * falls behind gets each message's waiting tokens joined into one event, and
 * past `capacity` waiting events an `overflow` event that ends the stream.
 */
export async function openDiscussionStream(
  { bus, store }: { bus: EventBus; store: DiscussionStore },
  discussionId: string,
  { after, capacity, onOverflow }: DiscussionStreamOptions = {},
): Promise<AsyncIterableIterator<StreamEvent>> {
  // Without a cursor, start from the log's newest entry, read before subscribing: whatever is committed after it arrives.
  let lastCursor = after ?? (await store.lastCursor(discussionId)) ?? LOG_START;
  /** While the log is being read, live events wait here. */
  let catchingUp = true;
  const buffered: LiveEvent[] = [];
  const committedMessageIds = new Set<string>();
  let unsubscribe: Unsubscribe = () => {};
  const queue = createAsyncQueue<StreamEvent>(
    () => unsubscribe(),
    capacity === undefined
      ? undefined
      : {
          capacity,
          coalesce: coalesceTokens,
          overflow: () => {
            // Stop listening now: nothing more reaches this consumer.
            unsubscribe();
            onOverflow?.();
            return { type: 'overflow', discussionId, capacity };
          },
        },
  );

  /**
   * Delivers the log entries after the last cursor, a page at a time as the
   * consumer takes them (they do not count toward its capacity); a failed read
   * fails the stream.
   */
  const readLogAfterLastCursor = async (): Promise<void> => {
    try {
      while (!queue.ended) {
        const entries = await store.readLog(discussionId, { after: lastCursor, limit: REPLAY_PAGE });
        for (const entry of entries) deliver({ ...entry, discussionId }, { unbounded: true });
        if (entries.length < REPLAY_PAGE) return;
        await queue.drained();
      }
    } catch (error) {
      queue.end(error);
    }
  };

  /** Delivers what arrived while the log was read, until another catch-up begins. */
  const drainBuffer = (): void => {
    catchingUp = false;
    while (!catchingUp) {
      const event = buffered.shift();
      if (event === undefined) return;
      deliver(event);
    }
  };

  const catchUp = async (): Promise<void> => {
    catchingUp = true;
    await readLogAfterLastCursor();
    drainBuffer();
  };

  /** A live entry whose predecessor in the log has not been delivered yet. */
  const missesEarlierEntry = (event: PersistedEvent): boolean =>
    event.previousCursor !== undefined && compareCursors(event.previousCursor, lastCursor) > 0;

  /** Live events that wait while the log is read; past the capacity the stream overflows, as its queue would. */
  const hold = (event: LiveEvent): void => {
    buffered.push(event);
    if (capacity !== undefined && buffered.length > capacity) {
      buffered.length = 0;
      queue.overflow();
    }
  };

  function deliver(event: LiveEvent, options?: { unbounded: boolean }): void {
    if (queue.ended) return;
    switch (event.type) {
      case 'token':
        if (committedMessageIds.has(event.messageId)) return;
        queue.push(event);
        return;
      case 'message':
      case 'status':
      case 'speaker_selected':
        if (compareCursors(event.cursor, lastCursor) <= 0) return;
        if (missesEarlierEntry(event)) {
          // Read it from the log; this event and those after it wait their turn.
          buffered.unshift(event);
          void catchUp();
          return;
        }
        lastCursor = event.cursor;
        if (event.type === 'message') committedMessageIds.add(event.message.id);
        queue.push(event, options);
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
  }

  /** The first catch-up, which may end the stream: it runs while the consumer reads, since long replays wait for it page by page. */
  const replayThenGoLive = async (): Promise<void> => {
    await readLogAfterLastCursor();
    try {
      // An ended discussion publishes nothing more, and its final events may have been
      // committed after the read but published after this check: read the log once more.
      // Its final status ends the stream; one that ended before the cursor has none left.
      // Only the status matters here: `access` reads it without decoding the whole record.
      const access = await store.access(discussionId);
      if (access && isTerminal(access.status)) await readLogAfterLastCursor();
      if (!access || isTerminal(access.status)) queue.end();
    } catch (error) {
      queue.end(error);
    }
    drainBuffer();
  };

  unsubscribe = await bus.subscribe(discussionId, (event) => (catchingUp ? hold(event) : deliver(event)));
  void replayThenGoLive();
  return queue.iterator;
}
