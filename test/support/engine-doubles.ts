// Stand-ins for the engine's own interfaces in its unit tests: a scheduler that records the
// turns it is asked to run, and a registry whose MOCK provider is the test's scripted model.

import type { ProviderName } from '../../src/domain.js';
import type { ProviderRegistry } from '../../src/providers/registry.js';
import type { ChatModel, StreamPart } from '../../src/providers/types.js';
import type { TurnJob, TurnScheduler } from '../../src/queue/types.js';

/** Runs nothing: `scheduled` lists the jobs it was given, in order. */
export function recordingScheduler(): { scheduler: TurnScheduler; scheduled: TurnJob[] } {
  const scheduled: TurnJob[] = [];
  const scheduler: TurnScheduler = {
    schedule: (job) => {
      scheduled.push(job);
      return Promise.resolve();
    },
    cancel: async () => {},
    startWorker: () => {},
    waitingCount: () => Promise.resolve(scheduled.length),
    isReady: () => Promise.resolve(true),
    close: async () => {},
  };
  return { scheduler, scheduled };
}

/** MOCK is `model` (none when undefined); every other provider is not configured. */
export function scriptedRegistry(model: ChatModel | undefined): ProviderRegistry {
  return {
    list: () => [],
    get: (name: ProviderName) => (name === 'MOCK' ? model : undefined),
    defaultModel: () => 'scripted',
  };
}

/** A model that streams one delta, says so, then ends only when its call is aborted. */
export function abortableModel(text: string) {
  let streaming = () => {};
  const started = new Promise<void>((resolve) => (streaming = resolve));
  const model: ChatModel = {
    provider: 'MOCK',
    async *stream({ signal }): AsyncIterable<StreamPart> {
      yield { type: 'text-delta', text };
      streaming();
      await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
    },
  };
  return { model, started };
}
