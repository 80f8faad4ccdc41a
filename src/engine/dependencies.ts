import type { Logger } from 'pino';
import { ACTIVE_STATUSES, type DiscussionStatus } from '../domain.js';
import type { EventBus } from '../events/bus.js';
import type { TokenWriter } from '../events/token-writer.js';
import type { ProviderRegistry } from '../providers/types.js';
import type { TurnScheduler } from '../queue/types.js';
import type { OwnerQuotas } from './quotas.js';
import type { DiscussionRecord, DiscussionStore, LogEntry, StatusTransition } from '../store/types.js';

/** How one agent turn ended, for the operator's metrics. */
export interface TurnObservation {
  provider: string;
  model: string;
  outcome: 'committed' | 'failed' | 'cancelled';
  /** A failed turn's ProviderError kind. */
  failureKind?: string;
  inputTokens?: number;
  outputTokens?: number;
  timeToFirstTokenMs?: number;
  durationMs: number;
}

/** Where turns are counted (src/metrics.ts); the engine knows nothing of Prometheus. */
export interface TurnMetrics {
  turnEnded(observation: TurnObservation): void;
}

/** What the engine works with; app.ts wires the memory or Redis flavours in. */
export interface EngineDependencies {
  store: DiscussionStore;
  bus: EventBus;
  providers: ProviderRegistry;
  scheduler: TurnScheduler;
  logger: Logger;
  /** Per-owner quotas; none when absent (benchmarks and engine tests). */
  quotas?: OwnerQuotas;
  /** Where streamed deltas go; by default the store's append, then the bus. */
  tokens?: TokenWriter;
  /** Deltas that arrive faster than this are joined into one token event; 0 (the default) joins only during a write. */
  tokenCoalesceMs?: number;
  /** Events a subscriber may have waiting before its stream ends as too slow; unbounded when absent. */
  subscriberBufferEvents?: number;
  now?: () => Date;
  /** Counts turns, tokens and provider timings; nothing is counted when absent. */
  metrics?: TurnMetrics;
}

/** Publishes a persisted log entry to the discussion's live channel. */
export function publishEntry(bus: EventBus, discussionId: string, entry: LogEntry): Promise<void> {
  return bus.publish(discussionId, { ...entry, discussionId });
}

/** A status compare-and-set that also tells subscribers. Undefined when the status did not fit. */
export async function transitionAndPublish(
  { store, bus }: Pick<EngineDependencies, 'store' | 'bus'>,
  discussionId: string,
  change: StatusTransition,
): Promise<DiscussionRecord | undefined> {
  const result = await store.transition(discussionId, change);
  if (!result) return undefined;
  await publishEntry(bus, discussionId, result.entry);
  return result.record;
}

export const OPEN_STATUSES: readonly DiscussionStatus[] = ['CREATED', ...ACTIVE_STATUSES];
