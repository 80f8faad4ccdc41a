import type { TraceCarrier } from '../tracing/trace-context.js';

/**
 * A unit of work for a discussion: `turn` runs its next turn; `human-timeout`
 * ends the wait for a human who has not spoken in time.
 */
export interface TurnJob {
  discussionId: string;
  turn: number;
  kind?: 'turn' | 'human-timeout';
  /** The trace context of the request that caused it (set by the scheduler when tracing is on). */
  trace?: TraceCarrier;
}

export type TurnHandler = (job: TurnJob) => Promise<void>;

/**
 * Thrown by a handler whose turn this process's shutdown interrupted before it
 * was committed: the job goes back to the queue for another worker.
 */
export class TurnInterruptedError extends Error {
  constructor(job: TurnJob) {
    super(`turn ${job.turn} of discussion ${job.discussionId} was interrupted by a shutdown`);
    this.name = 'TurnInterruptedError';
  }
}

/**
 * Decides when and where turns run. A job is identified by its discussion, turn
 * number and kind: scheduling one that is already waiting or running adds nothing.
 */
export interface TurnScheduler {
  schedule(job: TurnJob, options?: { delayMs?: number }): Promise<void>;
  /** Drops a job that has not started yet (a human's timeout when the wait ends early). */
  cancel(job: TurnJob): Promise<void>;
  /**
   * Starts running jobs with `handler` (a process that only serves the API never calls this); `onStart` hears how
   * long each job waited past the time it was due.
   */
  startWorker(handler: TurnHandler, onStart?: (startLagMs: number) => void): void;
  /** Jobs due to run that no worker has taken yet (delayed ones, such as a human's wait, are not counted). */
  waitingCount(): Promise<number>;
  /** Whether jobs can be enqueued now (the queue's store answers). */
  isReady(): Promise<boolean>;
  /** Stops taking jobs and waits for the running ones to settle. */
  close(): Promise<void>;
}

export const jobKey = ({ discussionId, turn, kind = 'turn' }: TurnJob): string => `${discussionId}:${turn}:${kind}`;
