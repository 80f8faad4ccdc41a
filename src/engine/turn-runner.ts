import { SpanStatusCode } from '@opentelemetry/api';
import { STOP_REASONS, type StopReason } from '../domain.js';
import { type TurnJob, TurnInterruptedError } from '../queue/types.js';
import type { DiscussionRecord, MessageRecord } from '../store/types.js';
import { inTurnScope, withTraceCarrier } from '../tracing/trace-context.js';
import { tracer } from '../tracing/tracing.js';
import { type AbortReason, createActiveTurns } from './active-turns.js';
import { createAgentTurn } from './agent-turn.js';
import type { EngineDependencies } from './dependencies.js';
import { createHumanTurn } from './human-turn.js';
import { planTurn, type Speaker, type TurnPlan } from './protocols.js';
import { createSpeakerSelector, previousSpeaker } from './speaker-selection.js';
import { checkLimits } from './termination.js';
import { costBudgetReached } from './cost-budget.js';
import { createTurnContext } from './turn-context.js';
import { createReplayCourse } from './replay-course.js';

export type { AbortReason } from './active-turns.js';
export { MAX_CONSECUTIVE_FAILURES } from './agent-turn.js';

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

/** Runs the scheduler's jobs: plans each turn and hands it to the agent, the human or the selector. */
export function createTurnRunner(dependencies: EngineDependencies): TurnRunner {
  const context = createTurnContext(dependencies);
  const { store, scheduler, logger, conclude, quotas, pricing } = context;
  const activeTurns = createActiveTurns(context);
  const agentTurn = createAgentTurn(context);
  const humanTurn = createHumanTurn(context);
  const speakerSelector = createSpeakerSelector(context);
  const replayCourse = createReplayCourse(context);

  /** The owner's daily tokens or money are spent: the discussion ends before another call. */
  async function ownerBudgetSpent(record: DiscussionRecord): Promise<StopReason | undefined> {
    if ((await quotas.tokenBudgetSpent(record.owner)) !== undefined) return STOP_REASONS.ownerTokenBudget;
    return (await quotas.costBudgetSpent(record.owner)) === undefined ? undefined : STOP_REASONS.ownerCostBudget;
  }

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

  async function runTurn(record: DiscussionRecord, controller: AbortController) {
    // Limits first: a discussion that ends here need not read its transcript.
    const limit =
      checkLimits(record) ?? (costBudgetReached(pricing, record) ? STOP_REASONS.costBudget : undefined) ?? (await ownerBudgetSpent(record));
    if (limit !== undefined) {
      await conclude(record, 'COMPLETED', limit);
      return;
    }
    const history = await readAllMessages(record.id);
    if (record.replayOf && (await replayCourse.ended(record, history))) return;
    let plan: TurnPlan | undefined = planTurn(record, previousSpeaker(record, history));
    if (plan.kind === 'select') {
      plan = await speakerSelector.select(record, plan, history, controller.signal);
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
    if (record.replayOf && (await replayCourse.beforeSpeaking(record, speaker, history))) return;
    if (speaker.kind === 'human') await humanTurn.waitForHuman(record, speaker.human);
    else await agentTurn.speak(record, speaker.agent, plan, history, controller);
  }

  /**
   * One job in its own span (`discussion.turn`, a child of the request that caused it, across processes) and
   * log scope: every line it logs names the discussion, the turn and the trace.
   */
  function runJob(job: TurnJob): Promise<void> {
    const { discussionId, turn, kind = 'turn' } = job;
    const attributes = { 'discussion.id': discussionId, 'discussion.turn': turn, 'discussion.job': kind };
    return withTraceCarrier(job.trace, () =>
      tracer().startActiveSpan('discussion.turn', { attributes }, (span) =>
        inTurnScope({ discussionId, turn }, () => runTracedJob(job)).then(
          () => span.end(),
          (error: unknown) => {
            span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
            span.end();
            throw error;
          },
        ),
      ),
    );
  }

  async function runTracedJob(job: TurnJob): Promise<void> {
    if (job.kind === 'human-timeout') return humanTurn.skipHumanTurn(job);
    const record = await store.get(job.discussionId);
    if (!record || record.status !== 'RUNNING') return;
    if (record.turn !== job.turn) {
      // A late or repeated job. If the process that ran it died between commit and scheduling, the next turn has no job yet.
      if (record.turn > job.turn) await scheduler.schedule({ discussionId: record.id, turn: record.turn });
      return;
    }
    const controller = await activeTurns.track(job.discussionId, (turnController) => {
      logger.debug({ discussionId: job.discussionId, turn: job.turn, pid: process.pid }, 'turn started');
      return runTurn(record, turnController);
    });
    // A shutdown left the turn uncommitted: the scheduler gives it to another worker.
    if (controller.signal.aborted && controller.signal.reason === 'shutdown') throw new TurnInterruptedError(job);
  }

  return {
    runJob,
    takeHumanTurn: humanTurn.takeHumanTurn,
    cancel: activeTurns.cancel,
    isRunning: activeTurns.isRunning,
    abandonTurn: activeTurns.abandonTurn,
    cancelAll: activeTurns.cancelAll,
  };
}
