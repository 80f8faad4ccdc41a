import { randomUUID } from 'node:crypto';
import { type FinishReason, STOP_REASONS } from '../domain.js';
import { ProviderError } from '../providers/errors.js';
import { notConfigured, type ChatModel } from '../providers/types.js';
import { DEFAULT_MAX_TOOL_STEPS, DEFAULT_TOOL_LIMITS } from '../tools/types.js';
import type { AgentConfig, DiscussionRecord, MessageRecord, ToolCallRecord } from '../store/types.js';
import { publishEntry } from './dependencies.js';
import { type ReplyOutcome, streamReplySteps } from './reply-steps.js';
import { prepareTurnTools } from './tool-calls.js';
import { budgetCall } from './cost-budget.js';
import { DEFAULT_CONTEXT_TOKENS, DEFAULT_REPLY_RESERVE, fitTranscript } from './context-budget.js';
import { createMessageRecord, createSystemNote } from './message-records.js';
import { buildSystemPrompt, buildTranscript } from './prompt.js';
import type { TurnPurpose } from './protocols.js';
import { findStopPhrase } from './termination.js';
import { createTokenSink } from './token-sink.js';
import { replyTokenWrites } from './reply-token-writes.js';
import type { TurnObservation } from './dependencies.js';
import type { SpeakPlan, TurnContext } from './turn-context.js';

/** Three failed turns in a row end the discussion as FAILED. */
export const MAX_CONSECUTIVE_FAILURES = 3;

export interface AgentTurn {
  /** Streams the agent's reply and commits it, its cancelled partial, or a note of its failure. */
  speak(
    record: DiscussionRecord,
    speaker: AgentConfig,
    plan: SpeakPlan,
    history: MessageRecord[],
    controller: AbortController,
  ): Promise<void>;
}

