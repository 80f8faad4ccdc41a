// The turns running in one process (src/engine/active-turns.ts). A job repeated while its
// first attempt still winds down (its lock lapsed under load, and the same worker took it
// again) runs beside that attempt: a stop must reach both, whichever of them ends first.

import { PubSub } from 'graphql-subscriptions';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createActiveTurns } from '../../src/engine/active-turns.js';
import { createTurnContext } from '../../src/engine/turn-context.js';
import { createEventBus } from '../../src/events/bus.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { recordingScheduler, scriptedRegistry } from '../support/engine-doubles.js';

function activeTurns() {
  return createActiveTurns(
    createTurnContext({
      store: createMemoryStore(),
      bus: createEventBus({ pubsub: new PubSub() }),
      providers: scriptedRegistry(undefined),
      scheduler: recordingScheduler().scheduler,
      logger: pino({ level: 'silent' }),
    }),
  );
}

/** A turn that runs until it is aborted or the test ends it. */
function attempt(turns: ReturnType<typeof activeTurns>, discussionId: string) {
  let end = () => {};
  let controller: AbortController | undefined;
  const done = turns.track(discussionId, (turnController) => {
    controller = turnController;
    return new Promise<void>((resolve) => {
      end = resolve;
      turnController.signal.addEventListener('abort', () => resolve());
    });
  });
  return {
    done,
    end: () => end(),
    get aborted() {
      return controller?.signal.aborted ?? false;
    },
  };
}

describe('the active turns of a process', () => {
  it('still cancels the newer attempt of a discussion after the older one ended by itself', async () => {
    const turns = activeTurns();
    const older = attempt(turns, 'd-1');
    const newer = attempt(turns, 'd-1');
    older.end();
    await older.done;
    expect(turns.isRunning('d-1')).toBe(true);

    await turns.cancel('d-1', 'stop');
    expect(newer.aborted).toBe(true);
    expect((await newer.done).signal.reason).toBe('stop');
    expect(turns.isRunning('d-1')).toBe(false);
  });

  it('cancels every attempt of the discussion, and only of that one, and waits for them all', async () => {
    const turns = activeTurns();
    const [first, second, other] = [attempt(turns, 'd-1'), attempt(turns, 'd-1'), attempt(turns, 'd-2')];
    await turns.cancel('d-1', 'stop');
    expect([first.aborted, second.aborted, other.aborted]).toEqual([true, true, false]);
    expect(turns.isRunning('d-1')).toBe(false);
    expect(turns.isRunning('d-2')).toBe(true);
    other.end();
    await other.done;
    expect(turns.isRunning('d-2')).toBe(false);
  });
});
