import { DelayedError, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { WebhookDelivery } from './deliver.js';
import { attemptDelivery, type WebhookQueue, type WebhookQueueOptions, webhookQueueBase } from './webhook-queue.js';

export const WEBHOOK_QUEUE = 'webhooks';

/** How long a sent delivery's job is kept, so that enqueuing the same delivery again adds nothing. */
const KEEP_COMPLETED_SECONDS = 24 * 3_600;
/** How long a delivery that was given up on is kept, for inspection. */
const KEEP_FAILED_SECONDS = 7 * 24 * 3_600;

export interface BullmqWebhookQueueOptions extends WebhookQueueOptions {
  redisUrl: string;
  /** Namespaces the queue's keys, as the turn queue's (tests run side by side on one server). */
  prefix: string;
  /** Deliveries one worker process sends at once. */
  concurrency?: number;
}

const deliverySchema = z.object({ deliveryId: z.string(), discussionId: z.string(), url: z.string(), body: z.string() });

/**
 * Redis mode: each delivery is a BullMQ job whose id is the delivery id (an
 * enqueue of the same delivery adds nothing) and whose data is the body, so
 * every attempt, on whichever worker, sends the same bytes. BullMQ's own
 * attempts and exponential backoff retry it; a worker that dies mid-delivery
 * leaves a stalled job that another worker sends again (at least once). The
 * secret is not in the job: each worker signs with its own WEBHOOK_SECRET.
 */
export function createBullmqWebhookQueue(options: BullmqWebhookQueueOptions): WebhookQueue {
  const { redisUrl, prefix, logger, concurrency = 16 } = options;
  // BullMQ's connections must not give up on a command (it blocks and retries on its own).
  const connect = (name: string) => new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: name });
  const queueConnection = connect('webhook-queue');
  const queue = new Queue<WebhookDelivery>(WEBHOOK_QUEUE, { connection: queueConnection, prefix });
  queue.on('error', (error) => logger.warn({ message: error.message }, 'webhook queue error'));
  const shutdown = new AbortController();
  let worker: Worker<WebhookDelivery> | undefined;
  let workerConnection: Redis | undefined;

  const base = webhookQueueBase(options, async (delivery) => {
    await queue.add('deliver', delivery, {
      jobId: delivery.deliveryId,
      attempts: base.policy.attempts,
      backoff: { type: 'exponential', delay: base.policy.retryDelayMs },
      removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
      removeOnFail: { age: KEEP_FAILED_SECONDS },
    });
  });

  return {
    allowPrivate: base.allowPrivate,
    finished: base.finished,
    startWorker() {
      worker = new Worker<WebhookDelivery>(
        WEBHOOK_QUEUE,
        async (job, token) => {
          const parsed = deliverySchema.safeParse(job.data);
          if (!parsed.success) throw new UnrecoverableError(`job ${job.id} carries no webhook delivery`);
          // The job's own count of attempts: the process that enqueued it decided it.
          const policy = { ...base.policy, attempts: job.opts.attempts ?? base.policy.attempts };
          const result = await attemptDelivery(parsed.data, job.attemptsMade + 1, { ...options, policy, signal: shutdown.signal });
          switch (result) {
            case 'delivered':
              return;
            case 'retry':
              // BullMQ waits the backoff, then any worker tries again.
              throw new Error('webhook delivery failed; see the log');
            case 'gave-up':
              throw new UnrecoverableError('webhook delivery failed for good; see the log');
            case 'interrupted':
              if (token === undefined) throw new Error('webhook delivery interrupted by a shutdown');
              // This worker is shutting down mid-delivery: hand the job back at once, without using up an attempt.
              await job.moveToDelayed(Date.now(), token);
              throw new DelayedError();
            default: {
              const unexpected: never = result;
              throw new Error(`unknown attempt result ${String(unexpected)}`);
            }
          }
        },
        { connection: (workerConnection = connect('webhook-worker')), prefix, concurrency },
      );
      worker.on('error', (error) => logger.warn({ message: error.message }, 'webhook worker error'));
    },
    async close() {
      const closing = worker?.close();
      // Cut the deliveries in flight short: they go back to the queue.
      shutdown.abort();
      try {
        await closing;
        await queue.close();
      } finally {
        // Even when closing the worker or the queue failed: no connection is left open.
        await Promise.allSettled([queueConnection.quit(), workerConnection?.quit()]);
      }
    },
  };
}