export function createAgentTurn(context: TurnContext): AgentTurn {
  const {
    store,
    bus,
    calls,
    logger,
    now,
    tokens: tokenWriter,
    tokenCoalesceMs,
    commitTurn,
    conclude,
    continueAfter,
    metrics,
    tools: toolHub,
  } = context;
  const toolSettings = context.toolSettings ?? { maxSteps: DEFAULT_MAX_TOOL_STEPS, maxResultChars: DEFAULT_TOOL_LIMITS.maxResultChars };

  function observe(
    speaker: AgentConfig,
    outcome: TurnObservation['outcome'],
    reply: ReplyOutcome | undefined,
    startedAt: number,
    failureKind?: string,
  ) {
    metrics?.turnEnded({
      provider: speaker.provider,
      model: speaker.model,
      outcome,
      failureKind,
      inputTokens: reply?.finish?.usage.inputTokens,
      outputTokens: reply?.finish?.usage.outputTokens,
      timeToFirstTokenMs: reply?.firstTokenAt === undefined ? undefined : reply.firstTokenAt - startedAt,
      durationMs: Date.now() - startedAt,
    });
  }

  async function recordFailure(
    record: DiscussionRecord,
    speaker: AgentConfig,
    round: number,
    error: ProviderError,
    inFlightMessageId?: string,
  ) {
    const failures = record.consecutiveFailures + 1;
    logger.warn({ discussionId: record.id, agent: speaker.name, provider: speaker.provider, kind: error.kind }, 'turn failed');
    const note = createSystemNote(
      record,
      round,
      // a replay names the recorded provider, as the recorded discussion did
      `${speaker.name}'s turn failed (${speaker.recordedProvider ?? speaker.provider}: ${error.kind.replace('_', ' ')}); the discussion goes on.`,
      now(),
    );
    const committed = await commitTurn(record, note, failures, inFlightMessageId);
    if (!committed) return;
    if (failures >= MAX_CONSECUTIVE_FAILURES) {
      const reason = `${MAX_CONSECUTIVE_FAILURES} turns failed in a row; the last was ${speaker.name}'s (${speaker.provider}: ${error.kind})`;
      await conclude(committed.record, 'FAILED', STOP_REASONS.consecutiveFailures, reason);
      return;
    }
    await continueAfter(committed.record);
  }

  async function streamReply(
    model: ChatModel,
    record: DiscussionRecord,
    speaker: AgentConfig,
    purpose: TurnPurpose,
    history: MessageRecord[],
    messageId: string,
    signal: AbortSignal,
    previousToolCalls: ToolCallRecord[] | undefined,
  ): Promise<ReplyOutcome> {
    const tokens = createTokenSink(
      replyTokenWrites(tokenWriter, logger, { discussionId: record.id, turn: record.turn, messageId, author: speaker.name }),
      { coalesceMs: tokenCoalesceMs },
    );
    const system = buildSystemPrompt(record, speaker, purpose);
    const budget = (speaker.maxContextTokens ?? DEFAULT_CONTEXT_TOKENS[speaker.provider]) - (speaker.maxTokens ?? DEFAULT_REPLY_RESERVE);
    const tools = await prepareTurnTools({
      hub: toolHub,
      specs: speaker.tools,
      previous: previousToolCalls,
      maxResultChars: toolSettings.maxResultChars,
      logger,
      now,
      discussionId: record.id,
      signal,
    });
    const outcome = await streamReplySteps({
      model,
      request: {
        model: speaker.model,
        system,
        messages: fitTranscript(system, buildTranscript(history, speaker.name), budget),
        temperature: speaker.temperature,
        maxTokens: speaker.maxTokens,
        signal,
      },
      tokens,
      tools,
      maxSteps: toolSettings.maxSteps,
      budget: (request, usedInTurn) => budgetCall(context.pricing, record, speaker, request, usedInTurn),
      record: async (ran) => {
        const entry = await store.appendToolCall(record.id, { ...ran.record, messageId });
        if (!entry) return undefined;
        const server = ran.record.tool.includes('/') ? (ran.record.tool.split('/')[0] ?? 'unknown') : 'unknown';
        const outcome = ran.record.reused ? 'reused' : ran.record.isError ? 'error' : 'ok';
        metrics?.toolCalled?.({ server, outcome, durationMs: ran.record.durationMs });
        await publishEntry(bus, record.id, entry);
        return entry.toolCall;
      },
    });
    // Every token event goes out before the message that joins them.
    await tokens.flush();
    return outcome;
  }

  async function speak(
    record: DiscussionRecord,
    speaker: AgentConfig,
    plan: SpeakPlan,
    history: MessageRecord[],
    controller: AbortController,
  ) {
    const model = calls.modelFor(record, speaker.provider, { turn: record.turn, purpose: 'reply' });
    if (!model) {
      observe(speaker, 'failed', undefined, Date.now(), 'authentication');
      await recordFailure(record, speaker, plan.round, new ProviderError('authentication', notConfigured(speaker.provider)));
      return;
    }
    const messageId = randomUUID();
    const startedAt = Date.now();
    const begun = await store.beginInFlight(record.id, {
      messageId,
      author: speaker.name,
      provider: speaker.provider,
      model: speaker.model,
      round: plan.round,
      turn: record.turn,
      startedAt: new Date(startedAt).toISOString(),
    });
    if (!begun) {
      logger.warn({ discussionId: record.id, turn: record.turn }, 'turn committed or taken over elsewhere; dropping this attempt');
      return;
    }
    // The message this one replaced belongs to an attempt whose process died: it can no longer
    // commit, and subscribers drop its tokens.
    const { replaced } = begun;
    if (replaced?.turn === record.turn) {
      await bus.publish(record.id, {
        type: 'turn_restarted',
        discussionId: record.id,
        turn: record.turn,
        discardedMessageId: replaced.messageId,
      });
    }
    logger.debug({ discussionId: record.id, turn: record.turn, messageId, pid: process.pid }, 'message streaming');
    try {
      await finishReply(
        record,
        speaker,
        plan,
        await streamReply(
          model,
          record,
          speaker,
          plan.purpose,
          history,
          messageId,
          controller.signal,
          replaced?.turn === record.turn ? replaced.toolCalls : undefined,
        ),
        messageId,
        startedAt,
        controller,
      );
    } finally {
      await bus.publish(record.id, { type: 'turn_ended', discussionId: record.id, messageId });
    }
  }

  async function finishReply(
    record: DiscussionRecord,
    speaker: AgentConfig,
    plan: SpeakPlan,
    outcome: ReplyOutcome,
    messageId: string,
    startedAt: number,
    controller: AbortController,
  ) {
    const abortReason: unknown = controller.signal.reason;
    if (controller.signal.aborted && abortReason === 'shutdown') return;
    if (outcome.fencedOff) {
      logger.warn({ discussionId: record.id, turn: record.turn }, 'turn committed or taken over elsewhere; dropping this attempt');
      return;
    }
    const cancelled = controller.signal.aborted;
    if (outcome.budgetSpent && !outcome.finish && !cancelled) {
      // the cap leaves no room for even a short reply: nothing was called, the discussion ends
      await store.clearInFlight(record.id, messageId);
      await conclude(record, 'COMPLETED', STOP_REASONS.costBudget);
      return;
    }
    if (!cancelled && (outcome.failure || !outcome.finish)) {
      const failure = outcome.failure ?? new ProviderError('unknown', 'the stream ended without finishing');
      observe(speaker, 'failed', outcome, startedAt, failure.kind);
      // steps that finished before the failure (a tool loop) used tokens: they count toward the owner's budget
      await context.recordUsage(record, outcome.finish?.usage, speaker);
      await recordFailure(record, speaker, plan.round, failure, messageId);
      return;
    }
    if (cancelled) observe(speaker, 'cancelled', outcome, startedAt);
    if (cancelled && outcome.text.length === 0) {
      await store.clearInFlight(record.id, messageId);
      return;
    }
    const finishReason: FinishReason = cancelled ? 'cancelled' : (outcome.finish?.finishReason ?? 'other');
    const message = createMessageRecord(
      record.id,
      {
        id: messageId,
        author: speaker.name,
        role: 'AGENT',
        provider: speaker.provider,
        model: speaker.model,
        content: outcome.text,
        round: plan.round,
        turn: record.turn,
        usage: outcome.finish?.usage,
        finishReason,
        timeToFirstTokenMs: outcome.firstTokenAt === undefined ? undefined : outcome.firstTokenAt - startedAt,
        durationMs: Date.now() - startedAt,
        toolCalls: outcome.toolCalls.length > 0 ? outcome.toolCalls : undefined,
      },
      now(),
    );
    const committed = await commitTurn(record, message, 0, messageId);
    if (committed && !cancelled) observe(speaker, 'committed', outcome, startedAt);
    if (!committed || cancelled) return;
    const stopReason =
      plan.final ??
      (outcome.budgetSpent ? STOP_REASONS.costBudget : undefined) ??
      (findStopPhrase(outcome.text, record.termination.stopPhrases) === undefined ? undefined : STOP_REASONS.stopPhrase);
    if (stopReason !== undefined) {
      await conclude(committed.record, 'COMPLETED', stopReason);
      return;
    }
    await continueAfter(committed.record);
  }

  return { speak };
}
