// Webhook deliveries as queued work, retried with exponential backoff: BullMQ
// in Redis mode (bullmq-webhook-queue.ts), timers in this process in memory mode.

import type { Logger } from 'pino';
import type { WebhookConfig } from '../config.js';
import type { DiscussionRecord } from '../store/types.js';
import { webhookOrigin } from './address.js';
import { createWebhookDelivery, sendWebhook, type WebhookDelivery } from './deliver.js';

/** How often and how patiently a delivery is tried. */
export interface WebhookRetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** The wait before the first retry; each later one waits twice as long as the one before. */
  retryDelayMs: number;
  /** How long one try waits for the receiver's answer. */
  timeoutMs: number;
}

/** 8 tries over about two minutes (1 s, 2 s, 4 s … 64 s between them), 10 s each. */
export const DEFAULT_RETRY_POLICY: WebhookRetryPolicy = { attempts: 8, retryDelayMs: 1_000, timeoutMs: 10_000 };

/** The wait before attempt `attempt + 1`, after `attempt` failed: BullMQ's exponential backoff. */
export const retryDelay = (policy: WebhookRetryPolicy, attempt: number): number => policy.retryDelayMs * 2 ** (attempt - 1);

export interface WebhookQueueOptions extends WebhookConfig {
  logger: Logger;
  retry?: Partial<WebhookRetryPolicy>;
}

/**
 * What the engine calls when a discussion ends (see EngineDependencies.webhooks),
 * and the process's side of it: a worker process sends, an API process only enqueues.
 */
export interface WebhookQueue {
  /** Whether a webhookUrl may name a loopback, private or link-local host. */
  readonly allowPrivate: boolean;
  /** Enqueues the delivery of a discussion that has just reached a final status (nothing when it has no webhookUrl). */
  finished(record: DiscussionRecord): Promise<void>;
  /** Starts sending what is enqueued. */
  startWorker(): void;
  /** Stops sending: a delivery in flight is cut short and left to be tried again. */
  close(): Promise<void>;
}

/** How one attempt ended, for the queue: done, try again later, or give up. */
export type AttemptResult = 'delivered' | 'retry' | 'gave-up' | 'interrupted';

/**
 * Sends one attempt and says what the queue should do next; logs the outcome
 * with the discussion and delivery ids and where it went (the origin only: a
 * path or query may carry a token). The secret is never logged.
 */
export async function attemptDelivery(
  delivery: WebhookDelivery,
  attempt: number,
  { secret, allowPrivate, logger, policy, signal }: WebhookConfig & { logger: Logger; policy: WebhookRetryPolicy; signal?: AbortSignal },
): Promise<AttemptResult> {
  const outcome = await sendWebhook(delivery, { secret, allowPrivate, attempt, timeoutMs: policy.timeoutMs, signal });
  const context = { discussionId: delivery.discussionId, deliveryId: delivery.deliveryId, target: webhookOrigin(delivery.url), attempt };
  if (outcome.ok) {
    logger.info({ ...context, status: outcome.status }, 'webhook delivered');
    return 'delivered';
  }
  if (signal?.aborted) return 'interrupted';
  if (outcome.retry && attempt < policy.attempts) {
    logger.info(
      { ...context, reason: outcome.reason, retryInMs: retryDelay(policy, attempt) },
      'webhook delivery failed; it will be retried',
    );
    return 'retry';
  }
  logger.warn({ ...context, attempts: attempt, reason: outcome.reason }, 'webhook delivery failed for good; giving up');
  return 'gave-up';
}

/** The queue's common part: the policy, and `finished` built on an enqueue. */
export function webhookQueueBase(
  { retry, allowPrivate }: WebhookQueueOptions,
  enqueue: (delivery: WebhookDelivery) => Promise<void>,
): { policy: WebhookRetryPolicy; allowPrivate: boolean; finished(record: DiscussionRecord): Promise<void> } {
  return {
    policy: { ...DEFAULT_RETRY_POLICY, ...retry },
    allowPrivate,
    async finished(record) {
      const delivery = createWebhookDelivery(record);
      if (delivery) await enqueue(delivery);
    },
  };
}

/**
 * Memory mode: each delivery is a promise in this process and each wait a
 * timer; the same delivery id enqueued twice is kept once. What has not been
 * delivered when the process stops is lost, as everything in memory mode is.
 */
export function createInProcessWebhookQueue(options: WebhookQueueOptions): WebhookQueue {
  const { logger } = options;
  const known = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const shutdown = new AbortController();
  /** Deliveries enqueued before the worker started. */
  let waiting: WebhookDelivery[] | undefined = [];

  const schedule = (delivery: WebhookDelivery, attempt: number, delayMs: number) => {
    timers.set(
      delivery.deliveryId,
      setTimeout(() => {
        timers.delete(delivery.deliveryId);
        const execution = run(delivery, attempt)
          .catch((error: unknown) => logger.error({ err: error, deliveryId: delivery.deliveryId }, 'webhook delivery failed unexpectedly'))
          .finally(() => running.delete(execution));
        running.add(execution);
      }, delayMs),
    );
  };

  async function run(delivery: WebhookDelivery, attempt: number): Promise<void> {
    const result = await attemptDelivery(delivery, attempt, { ...options, policy: base.policy, signal: shutdown.signal });
    switch (result) {
      case 'retry':
        if (!shutdown.signal.aborted) schedule(delivery, attempt + 1, retryDelay(base.policy, attempt));
        return;
      case 'delivered':
      case 'gave-up':
        // Done with: its id need not be remembered (a discussion ends once, so it is not enqueued again).
        known.delete(delivery.deliveryId);
        return;
      case 'interrupted':
        return;
      default: {
        const unexpected: never = result;
        throw new Error(`unknown attempt result ${String(unexpected)}`);
      }
    }
  }

  const base = webhookQueueBase(options, (delivery) => {
    if (shutdown.signal.aborted || known.has(delivery.deliveryId)) return Promise.resolve();
    known.add(delivery.deliveryId);
    if (waiting) waiting.push(delivery);
    else schedule(delivery, 1, 0);
    return Promise.resolve();
  });

  return {
    allowPrivate: base.allowPrivate,
    finished: base.finished,
    startWorker() {
      const pending = waiting ?? [];
      waiting = undefined;
      for (const delivery of pending) schedule(delivery, 1, 0);
    },
    async close() {
      shutdown.abort();
      const dropped = timers.size + (waiting?.length ?? 0);
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      waiting = [];
      if (dropped > 0) logger.warn({ dropped }, 'MEMORY MODE: webhook deliveries not yet sent are dropped at shutdown');
      await Promise.all(running);
    },
  };
}
