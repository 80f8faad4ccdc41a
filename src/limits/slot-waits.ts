// What both kinds of provider slots share: the pause's bound, and the count of waiters that the
// metrics read (orchestrator_provider_calls_waiting, orchestrator_provider_call_wait_seconds).

import type { ProviderName } from '../domain.js';
import type { SlotLease, SlotWaitObserver } from './provider-slots.js';

/** The longest pause a 429 may ask for: a vendor's hour-long Retry-After must not stop a provider for that long unseen. */
export const MAX_PAUSE_MS = 5 * 60_000;
export const DEFAULT_LEASE_MS = 30_000;

export const NO_LEASE: SlotLease = { release: () => Promise.resolve() };

/** Counts this process's waiters per provider, and reports each wait to the observer once it ends. */
export function createWaitCounter(observer: SlotWaitObserver | undefined) {
  const counts: Partial<Record<ProviderName, number>> = {};
  return {
    counts,
    /** Call when a call starts waiting; call the result with how it ended. */
    begin(provider: ProviderName): (outcome: 'granted' | 'aborted') => void {
      const startedAt = performance.now();
      counts[provider] = (counts[provider] ?? 0) + 1;
      let ended = false;
      return (outcome) => {
        if (ended) return;
        ended = true;
        counts[provider] = (counts[provider] ?? 1) - 1;
        observer?.waited(provider, performance.now() - startedAt, outcome);
      };
    },
  };
}
