// What both stores share for RETENTION_DAYS and the per-status counts: the
// sweep that runs beside a store, and a tally of statuses.

import { isTerminal, type DiscussionStatus } from '../domain.js';

/** How many discussions are in each status: every status, 0 when none. */
export type StatusCounts = Record<DiscussionStatus, number>;

/** Every status at 0, then `counts` over it. */
export function fillStatusCounts(counts: Partial<StatusCounts> = {}): StatusCounts {
  return {
    CREATED: counts.CREATED ?? 0,
    RUNNING: counts.RUNNING ?? 0,
    PAUSED: counts.PAUSED ?? 0,
    WAITING_FOR_HUMAN: counts.WAITING_FOR_HUMAN ?? 0,
    COMPLETED: counts.COMPLETED ?? 0,
    STOPPED: counts.STOPPED ?? 0,
    FAILED: counts.FAILED ?? 0,
  };
}

/**
 * How often a store looks for discussions whose retention has run out: a tenth
 * of the retention, between 100 ms (tests retain for a second) and a minute
 * (an index entry outlives its discussion by at most that; `list` skips it meanwhile).
 */
export const sweepIntervalMs = (retentionMs: number): number => Math.min(60_000, Math.max(100, Math.round(retentionMs / 10)));

export interface Sweeper {
  /** Stops the timer and waits for a sweep under way, so nothing runs after it resolves. */
  stop(): Promise<void>;
}

/**
 * Runs `sweep` every `intervalMs`, never two at once, on an unref'd timer (it
 * keeps no process alive). A sweep that fails goes to `onError`; the next one
 * tries again.
 */
export function startSweeper({
  intervalMs,
  sweep,
  onError,
}: {
  intervalMs: number;
  sweep: () => Promise<void> | void;
  onError: (error: unknown) => void;
}): Sweeper {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running !== undefined) return;
    running = Promise.resolve()
      .then(sweep)
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

export interface ExpirySchedule {
  /** After a transition: an ended discussion expires a retention from now; any other never does. */
  statusChanged(id: string, status: DiscussionStatus): void;
  /** The discussion is gone: nothing to expire. */
  forget(id: string): void;
  stop(): Promise<void>;
}

/** The memory store's retention: when each ended discussion is dropped, and the sweep that calls `expire`. */
export function createExpirySchedule({ retentionMs, expire }: { retentionMs?: number; expire: (id: string) => void }): ExpirySchedule {
  const expiresAt = new Map<string, number>();
  const sweeper =
    retentionMs === undefined
      ? undefined
      : startSweeper({
          intervalMs: sweepIntervalMs(retentionMs),
          sweep: () => {
            const now = Date.now();
            for (const [id, at] of expiresAt) if (at <= now) expire(id);
          },
          // The sweep only touches maps: nothing in it fails.
          onError: () => {},
        });
  return {
    statusChanged(id, status) {
      if (!isTerminal(status)) expiresAt.delete(id);
      else if (retentionMs !== undefined) expiresAt.set(id, Date.now() + retentionMs);
    },
    forget: (id) => expiresAt.delete(id),
    stop: async () => sweeper?.stop(),
  };
}
