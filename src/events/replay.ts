import { isTerminal } from '../domain.js';
import type { DiscussionStore } from '../store/types.js';
import { compareCursors } from '../store/types.js';
import { type AsyncQueue, createAsyncQueue } from './async-queue.js';
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
  /**
   * The events this consumer reads; every one by default. The others still move the
   * stream's cursor and end it, but never wait for the consumer nor count toward its capacity.
   */
  wants?: (event: LiveEvent) => boolean;
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
  parts: StreamParts,
  discussionId: string,
  options: DiscussionStreamOptions = {},
): Promise<AsyncIterableIterator<StreamEvent>> {
  // Without a cursor, start from the log's newest entry, read before subscribing: whatever is committed after it arrives.
  const lastCursor = options.after ?? (await parts.store.lastCursor(discussionId)) ?? LOG_START;
  const stream = new DiscussionStream(parts, discussionId, lastCursor, options);
  await stream.listen();
  return stream.queue.iterator;
}

interface StreamParts {
  bus: EventBus;
  store: DiscussionStore;
}

const wantsEverything = (): boolean => true;
const notListening: Unsubscribe = () => {};

/**
 * One subscriber's stream (see `openDiscussionStream`), as a class: an idle
 * subscription holds it for as long as it lives, and methods on a prototype
 * cost each stream nothing, where a closure per step would.
 */
class DiscussionStream {
  readonly queue: AsyncQueue<StreamEvent>;
  /** While the log is being read, live events wait here. */
  private catchingUp = true;
  private readonly buffered: LiveEvent[] = [];
  /** Messages delivered so far, whose late tokens are dropped; made on the first one. */
  private committedMessageIds: Set<string> | undefined;
  private unsubscribe = notListening;
  private readonly wants: (event: LiveEvent) => boolean;

  constructor(
    private readonly parts: StreamParts,
    private readonly discussionId: string,
    private lastCursor: string,
    private readonly options: DiscussionStreamOptions,
  ) {
    this.wants = options.wants ?? wantsEverything;
    const { capacity } = options;
    this.queue = createAsyncQueue<StreamEvent>(
      () => this.unsubscribe(),
      capacity === undefined ? undefined : { capacity, coalesce: coalesceTokens, overflow: () => this.overflowed(capacity) },
    );
  }

  /** Subscribes, then replays the log and goes live while the consumer reads. */
  async listen(): Promise<void> {
    this.unsubscribe = await this.parts.bus.subscribe(this.discussionId, (event) => this.receive(event));
    void this.replayThenGoLive();
  }

  private receive(event: LiveEvent): void {
    if (this.catchingUp) this.hold(event);
    else this.deliver(event);
  }

  /** The queue's final item when it overflows: stop listening now, since nothing more reaches this consumer. */
  private overflowed(capacity: number): StreamEvent {
    this.unsubscribe();
    this.options.onOverflow?.();
    return { type: 'overflow', discussionId: this.discussionId, capacity };
  }

  /**
   * Delivers the log entries after the last cursor, a page at a time as the
   * consumer takes them (they do not count toward its capacity); a failed read
   * fails the stream.
   */
  private async readLogAfterLastCursor(): Promise<void> {
    const { queue, discussionId } = this;
    try {
      while (!queue.ended) {
        const entries = await this.parts.store.readLog(discussionId, { after: this.lastCursor, limit: REPLAY_PAGE });
        for (const entry of entries) this.deliver({ ...entry, discussionId }, { unbounded: true });
        if (entries.length < REPLAY_PAGE) return;
        await queue.drained();
      }
    } catch (error) {
      queue.end(error);
    }
  }

  /** Delivers what arrived while the log was read, until another catch-up begins. */
  private drainBuffer(): void {
    this.catchingUp = false;
    while (!this.catchingUp) {
      const event = this.buffered.shift();
      if (event === undefined) return;
      this.deliver(event);
    }
  }

  private async catchUp(): Promise<void> {
    this.catchingUp = true;
    await this.readLogAfterLastCursor();
    this.drainBuffer();
  }

  /** A live entry whose predecessor in the log has not been delivered yet. */
  private missesEarlierEntry(event: PersistedEvent): boolean {
    return event.previousCursor !== undefined && compareCursors(event.previousCursor, this.lastCursor) > 0;
  }

  /** Queues an event for the consumer if it wants it. */
  private push(event: LiveEvent, options?: { unbounded: boolean }): void {
    if (this.wants(event)) this.queue.push(event, options);
  }

  /**
   * Live events that wait while the log is read (those that move the cursor or end the
   * stream, and the wanted ones); past the capacity the stream overflows, as its queue would.
   */
  private hold(event: LiveEvent): void {
    // Tokens and turn notices move no cursor and end nothing: only a wanted one waits.
    if ((event.type === 'token' || event.type === 'turn_restarted' || event.type === 'turn_ended') && !this.wants(event)) return;
    this.buffered.push(event);
    const { capacity } = this.options;
    if (capacity !== undefined && this.buffered.length > capacity) {
      this.buffered.length = 0;
      this.queue.overflow();
    }
  }

  private deliver(event: LiveEvent, options?: { unbounded: boolean }): void {
    const { queue } = this;
    if (queue.ended) return;
    switch (event.type) {
      case 'token':
        if (this.committedMessageIds?.has(event.messageId)) return;
        this.push(event);
        return;
      case 'message':
      case 'status':
      case 'speaker_selected':
      case 'tool_call':
        if (compareCursors(event.cursor, this.lastCursor) <= 0) return;
        if (this.missesEarlierEntry(event)) {
          // Read it from the log; this event and those after it wait their turn.
          this.buffered.unshift(event);
          void this.catchUp();
          return;
        }
        this.lastCursor = event.cursor;
        if (event.type === 'message') (this.committedMessageIds ??= new Set()).add(event.message.id);
        this.push(event, options);
        if (event.type === 'status' && isTerminal(event.change.status)) queue.end();
        return;
      case 'turn_restarted':
      case 'turn_ended':
        this.push(event);
        return;
      case 'deleted':
        this.push(event);
        queue.end();
        return;
      default: {
        const unexpected: never = event;
        throw new Error(`unknown event ${JSON.stringify(unexpected)}`);
      }
    }
  }

  /** The first catch-up, which may end the stream: it runs while the consumer reads, since long replays wait for it page by page. */
  private async replayThenGoLive(): Promise<void> {
    const { queue } = this;
    await this.readLogAfterLastCursor();
    try {
      // An ended discussion publishes nothing more, and its final events may have been
      // committed after the read but published after this check: read the log once more.
      // Its final status ends the stream; one that ended before the cursor has none left.
      // Only the status matters here: `access` reads it without decoding the whole record.
      const access = await this.parts.store.access(this.discussionId);
      if (access && isTerminal(access.status)) await this.readLogAfterLastCursor();
      if (!access || isTerminal(access.status)) queue.end();
    } catch (error) {
      queue.end(error);
    }
    this.drainBuffer();
  }
}
