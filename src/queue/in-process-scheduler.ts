import type { Logger } from 'pino';
import { injectTraceCarrier } from '../tracing/trace-context.js';
import { jobKey, type TurnHandler, type TurnJob, TurnInterruptedError, type TurnScheduler } from './types.js';

/** Turns run in this process, each on its own promise; a delayed job is one timer. */
export function createInProcessScheduler({ logger }: { logger: Logger }): TurnScheduler {
  const waiting = new Map<string, NodeJS.Timeout>();
  /** When each waiting job is due (Date.now() milliseconds). */
  const dueAt = new Map<string, number>();
  const running = new Map<string, Promise<void>>();
  let handler: TurnHandler | undefined;
  let onStart: ((startLagMs: number) => void) | undefined;
  let closed = false;

  const run = (job: TurnJob, key: string) => {
    waiting.delete(key);
    const due = dueAt.get(key);
    dueAt.delete(key);
    if (closed || !handler) return;
    if (due !== undefined) onStart?.(Math.max(0, Date.now() - due));
    const execution = handler(job)
      // An interrupted turn has nowhere else to go: this process, and memory mode's state, end here.
      .catch((error: unknown) =>
        error instanceof TurnInterruptedError ? undefined : logger.error({ err: error, ...job }, 'turn failed unexpectedly'),
      )
      .finally(() => running.delete(key));
    running.set(key, execution);
  };

  return {
    schedule(job, { delayMs = 0 } = {}) {
      const key = jobKey(job);
      if (closed || waiting.has(key) || running.has(key)) return Promise.resolve();
      const trace = injectTraceCarrier();
      const queued = trace ? { ...job, trace } : job;
      // setTimeout even for 0: the caller's own work finishes before the turn starts.
      waiting.set(
        key,
        setTimeout(() => run(queued, key), delayMs),
      );
      dueAt.set(key, Date.now() + delayMs);
      return Promise.resolve();
    },
    cancel(job) {
      const key = jobKey(job);
      clearTimeout(waiting.get(key));
      waiting.delete(key);
      dueAt.delete(key);
      return Promise.resolve();
    },
    waitingCount() {
      const now = Date.now();
      return Promise.resolve([...dueAt.values()].filter((due) => due <= now).length);
    },
    isReady: () => Promise.resolve(!closed),
    startWorker(turnHandler, observeStart) {
      handler = turnHandler;
      onStart = observeStart;
    },
    async close() {
      closed = true;
      for (const timer of waiting.values()) clearTimeout(timer);
      waiting.clear();
      dueAt.clear();
      await Promise.all(running.values());
    },
  };
}
