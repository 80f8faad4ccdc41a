import { ACTIVE_STATUSES, type ProviderName, type StopReason, type Usage } from '../domain.js';
import type { Committed, DiscussionRecord, MessageRecord } from '../store/types.js';
import { createTokenWriter, type TokenWriter } from '../events/token-writer.js';
import { type EngineDependencies, publishEntry, transitionAndPublish } from './dependencies.js';
import type { TurnPlan } from './protocols.js';
import { type OwnerQuotas, UNLIMITED_QUOTAS } from './quotas.js';
import { createPricing, type Pricing } from '../pricing/pricing.js';
import { createProviderCalls, type ProviderCalls } from './provider-calls.js';

/** Which model a call went to, for pricing its usage (unpriced: only its tokens count). */
export type UsageSource = { provider?: ProviderName; model?: string };

/** A turn whose speaker is known: an agent to stream, or a human to wait for. */
export type SpeakPlan = Extract<TurnPlan, { kind: 'speak' }>;

/**
 * What every kind of turn works with: the engine's dependencies and clock, the
 * fenced commit that ends a turn, and what follows it (the next turn or the end).
 */
export interface TurnContext extends EngineDependencies {
  now: () => Date;
  pricing: Pricing;
  quotas: OwnerQuotas;
  tokens: TokenWriter;
  /** Where a turn's model calls go: recorded, or replayed (src/engine/provider-calls.ts). */
  calls: ProviderCalls;
  /** Counts tokens a call of `by` used, and what they cost, toward its owner's daily budgets. */
  recordUsage(record: Pick<DiscussionRecord, 'owner'>, usage: Usage | undefined, by: UsageSource): Promise<void>;
  /** Commits the turn, fenced by its number and, for an agent's attempt, by its in-flight message. Undefined when fenced off. */
  commitTurn(
    record: DiscussionRecord,
    message: MessageRecord,
    consecutiveFailures: number,
    inFlightMessageId?: string,
  ): Promise<Committed | undefined>;
  /** Ends an active discussion as COMPLETED or FAILED. */
  conclude(
    record: DiscussionRecord,
    status: 'COMPLETED' | 'FAILED',
    stopReason: StopReason,
    error?: string,
  ): Promise<DiscussionRecord | undefined>;
  /** Schedules the next turn while the discussion runs. */
  continueAfter(updated: DiscussionRecord): Promise<void>;
}

export function createTurnContext(dependencies: EngineDependencies): TurnContext {
  const { store, bus, scheduler, logger } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  const quotas = dependencies.quotas ?? UNLIMITED_QUOTAS;
  const pricing = dependencies.pricing ?? createPricing();
  const tokens = dependencies.tokens ?? createTokenWriter({ store, bus });

  const calls = createProviderCalls({ store, providers: dependencies.providers, logger, slots: dependencies.slots });

  async function recordUsage(record: Pick<DiscussionRecord, 'owner'>, usage: Usage | undefined, by: UsageSource) {
    // a replay's counts are the recording's: nothing was used or paid again
    if (by.provider === 'REPLAY') return;
    const cost = by.provider === undefined || by.model === undefined ? undefined : pricing.costOf(by.provider, by.model, usage);
    await Promise.all([
      quotas.recordTokens(record.owner, (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0)),
      cost === undefined ? undefined : quotas.recordCost(record.owner, cost),
    ]);
  }

  async function commitTurn(record: DiscussionRecord, message: MessageRecord, consecutiveFailures: number, inFlightMessageId?: string) {
    const committed = await store.appendMessage(record.id, message, {
      fenceTurn: record.turn,
      round: message.round,
      consecutiveFailures,
      inFlightMessageId,
    });
    if (!committed) {
      logger.warn({ discussionId: record.id, turn: record.turn }, 'turn committed or taken over elsewhere; dropping this attempt');
      return undefined;
    }
    await Promise.all([publishEntry(bus, record.id, committed.entry), recordUsage(record, message.usage, message)]);
    return committed;
  }

  const conclude = (record: DiscussionRecord, status: 'COMPLETED' | 'FAILED', stopReason: StopReason, error?: string) =>
    transitionAndPublish(dependencies, record.id, {
      from: ACTIVE_STATUSES,
      to: status,
      patch: { stopReason, error, finishedAt: now().toISOString(), nextSpeaker: null },
    });

  async function continueAfter(updated: DiscussionRecord): Promise<void> {
    if (updated.status === 'RUNNING') await scheduler.schedule({ discussionId: updated.id, turn: updated.turn });
  }

  return { ...dependencies, now, quotas, pricing, tokens, calls, recordUsage, commitTurn, conclude, continueAfter };
}
