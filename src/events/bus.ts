import type { PubSubEngine } from 'graphql-subscriptions';
import type { CancelTurnCommand, LiveEvent } from './types.js';

export type Unsubscribe = () => void;

/** Live events per discussion. Delivery order per discussion is publish order. */
export interface EventBus {
  publish(discussionId: string, event: LiveEvent): Promise<void>;
  /** Resolves once every event published from then on reaches `listener`. */
  subscribe(discussionId: string, listener: (event: LiveEvent) => void): Promise<Unsubscribe>;
  /** Live listeners of a discussion in this process. */
  listenerCount(discussionId: string): number;
  /** Resolves once this process has at least `count` live listeners on the discussion. */
  whenListening(discussionId: string, count: number): Promise<void>;
  /** Commands to every process (the one running a turn acts on them). */
  sendCommand(command: CancelTurnCommand): Promise<void>;
  onCommand(listener: (command: CancelTurnCommand) => void): Promise<Unsubscribe>;
}

/**
 * One bus over any graphql-subscriptions engine: the in-process PubSub in memory
 * mode, RedisPubSub in Redis mode. Their `subscribe` resolves once the channel is
 * live (RedisPubSub waits for Redis to confirm), which replay relies on.
 */
export function createEventBus({ pubsub, channelPrefix = '' }: { pubsub: PubSubEngine; channelPrefix?: string }): EventBus {
  const channel = (discussionId: string) => `${channelPrefix}disc:{${discussionId}}:events`;
  const commandChannel = `${channelPrefix}commands`;
  const listeners = new Map<string, number>();
  const waiters = new Set<{ discussionId: string; count: number; resolve: () => void }>();

  const setCount = (discussionId: string, change: number) => {
    const count = (listeners.get(discussionId) ?? 0) + change;
    if (count > 0) listeners.set(discussionId, count);
    else listeners.delete(discussionId);
    for (const waiter of waiters) {
      if (waiter.discussionId === discussionId && count >= waiter.count) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  };

  return {
    publish: (discussionId, event) => pubsub.publish(channel(discussionId), event),
    async subscribe(discussionId, listener) {
      const subscriptionId = await pubsub.subscribe(channel(discussionId), (payload: LiveEvent) => listener(payload), {});
      setCount(discussionId, 1);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        pubsub.unsubscribe(subscriptionId);
        setCount(discussionId, -1);
      };
    },
    sendCommand: (command) => pubsub.publish(commandChannel, command),
    async onCommand(listener) {
      const subscriptionId = await pubsub.subscribe(commandChannel, (payload: CancelTurnCommand) => listener(payload), {});
      return () => pubsub.unsubscribe(subscriptionId);
    },
    listenerCount: (discussionId) => listeners.get(discussionId) ?? 0,
    whenListening: (discussionId, count) =>
      (listeners.get(discussionId) ?? 0) >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.add({ discussionId, count, resolve })),
  };
}
