import { DelayedError, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { injectTraceCarrier } from '../tracing/trace-context.js';
import { type TurnHandler, type TurnJob, TurnInterruptedError, type TurnScheduler } from './types.js';

export const TURN_QUEUE = 'turns';

export interface BullmqSchedulerOptions {
  redisUrl: string;
  /** Namespaces the queue's keys (tests run side by side on one server). */
  prefix: string;
  logger: Logger;
  /** Turns one worker process runs at once; turns wait on I/O, so many fit. */
  concurrency: number;
  /** How long a worker's claim on a turn lasts without renewal: a killed worker's turn is taken over after about this long. */
  lockDurationMs: number;
  /** How often a worker renews its claims: it keeps a turn through any stall shorter than lockDurationMs - lockRenewMs. */
  lockRenewMs: number;
  /** How often the workers look for turns whose claim lapsed (whichever worker looks first does it). */
  stallCheckMs: number;
}

// BullMQ refuses ':' in custom ids.
const bullJobId = ({ discussionId, turn, kind = 'turn' }: TurnJob): string => `${discussionId}.${turn}.${kind}`;

const turnJobSchema = z.object({
  discussionId: z.string(),
  turn: z.number(),
  kind: z.enum(['turn', 'human-timeout']).optional(),
  trace: z.record(z.string(), z.string()).optional(),
});

// A job's data comes back from Redis: checked before it is trusted.
const isTurnJob = (value: unknown): value is TurnJob => turnJobSchema.safeParse(value).success;

/**
 * Redis mode: each turn is a BullMQ job whose id is the discussion, turn number
 * and kind, so a turn is enqueued at most once while it waits or runs. Any
 * worker process takes it; when one dies mid-turn its lock lapses and another
 * worker runs the turn again (the fenced commit keeps it from landing twice).
 *
 * BullMQ's side of it: a lock renewal timer in each worker's event loop, and a
 * stalled-job check that any worker runs (one at a time: a Redis key with a TTL
 * of stallCheckMs spaces them). A check marks every active job and moves on to
 * the queue again those marked by the previous check whose lock is gone; a
 * renewal unmarks its jobs. So a killed worker's turn is taken over at the
 * first check after its lock ran out, while a live one's is never moved: a
 * renewal that comes late but before the lock runs out keeps it.
 */
export function createBullmqScheduler({
  redisUrl,
  prefix,
  logger,
  concurrency,
  lockDurationMs,
  lockRenewMs,
  stallCheckMs,
}: BullmqSchedulerOptions): TurnScheduler {
  // BullMQ's connections must not give up on a command (it blocks and retries on its own).
  const connect = (name: string) => new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: name });
  const queueConnection = connect('turn-queue');
  const queue = new Queue<TurnJob>(TURN_QUEUE, { connection: queueConnection, prefix });
  queue.on('error', (error) => logger.warn({ message: error.message }, 'turn queue error'));
  let worker: Worker<TurnJob> | undefined;
  let workerConnection: Redis | undefined;

  return {
    async schedule(job, { delayMs = 0 } = {}) {
      // The job carries the trace context of whoever scheduled it, so the worker's turn joins that trace.
      const trace = injectTraceCarrier();
      await queue.add(job.kind ?? 'turn', trace ? { ...job, trace } : job, {
        jobId: bullJobId(job),
        delay: delayMs,
        removeOnComplete: true,
        removeOnFail: 1_000,
        // A failing handler is a bug, not a provider error (those are recorded as turns): retry a little, then keep the job for inspection.
        attempts: 3,
        backoff: { type: 'exponential', delay: 500 },
      });
    },
    async cancel(job) {
      await queue.remove(bullJobId(job));
    },
    async isReady() {
      try {
        await queue.getJobCounts('wait');
        return true;
      } catch {
        return false;
      }
    },
    waitingCount: () => queue.getWaitingCount(),
    startWorker(handler: TurnHandler, onStart?: (startLagMs: number) => void) {
      worker = new Worker<TurnJob>(
        TURN_QUEUE,
        async (job, token) => {
          if (!isTurnJob(job.data)) throw new Error(`job ${job.id} carries no turn`);
          onStart?.(Math.max(0, Date.now() - (job.timestamp + (job.opts.delay ?? 0))));
          try {
            await handler(job.data);
          } catch (error) {
            if (!(error instanceof TurnInterruptedError) || token === undefined) throw error;
            // This worker is shutting down mid-turn: hand the job back at once, without using up an attempt.
            await job.moveToDelayed(Date.now(), token);
            throw new DelayedError();
          }
        },
        {
          connection: (workerConnection = connect('turn-worker')),
          prefix,
          concurrency,
          lockDuration: lockDurationMs,
          // BullMQ's timer fires every lockRenewTime / 2 and renews every lock older than that: each lock every lockRenewMs.
          lockRenewTime: 2 * lockRenewMs,
          stalledInterval: stallCheckMs,
          // A turn whose worker keeps dying is still retried: each retry starts the turn over.
          maxStalledCount: 1_000,
        },
      );
      worker.on('error', (error) => logger.warn({ message: error.message }, 'turn worker error'));
      // A turn starts over: its worker died, or stalled past TURN_LOCK_MS (if these come without a crash, raise it).
      worker.on('lockRenewalFailed', (jobIds) =>
        logger.warn(
          { jobIds, lockDurationMs },
          'could not renew the claim on turns: unless they just ended, another worker takes them over',
        ),
      );
      worker.on('stalled', (jobId) => logger.warn({ jobId, lockDurationMs }, 'took back a turn whose worker stopped renewing its claim'));
      worker.on('failed', (job, error) => logger.error({ jobId: job?.id, message: error.message }, 'turn job failed'));
    },
    async close() {
      await worker?.close();
      await queue.close();
      await Promise.all([queueConnection.quit(), workerConnection?.quit()]);
    },
  };
}
