// Stand-ins for the engine's own interfaces in its unit tests: a scheduler that records the
// turns it is asked to run, and a registry whose MOCK provider is the test's scripted model.

import type { ProviderName } from '../../src/domain.js';
import type { ProviderRegistry } from '../../src/providers/registry.js';
import type { ChatModel } from '../../src/providers/types.js';
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
