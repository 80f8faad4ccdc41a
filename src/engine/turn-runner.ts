import { randomUUID } from 'node:crypto';
import { ACTIVE_STATUSES, STOP_REASONS, type Usage } from '../domain.js';
import { ProviderError } from '../providers/errors.js';
import type { ChatModel, FinishReason, StreamPart } from '../providers/types.js';
import { type TurnJob, TurnInterruptedError } from '../queue/types.js';
import type { AgentConfig, DiscussionRecord, HumanConfig, MessageRecord } from '../store/types.js';
import { DEFAULT_CONTEXT_TOKENS, DEFAULT_REPLY_RESERVE, fitTranscript } from './context-budget.js';
import { type EngineDependencies, publishEntry, transitionAndPublish } from './dependencies.js';
import { buildModeratorPickPrompt, buildSelectorPrompt, buildSystemPrompt, buildTranscript } from './prompt.js';
import { moderatorOf, planTurn, roundOfTurn, speakerName, turnOrder, type Speaker, type TurnPlan, type TurnPurpose } from './protocols.js';
import { CONCLUDE, selectSpeaker } from './selector.js';
import { createTokenSink } from './token-sink.js';
import { checkLimits, findStopPhrase } from './termination.js';

/** Three failed turns in a row end the discussion as FAILED. */
export const MAX_CONSECUTIVE_FAILURES = 3;
/** The selector reads this many of the latest messages. */
const SELECTOR_TRANSCRIPT = 12;

/** Why a running turn was aborted: a user's stop keeps the partial text; a shutdown leaves the turn to run again. */
export type AbortReason = 'stop' | 'shutdown';

interface ActiveTurn {
  controller: AbortController;
  settled: Promise<void>;
}

interface TurnOutcome {
  text: string;
  finish?: Extract<StreamPart, { type: 'finish' }>;
  failure?: ProviderError;
  firstTokenAt?: number;
}

type SpeakPlan = Extract<TurnPlan, { kind: 'speak' }>;

export interface TurnRunner {
  runJob(job: TurnJob): Promise<void>;
  /** Commits a human's message as its turn when the discussion waits for that human; undefined otherwise. */
  takeHumanTurn(record: DiscussionRecord, message: MessageRecord): Promise<{ cursor: string; message: MessageRecord } | undefined>;
  /** Aborts the discussion's running turn in this process, if any, and waits for it to settle. */
  cancel(discussionId: string, reason: AbortReason): Promise<void>;
  /** Whether this process runs a turn of the discussion now. */
  isRunning(discussionId: string): boolean;
  /**
   * Ends a turn whose process is gone, if `messageId` is still its in-flight message: the
   * partial text is committed as cancelled, or the empty in-flight message dropped. Does
   * nothing once another attempt has replaced that message or the turn was committed.
   */
  abandonTurn(discussionId: string, messageId: string): Promise<void>;
  /** Aborts every running turn in this process. */
  cancelAll(reason: AbortReason): Promise<void>;
}

/** Who took the last turn: the latest message by a participant who speaks in turn. */
function previousSpeaker(record: DiscussionRecord, history: readonly MessageRecord[]): string | undefined {
  const inTurn = new Set(turnOrder(record).map(speakerName));
  return history.findLast((message) => message.role !== 'SYSTEM' && inTurn.has(message.author))?.author;
}

