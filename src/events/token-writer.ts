import type { DiscussionStore } from '../store/types.js';
import type { EventBus } from './bus.js';
import type { TokenEvent } from './types.js';

/**
 * Where a streamed delta goes: the in-flight text (for readers who arrive
 * later) and the discussion's channel (for those watching), while the delta's
 * message is still the in-flight one. A replaced attempt's deltas go nowhere.
 */
export interface TokenWriter {
  /** False when the message is no longer in flight (nothing was written or published). */
  write(event: TokenEvent): Promise<boolean>;
}

/** The general writer: the store's fenced append, then the bus. */
export function createTokenWriter({ store, bus }: { store: DiscussionStore; bus: EventBus }): TokenWriter {
  return {
    async write(event) {
      if (!(await store.appendInFlight(event.discussionId, event.delta, event.messageId))) return false;
      await bus.publish(event.discussionId, event);
      return true;
    },
  };
}
