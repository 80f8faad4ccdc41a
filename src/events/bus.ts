import type { PubSubEngine } from 'graphql-subscriptions';
import { pino, type Logger } from 'pino';
import { cancelTurnCommandSchema, liveEventSchema } from './types.js';
import type { CancelTurnCommand, LiveEvent } from './types.js';

export type Unsubscribe = () => void;

/** The pub/sub channel of a discussion's live events. */
export const discussionChannel = (channelPrefix: string, discussionId: string): string => `${channelPrefix}disc:{${discussionId}}:events`;

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
 *
 * A payload is parsed before a listener sees it: one that is not an event (or a
 * command) of ours, or an event of another discussion, is dropped with a warning.
 */
export function createEventBus({
  pubsub,
  channelPrefix = '',
  logger = pino(),
}: {
  pubsub: PubSubEngine;
  channelPrefix?: string;
  logger?: Logger;
}): EventBus {
  const channel = (discussionId: string) => discussionChannel(channelPrefix, discussionId);
  const commandChannel = `${channelPrefix}commands`;

  // Every local listener of a channel gets the same payload object: parse it once, not once per listener.
  const parsedPayloads = new WeakMap<object, LiveEvent | undefined>();
  const readEvent = (discussionId: string, payload: unknown): LiveEvent | undefined => {
    if (typeof payload === 'object' && payload !== null) {
      if (parsedPayloads.has(payload)) return parsedPayloads.get(payload);
      const event = parseEvent(discussionId, payload);
      parsedPayloads.set(payload, event);
      return event;
    }
    return parseEvent(discussionId, payload);
  };

  const parseEvent = (discussionId: string, payload: unknown): LiveEvent | undefined => {
    const parsed = liveEventSchema.safeParse(payload);
    if (!parsed.success) {
      logger.warn({ discussionId, issues: parsed.error.issues }, 'dropped a pub/sub message that is not an event');
      return undefined;
    }
    if (parsed.data.discussionId !== discussionId) {
      logger.warn({ discussionId, eventDiscussionId: parsed.data.discussionId }, 'dropped a pub/sub event of another discussion');
      return undefined;
    }
    return parsed.data;
  };

  const readCommand = (payload: unknown): CancelTurnCommand | undefined => {
    const parsed = cancelTurnCommandSchema.safeParse(payload);
    if (parsed.success) return parsed.data;
    logger.warn({ issues: parsed.error.issues }, 'dropped a pub/sub message that is not a command');
    return undefined;
  };

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
      const subscriptionId = await pubsub.subscribe(
        channel(discussionId),
        (payload: unknown) => {
          const event = readEvent(discussionId, payload);
          if (event !== undefined) listener(event);
        },
        {},
      );
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
      const subscriptionId = await pubsub.subscribe(
        commandChannel,
        (payload: unknown) => {
          const command = readCommand(payload);
          if (command !== undefined) listener(command);
        },
        {},
      );
      return () => {
        pubsub.unsubscribe(subscriptionId);
      };
    },
    listenerCount: (discussionId) => listeners.get(discussionId) ?? 0,
    whenListening: (discussionId, count) =>
      (listeners.get(discussionId) ?? 0) >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.add({ discussionId, count, resolve })),
  };
}
