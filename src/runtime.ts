import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { PubSub } from 'graphql-subscriptions';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { OwnerQuotas } from './engine/quotas.js';
import { createEventBus, type EventBus } from './events/bus.js';
import { createRedisTokenWriter } from './events/redis-token-writer.js';
import { createTokenWriter, type TokenWriter } from './events/token-writer.js';
import { createOwnerQuotas } from './limits/owner-quotas.js';
import { createProviderSlots, type ProviderSlots, type SlotWaitObserver } from './limits/provider-slots.js';
import { createBullmqScheduler } from './queue/bullmq-scheduler.js';
import { createInProcessScheduler } from './queue/in-process-scheduler.js';
import type { TurnScheduler } from './queue/types.js';
import { redisUnreachable } from './startup-errors.js';
import { createMemoryStore } from './store/memory-store.js';
import { createRedisStore } from './store/redis-store.js';
import type { DiscussionStore } from './store/types.js';
import { createBullmqWebhookQueue } from './webhooks/bullmq-webhook-queue.js';
import { createInProcessWebhookQueue, type WebhookQueue, type WebhookRetryPolicy } from './webhooks/webhook-queue.js';

/** The storage, pub/sub and scheduling flavour the process runs with. */
export interface Runtime {
  mode: 'memory' | 'redis';
  store: DiscussionStore;
  bus: EventBus;
  /** Streamed deltas: in Redis mode one script appends and publishes each. */
  tokens: TokenWriter;
  scheduler: TurnScheduler;
  /** Per-owner quotas, in Redis when the store is, so every replica shares them. */
  quotas: OwnerQuotas;
  /** Webhook deliveries of finished discussions: a BullMQ queue of their own in Redis mode. */
  webhooks: WebhookQueue;
  /** PROVIDER_CONCURRENCY's call slots and 429 pauses, shared by every worker in Redis mode. */
  slots: ProviderSlots;
  /** Whether storage and the queue answer now. */
  isReady(): Promise<boolean>;
  /** Closes pub/sub and connections; call after subscriptions and turns have ended. */
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 2_000;

export interface RuntimeOptions {
  /** Namespaces every Redis key and channel (tests run side by side on one server). */
  keyPrefix?: string;
  /** Overrides of the webhook retry policy (tests make the backoff short). */
  webhookRetry?: Partial<WebhookRetryPolicy>;
  /** Hears how long provider calls waited for a slot (the metrics). */
  slotObserver?: SlotWaitObserver;
}

export function createMemoryRuntime(config: Config, logger: Logger, { webhookRetry, slotObserver }: RuntimeOptions = {}): Runtime {
  const slots = createProviderSlots({ limits: config.providerConcurrency, observer: slotObserver });
  const scheduler = createInProcessScheduler({ logger });
  const webhooks = createInProcessWebhookQueue({ ...config.webhooks, logger, retry: webhookRetry });
  const store = createMemoryStore({ retentionMs: config.retentionMs });
  // Each subscription is a listener on its discussion's event: many watchers of one discussion are normal, not a leak.
  const bus = createEventBus({ pubsub: new PubSub({ eventEmitter: new EventEmitter().setMaxListeners(0) }), logger });
  return {
    mode: 'memory',
    store,
    quotas: createOwnerQuotas(config.limits),
    bus,
    tokens: createTokenWriter({ store, bus }),
    scheduler,
    webhooks,
    slots,
    isReady: () => scheduler.isReady(),
    close: async () => {
      await slots.close();
      await webhooks.close();
      await store.close();
    },
  };
}

export async function createRedisRuntime(
  config: Config & { redisUrl: string },
  logger: Logger,
  { keyPrefix = config.redisKeyPrefix, webhookRetry, slotObserver }: RuntimeOptions = {},
): Promise<Runtime> {
  const { redisUrl } = config;
  // ioredis rejects a failed first connect with "Connection is closed."; the reason is in its error event.
  let lastError: string | undefined;
  const connect = (name: string) => {
    const client = new Redis(redisUrl, { connectionName: name, lazyConnect: true, maxRetriesPerRequest: 20 });
    client.on('error', (error: Error) => {
      lastError = error.message;
      logger.warn({ connection: name, message: error.message }, 'redis connection error');
    });
    return client;
  };
  // Commands, publishing and subscribing each need their own connection. Token writes have one too, which
  // carries one script per event-loop turn for every running turn's writes (redis-token-writer.ts): each turn
  // awaits its writes in order, and its commit comes after the last, so no order between connections is needed.
  const commands = connect('store');
  const publisher = connect('publisher');
  const subscriber = connect('subscriber');
  const tokenWrites = connect('tokens');
  const connections = [commands, publisher, subscriber, tokenWrites];
  try {
    await Promise.all(connections.map((client) => client.connect()));
  } catch (error) {
    // ioredis would go on retrying in the background: at start-up, say what to do instead.
    for (const client of connections) client.disconnect();
    const reason = lastError ?? (error instanceof Error ? error.message : String(error));
    throw redisUnreachable(redisUrl, reason, error);
  }
  const pubsub = new RedisPubSub({ publisher, subscriber });
  const scheduler = createBullmqScheduler({ redisUrl, prefix: `${keyPrefix}bull`, logger, ...config.worker });
  const store = createRedisStore({ redis: commands, keyPrefix, logger, retentionMs: config.retentionMs });
  const webhooks = createBullmqWebhookQueue({ ...config.webhooks, redisUrl, prefix: `${keyPrefix}bull`, logger, retry: webhookRetry });
  const slots = createProviderSlots({ limits: config.providerConcurrency, redis: commands, keyPrefix, observer: slotObserver });
  return {
    mode: 'redis',
    store,
    quotas: createOwnerQuotas(config.limits, { redis: commands, keyPrefix }),
    bus: createEventBus({ pubsub, channelPrefix: keyPrefix, logger }),
    tokens: createRedisTokenWriter({ redis: tokenWrites, keyPrefix }),
    scheduler,
    webhooks,
    slots,
    async isReady() {
      // Within a probe's patience: a Redis that is down makes commands wait for the reconnection.
      const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), READY_TIMEOUT_MS).unref());
      const check = Promise.all([commands.ping(), scheduler.isReady()]).then(
        ([pong, queueReady]) => pong === 'PONG' && queueReady,
        () => false,
      );
      return Promise.race([check, timeout]);
    },
    async close() {
      // After the turns: a turn that ended during the shutdown has enqueued its webhook by now.
      await slots.close();
      await webhooks.close();
      await pubsub.close();
      // Its retention sweep runs on `commands`.
      await store.close();
      await Promise.all([commands.quit(), tokenWrites.quit()]);
    },
  };
}

export function createRuntime(config: Config, logger: Logger, options?: RuntimeOptions): Promise<Runtime> {
  const { redisUrl } = config;
  return redisUrl
    ? createRedisRuntime({ ...config, redisUrl }, logger, options)
    : Promise.resolve(createMemoryRuntime(config, logger, options));
}
