import { createMessageRecord } from './message-records.js';
import type { TurnContext } from './turn-context.js';

/** Why a running turn was aborted: a user's stop keeps the partial text; a shutdown leaves the turn to run again. */
export type AbortReason = 'stop' | 'shutdown';

interface ActiveTurn {
  controller: AbortController;
  settled: Promise<void>;
}

/** The turns running in this process, and how a turn is ended before it commits. */
export interface ActiveTurns {
  /** Runs `turn` as the discussion's turn in this process, abortable by `cancel` until it settles; gives back its controller. */
  track(discussionId: string, turn: (controller: AbortController) => Promise<void>): Promise<AbortController>;
  /** Aborts the discussion's running turn in this process, if any, and waits for it to settle. */
  cancel(discussionId: string, reason: AbortReason): Promise<void>;
  /** Aborts every running turn in this process. */
  cancelAll(reason: AbortReason): Promise<void>;
  /** Whether this process runs a turn of the discussion now. */
  isRunning(discussionId: string): boolean;
  /** Ends a turn whose process is gone, if `messageId` is still its in-flight message (see TurnRunner.abandonTurn). */
  abandonTurn(discussionId: string, messageId: string): Promise<void>;
}

export function createActiveTurns({ store, now, commitTurn }: TurnContext): ActiveTurns {
  // A set per discussion: a repeated job (its lock lapsed under load) may begin a newer attempt here
  // while the older one is still winding down, and a stop must reach both.
  const active = new Map<string, Set<ActiveTurn>>();

  async function track(discussionId: string, turn: (controller: AbortController) => Promise<void>) {
    const controller = new AbortController();
    let settle = () => {};
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const entry = { controller, settled };
    const attempts = active.get(discussionId) ?? new Set<ActiveTurn>();
    active.set(discussionId, attempts.add(entry));
    try {
      await turn(controller);
    } finally {
      attempts.delete(entry);
      if (attempts.size === 0) active.delete(discussionId);
      settle();
    }
    return controller;
  }

  async function cancel(discussionId: string, reason: AbortReason): Promise<void> {
    const running = [...(active.get(discussionId) ?? [])];
    for (const { controller } of running) controller.abort(reason);
    await Promise.all(running.map(({ settled }) => settled));
  }

  async function abandonTurn(discussionId: string, messageId: string): Promise<void> {
    const inFlight = await store.getInFlight(discussionId);
    if (inFlight?.messageId !== messageId) return;
    const record = await store.get(discussionId);
    if (!record || record.turn !== inFlight.turn || inFlight.text.length === 0) {
      await store.clearInFlight(discussionId, messageId);
      return;
    }
    const { author, provider, model, text, round, turn } = inFlight;
    const partial = createMessageRecord(
      discussionId,
      { id: messageId, author, role: 'AGENT', provider, model, content: text, round, turn, finishReason: 'cancelled' },
      now(),
    );
    await commitTurn(record, partial, 0, messageId);
  }

  return {
    track,
    cancel,
    cancelAll: (reason) => Promise.all([...active.keys()].map((discussionId) => cancel(discussionId, reason))).then(() => undefined),
    isRunning: (discussionId) => active.has(discussionId),
    abandonTurn,
  };
}