export function createTurnRunner(dependencies: EngineDependencies): TurnRunner {
  const { store, bus, providers, scheduler, logger } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  const active = new Map<string, ActiveTurn>();

  const conclude = (record: DiscussionRecord, status: 'COMPLETED' | 'FAILED', stopReason: string, error?: string) =>
    transitionAndPublish(dependencies, record.id, {
      from: ACTIVE_STATUSES,
      to: status,
      patch: { stopReason, error, finishedAt: now().toISOString(), nextSpeaker: null },
    });

  async function readAllMessages(discussionId: string): Promise<MessageRecord[]> {
    const messages: MessageRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.readMessages(discussionId, { after, limit: 500, direction: 'forward' });
      messages.push(...page.items.map((item) => item.message));
      after = page.items.at(-1)?.cursor;
      if (!page.hasMore || after === undefined) return messages;
    }
  }

  /** Commits the turn, fenced by its number and, for an agent's attempt, by its in-flight message. */
  async function commitTurn(record: DiscussionRecord, message: MessageRecord, consecutiveFailures: number, inFlightMessageId?: string) {
    const committed = await store.appendMessage(record.id, message, { fenceTurn: record.turn, round: message.round, consecutiveFailures, inFlightMessageId });
    if (!committed) {
      logger.warn({ discussionId: record.id, turn: record.turn }, 'turn committed or taken over elsewhere; dropping this attempt');
      return undefined;
    }
    await publishEntry(bus, record.id, committed.entry);
    return committed;
  }

  async function continueAfter(updated: DiscussionRecord): Promise<void> {
    if (updated.status === 'RUNNING') await scheduler.schedule({ discussionId: updated.id, turn: updated.turn });
  }

  const systemNote = (record: DiscussionRecord, round: number, content: string): MessageRecord => ({
    id: randomUUID(),
    discussionId: record.id,
    author: 'system',
    role: 'SYSTEM',
    content,
    round,
    turn: record.turn,
    createdAt: now().toISOString(),
  });

  async function recordFailure(record: DiscussionRecord, speaker: AgentConfig, round: number, error: ProviderError, inFlightMessageId?: string) {
    const failures = record.consecutiveFailures + 1;
    logger.warn({ discussionId: record.id, agent: speaker.name, provider: speaker.provider, kind: error.kind }, 'turn failed');
    const note = systemNote(record, round, `${speaker.name}'s turn failed (${speaker.provider}: ${error.kind.replace('_', ' ')}); the discussion goes on.`);
    const committed = await commitTurn(record, note, failures, inFlightMessageId);
    if (!committed) return;
    if (failures >= MAX_CONSECUTIVE_FAILURES) {
      const reason = `${MAX_CONSECUTIVE_FAILURES} turns failed in a row; the last was ${speaker.name}'s (${speaker.provider}: ${error.kind})`;
      await conclude(committed.record, 'FAILED', STOP_REASONS.consecutiveFailures, reason);
      return;
    }
    await continueAfter(committed.record);
  }

  async function streamReply(model: ChatModel, record: DiscussionRecord, speaker: AgentConfig, purpose: TurnPurpose, history: MessageRecord[], messageId: string, signal: AbortSignal) {
    const outcome: TurnOutcome = { text: '' };
    const tokens = createTokenSink(async (delta, index) => {
      await Promise.all([
        store.appendInFlight(record.id, delta),
        bus.publish(record.id, { type: 'token', discussionId: record.id, messageId, author: speaker.name, delta, index }),
      ]);
    });
    const system = buildSystemPrompt(record, speaker, purpose);
    const budget = (speaker.maxContextTokens ?? DEFAULT_CONTEXT_TOKENS[speaker.provider]) - (speaker.maxTokens ?? DEFAULT_REPLY_RESERVE);
    const parts = model.stream({
      model: speaker.model,
      system,
      messages: fitTranscript(system, buildTranscript(history, speaker.name), budget),
      temperature: speaker.temperature,
      maxTokens: speaker.maxTokens,
      signal,
    });
    for await (const part of parts) {
      switch (part.type) {
        case 'text-delta': {
          if (signal.aborted || part.text.length === 0) break;
          outcome.firstTokenAt ??= Date.now();
          outcome.text += part.text;
          tokens.push(part.text);
          break;
        }
        case 'finish':
          outcome.finish = part;
          break;
        case 'error':
          outcome.failure = part.error;
          break;
        default: {
          const unknown: never = part;
          throw new Error(`unknown stream part ${JSON.stringify(unknown)}`);
        }
      }
    }
    // Every token event goes out before the message that joins them.
    await tokens.flush();
    return outcome;
  }

  async function speak(record: DiscussionRecord, speaker: AgentConfig, plan: SpeakPlan, history: MessageRecord[], controller: AbortController) {
    const model = providers.get(speaker.provider);
    if (!model) {
      await recordFailure(record, speaker, plan.round, new ProviderError('authentication', `${speaker.provider} is not configured`));
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
      await bus.publish(record.id, { type: 'turn_restarted', discussionId: record.id, turn: record.turn, discardedMessageId: replaced.messageId });
    }
    logger.debug({ discussionId: record.id, turn: record.turn, messageId, pid: process.pid }, 'message streaming');
    try {
      await finishReply(record, speaker, plan, await streamReply(model, record, speaker, plan.purpose, history, messageId, controller.signal), messageId, startedAt, controller);
    } finally {
      await bus.publish(record.id, { type: 'turn_ended', discussionId: record.id, messageId });
    }
  }

  async function finishReply(record: DiscussionRecord, speaker: AgentConfig, plan: SpeakPlan, outcome: TurnOutcome, messageId: string, startedAt: number, controller: AbortController) {
    const abortReason: unknown = controller.signal.reason;
    if (controller.signal.aborted && abortReason === 'shutdown') return;
    const cancelled = controller.signal.aborted;
    if (!cancelled && (outcome.failure || !outcome.finish)) {
      await recordFailure(record, speaker, plan.round, outcome.failure ?? new ProviderError('unknown', 'the stream ended without finishing'), messageId);
      return;
    }
    if (cancelled && outcome.text.length === 0) {
      await store.clearInFlight(record.id, messageId);
      return;
    }
    const finishReason: FinishReason = cancelled ? 'cancelled' : (outcome.finish?.finishReason ?? 'other');
    const usage: Usage | undefined = outcome.finish?.usage;
    const message: MessageRecord = {
      id: messageId,
      discussionId: record.id,
      author: speaker.name,
      role: 'AGENT',
      provider: speaker.provider,
      model: speaker.model,
      content: outcome.text,
      round: plan.round,
      turn: record.turn,
      createdAt: now().toISOString(),
      usage,
      finishReason,
      timeToFirstTokenMs: outcome.firstTokenAt === undefined ? undefined : outcome.firstTokenAt - startedAt,
      durationMs: Date.now() - startedAt,
    };
    const committed = await commitTurn(record, message, 0, messageId);
    if (!committed || cancelled) return;
    const stopReason = plan.final ?? (findStopPhrase(outcome.text, record.termination.stopPhrases) === undefined ? undefined : STOP_REASONS.stopPhrase);
    if (stopReason !== undefined) {
      await conclude(committed.record, 'COMPLETED', stopReason);
      return;
    }
    await continueAfter(committed.record);
  }

  /** Asks the OPEN selector or the moderator who speaks next, and logs the pick. Undefined when aborted. */
  async function select(record: DiscussionRecord, plan: Extract<TurnPlan, { kind: 'select' }>, history: MessageRecord[], signal: AbortSignal): Promise<SpeakPlan | undefined> {
    const moderator = plan.selector === 'moderator' ? moderatorOf(record) : undefined;
    const provider = moderator?.provider ?? record.selector?.provider ?? record.agents[0]?.provider ?? 'MOCK';
    const modelName = moderator?.model ?? record.selector?.model ?? record.agents[0]?.model ?? providers.defaultModel(provider);
    const model = providers.get(provider);
    const names = plan.candidates.map(speakerName);
    const system = moderator ? buildModeratorPickPrompt(record, moderator, names) : buildSelectorPrompt(record, names);
    const transcript = buildTranscript(history.slice(-SELECTOR_TRANSCRIPT), moderator?.name ?? '');
    const result = model
      ? await selectSpeaker({ model, modelName, system, transcript: fitTranscript(system, transcript, DEFAULT_CONTEXT_TOKENS[provider] / 2), candidates: names, allowConclude: moderator !== undefined, fallback: speakerName(plan.fallback), signal })
      : { choice: speakerName(plan.fallback), reason: `${provider} is not configured; turn order decided`, attempts: 0, fellBack: true, usage: {} };
    if (signal.aborted) return undefined;
    const entry = await store.appendSelection(record.id, { ...result, speaker: result.choice, candidates: names, at: now().toISOString() });
    if (!entry) return undefined;
    await publishEntry(bus, record.id, entry);
    if (moderator && result.choice === CONCLUDE) {
      return { kind: 'speak', speaker: { kind: 'agent', agent: moderator }, round: plan.round, purpose: 'summarize', final: STOP_REASONS.moderatorConcluded };
    }
    const speaker = plan.candidates.find((candidate) => speakerName(candidate) === result.choice) ?? plan.fallback;
    return { kind: 'speak', speaker, round: plan.round, purpose: 'contribute' };
  }

  async function waitForHuman(record: DiscussionRecord, human: HumanConfig) {
    const waiting = await transitionAndPublish(dependencies, record.id, { from: ['RUNNING'], to: 'WAITING_FOR_HUMAN', patch: { nextSpeaker: human.name } });
    if (!waiting) return;
    await scheduler.schedule({ discussionId: record.id, turn: record.turn, kind: 'human-timeout' }, { delayMs: human.waitSeconds * 1_000 });
  }

  /** The waited-for human did not speak in time: note the skipped turn and go on. */
  async function skipHumanTurn({ discussionId, turn }: TurnJob) {
    const record = await store.get(discussionId);
    if (!record || record.status !== 'WAITING_FOR_HUMAN' || record.turn !== turn) return;
    const human = record.humans.find((candidate) => candidate.name === record.nextSpeaker);
    const name = human?.name ?? record.nextSpeaker ?? 'a human';
    const seconds = human ? ` within ${human.waitSeconds} s` : '';
    const committed = await commitTurn(record, systemNote(record, roundOfTurn(record), `${name} did not answer${seconds}; their turn was skipped.`), record.consecutiveFailures);
    if (!committed) return;
    const running = await transitionAndPublish(dependencies, discussionId, { from: ['WAITING_FOR_HUMAN'], to: 'RUNNING', patch: { nextSpeaker: null } });
    if (running) await continueAfter(running);
  }

  async function takeHumanTurn(record: DiscussionRecord, message: MessageRecord) {
    if (record.status !== 'WAITING_FOR_HUMAN' || record.nextSpeaker?.toLowerCase() !== message.author.toLowerCase()) return undefined;
    const committed = await commitTurn(record, { ...message, round: roundOfTurn(record), turn: record.turn }, record.consecutiveFailures);
    if (!committed) return undefined;
    await scheduler.cancel({ discussionId: record.id, turn: record.turn, kind: 'human-timeout' });
    const running = await transitionAndPublish(dependencies, record.id, { from: ['WAITING_FOR_HUMAN'], to: 'RUNNING', patch: { nextSpeaker: null } });
    if (running) await continueAfter(running);
    return committed.entry;
  }

  async function runTurn(record: DiscussionRecord, controller: AbortController) {
    const history = await readAllMessages(record.id);
    const limit = checkLimits(record);
    let plan: TurnPlan | undefined = limit === undefined ? planTurn(record, previousSpeaker(record, history)) : { kind: 'conclude', stopReason: limit };
    if (plan.kind === 'select') {
      plan = await select(record, plan, history, controller.signal);
      // The pick took a model call: the discussion may have been paused or stopped meanwhile.
      const current = await store.get(record.id);
      if (current?.status !== 'RUNNING' || current.turn !== record.turn) return;
    }
    if (!plan) return;
    if (plan.kind === 'conclude') {
      await conclude(record, 'COMPLETED', plan.stopReason);
      return;
    }
    const speaker: Speaker = plan.speaker;
    if (speaker.kind === 'human') await waitForHuman(record, speaker.human);
    else await speak(record, speaker.agent, plan, history, controller);
  }

  async function runJob(job: TurnJob): Promise<void> {
    if (job.kind === 'human-timeout') return skipHumanTurn(job);
    const record = await store.get(job.discussionId);
    if (!record || record.status !== 'RUNNING') return;
    if (record.turn !== job.turn) {
      // A late or repeated job. If the process that ran it died between commit and scheduling, the next turn has no job yet.
      if (record.turn > job.turn) await scheduler.schedule({ discussionId: record.id, turn: record.turn });
      return;
    }
    const controller = new AbortController();
    let settle = () => {};
    const settled = new Promise<void>((resolve) => (settle = resolve));
    active.set(job.discussionId, { controller, settled });
    logger.debug({ discussionId: job.discussionId, turn: job.turn, pid: process.pid }, 'turn started');
    try {
      await runTurn(record, controller);
    } finally {
      active.delete(job.discussionId);
      settle();
    }
    // A shutdown left the turn uncommitted: the scheduler gives it to another worker.
    if (controller.signal.aborted && controller.signal.reason === 'shutdown') throw new TurnInterruptedError(job);
  }

  async function cancel(discussionId: string, reason: AbortReason): Promise<void> {
    const turn = active.get(discussionId);
    if (!turn) return;
    turn.controller.abort(reason);
    await turn.settled;
  }

  async function abandonTurn(discussionId: string, messageId: string): Promise<void> {
    const inFlight = await store.getInFlight(discussionId);
    if (inFlight?.messageId !== messageId) return;
    const record = await store.get(discussionId);
    if (!record || record.turn !== inFlight.turn || inFlight.text.length === 0) {
      await store.clearInFlight(discussionId, messageId);
      return;
    }
    await commitTurn(record, {
      id: inFlight.messageId,
      discussionId,
      author: inFlight.author,
      role: 'AGENT',
      provider: inFlight.provider,
      model: inFlight.model,
      content: inFlight.text,
      round: inFlight.round,
      turn: inFlight.turn,
      createdAt: now().toISOString(),
      finishReason: 'cancelled',
    }, 0, messageId);
  }

  return {
    runJob,
    takeHumanTurn,
    cancel,
    isRunning: (discussionId) => active.has(discussionId),
    abandonTurn,
    cancelAll: (reason) => Promise.all([...active.keys()].map((discussionId) => cancel(discussionId, reason))).then(() => undefined),
  };
}
