import type { Pricing } from '../pricing/pricing.js';
import type { Logger } from 'pino';
import { ACTIVE_STATUSES, type DiscussionStatus, isTerminal, type ProviderName } from '../domain.js';
import type { EventBus } from '../events/bus.js';
import type { TokenWriter } from '../events/token-writer.js';
import type { ProviderSlots } from '../limits/provider-slots.js';
import type { ProviderRegistry } from '../providers/types.js';
import type { TurnScheduler } from '../queue/types.js';
import type { ToolHub } from '../tools/types.js';
import type { OwnerQuotas } from './quotas.js';
import type { DiscussionRecord, DiscussionStore, LogEntry, StatusTransition } from '../store/types.js';

/** How one agent turn ended, for the operator's metrics. */
export interface TurnObservation {
  provider: ProviderName;
  model: string;
  outcome: 'committed' | 'failed' | 'cancelled';
  /** A failed turn's ProviderError kind. */
  failureKind?: string;
  inputTokens?: number;
  outputTokens?: number;
  timeToFirstTokenMs?: number;
  durationMs: number;
}

/** One finished tool call, for the operator's metrics. */
export interface ToolCallObservation {
  /** The MCP server's name (from MCP_SERVERS: a bounded set), or `unknown` for a tool the model made up. */
  server: string;
  /** `ok`, `error` (failed, timed out, cancelled, refused) or `reused` (taken from a dead attempt). */
  outcome: 'ok' | 'error' | 'reused';
  durationMs: number;
}

/** Where turns are counted (src/metrics.ts); the engine knows nothing of Prometheus. */
export interface TurnMetrics {
  turnEnded(observation: TurnObservation): void;
  toolCalled?(observation: ToolCallObservation): void;
}

/** Tells a discussion's webhook that it ended (src/webhooks); the engine knows nothing of HTTP or queues. */
export interface WebhookNotifier {
  /** Whether a webhookUrl may name a loopback, private or link-local host (WEBHOOK_ALLOW_PRIVATE). */
  readonly allowPrivate: boolean;
  /** Enqueues the delivery for a discussion that has just reached a final status. */
  finished(record: DiscussionRecord): Promise<void>;
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
  /** Delivers webhooks of finished discussions; none are sent (and private hosts are refused) when absent. */
  webhooks?: WebhookNotifier;
  /** The MCP servers agents may call (MCP_SERVERS); an agent with `tools` is refused at creation when absent. */
  tools?: ToolHub;
  /** Model prices (PRICING_FILE over the built-in table), for `maxCostUsd`; the built-in table when absent. */
  pricing?: Pricing;
  /** PROVIDER_CONCURRENCY's slots, which every provider call waits for; calls go out at once when absent. */
  slots?: ProviderSlots;
  /** RECORD_PROVIDER_CALLS: discussions created from now on keep every provider call, so they can be replayed. */
  recordProviderCalls?: boolean;
  /** How long a stop waits for another process to cancel the turn it runs before ending that turn itself; 5 000 ms when absent. */
  stopCancelTimeoutMs?: number;
  /** MAX_TOOL_STEPS and the result cap; the defaults of src/tools/types.ts when absent. */
  toolSettings?: { maxSteps: number; maxResultChars: number };
}

/** Publishes a persisted log entry to the discussion's live channel. */
export function publishEntry(bus: EventBus, discussionId: string, entry: LogEntry): Promise<void> {
  return bus.publish(discussionId, { ...entry, discussionId });
}

/**
 * A status compare-and-set that also tells subscribers, and the discussion's
 * webhook when the status is final (every final status comes through here).
 * Undefined when the status did not fit.
 */
export async function transitionAndPublish(
  dependencies: Pick<EngineDependencies, 'store' | 'bus' | 'logger' | 'webhooks'>,
  discussionId: string,
  change: StatusTransition,
): Promise<DiscussionRecord | undefined> {
  const { store, bus, logger, webhooks } = dependencies;
  const result = await store.transition(discussionId, change);
  if (!result) return undefined;
  const { record } = result;
  // Enqueued before subscribers are told, so that a publish that fails does not cost the notification too.
  if (webhooks && record.webhookUrl !== undefined && isTerminal(record.status)) {
    // The discussion has ended either way: a queue that fails costs the notification, not the transition.
    await webhooks
      .finished(record)
      .catch((error: unknown) =>
        logger.error(
          { discussionId, status: record.status, message: error instanceof Error ? error.message : String(error) },
          'could not enqueue the webhook delivery; it will not be sent',
        ),
      );
  }
  await publishEntry(bus, discussionId, result.entry);
  return record;
}

export const OPEN_STATUSES: readonly DiscussionStatus[] = ['CREATED', ...ACTIVE_STATUSES];
