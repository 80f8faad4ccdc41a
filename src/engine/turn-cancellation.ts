import { STOP_REASONS } from '../domain.js';
import type { DiscussionRecord } from '../store/types.js';
import { type EngineDependencies, OPEN_STATUSES, transitionAndPublish } from './dependencies.js';
import type { TurnRunner } from './turn-runner.js';

/** How long a stop waits for the process running the turn to cancel it before ending the turn itself (STOP_CANCEL_TIMEOUT_MS). */
const REMOTE_CANCEL_TIMEOUT_MS = 5_000;
/** Takeovers of the turn a stop follows before it ends the latest attempt itself. */
const MAX_CANCEL_ATTEMPTS = 3;
/** Turns begun during a stop that it cancels before it forces the final status. */
const MAX_STOP_ATTEMPTS = 10;

/**
 * Stopping a discussion wherever its turn runs: in this process, the runner
 * aborts it; elsewhere, a command over the bus asks the process running it,
 * and a turn whose process is gone is ended here.
 */
export function createTurnCancellation(dependencies: EngineDependencies & { runner: TurnRunner }) {
  const { store, bus, runner } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  const remoteCancelTimeoutMs = dependencies.stopCancelTimeoutMs ?? REMOTE_CANCEL_TIMEOUT_MS;

  /** Resolves true once the turn streaming `messageId` has ended, false after the timeout. */
  async function waitForTurnEnd(id: string, messageId: string, request: () => Promise<void>): Promise<boolean> {
    let finish: (ended: boolean) => void = () => {};
    const ended = new Promise<boolean>((resolve) => (finish = resolve));
    const unsubscribe = await bus.subscribe(id, (event) => {
      if ((event.type === 'turn_ended' && event.messageId === messageId) || (event.type === 'message' && event.message.id === messageId))
        finish(true);
    });
    const timer = setTimeout(() => finish(false), remoteCancelTimeoutMs);
    try {
      await request();
      // It may have ended before the subscription was live.
      if ((await store.getInFlight(id))?.messageId !== messageId) finish(true);
      return await ended;
    } finally {
      clearTimeout(timer);
      unsubscribe();
    }
  }

  /** Cancels the discussion's turn wherever it runs and waits until it has settled, so its partial message precedes what follows. */
  async function cancelTurn(id: string): Promise<void> {
    if (runner.isRunning(id)) return runner.cancel(id, 'stop');
    let inFlight = await store.getInFlight(id);
    for (let attempt = 1; inFlight && attempt <= MAX_CANCEL_ATTEMPTS; attempt += 1) {
      const { messageId } = inFlight;
      const settled = await waitForTurnEnd(id, messageId, () => bus.sendCommand({ type: 'cancel_turn', discussionId: id, reason: 'stop' }));
      if (settled) return;
      // No process answered: the one running the turn is gone. End its turn here. If another
      // worker took the turn over meanwhile, its attempt replaced the in-flight message (and
      // told subscribers to discard this one): this does nothing, and the loop cancels that attempt.
      await runner.abandonTurn(id, messageId);
      inFlight = await store.getInFlight(id);
    }
  }

  /**
   * Ends an open discussion as STOPPED; undefined when it was not open. The turn in flight
   * is cancelled first so its partial message precedes the final status (subscriptions end
   * on it), and the status changes only while no message is in flight: a turn that began
   * meanwhile is cancelled in its turn. Once STOPPED, no turn begins or commits (the store
   * fences both), so nothing reaches the log or the subscribers after the final status.
   */
  async function stopDiscussion(id: string): Promise<DiscussionRecord | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      await cancelTurn(id);
      // Turns that keep beginning between a cancel and the change are chased this often, then
      // the change is forced: the turn still running can no longer commit, and is cancelled.
      const forced = attempt > MAX_STOP_ATTEMPTS;
      const stopped = await transitionAndPublish(dependencies, id, {
        from: OPEN_STATUSES,
        to: 'STOPPED',
        patch: { stopReason: STOP_REASONS.stoppedByUser, finishedAt: now().toISOString(), nextSpeaker: null },
        whenIdle: !forced,
      });
      if (stopped) {
        if (forced) await cancelTurn(id);
        return stopped;
      }
      const access = await store.access(id);
      if (!access || !OPEN_STATUSES.includes(access.status)) return undefined;
    }
  }

  return { stopDiscussion };
}
