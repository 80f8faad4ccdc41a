import type { App } from '../src/app.js';
import { createMockDiscussion, readOutcome, startDiscussion } from './graphql-http.js';
import type { RedisReference } from './redis-reference.js';
import { percentiles, sampleRss, tokenKey, withTimeout, type BenchSetting, type Percentiles } from './stats.js';
import {
  assembleText,
  subscribeMessages,
  subscribeTokens,
  type MessageSubscriber,
  type Outcome,
  type TokenReceipt,
  type TokenSubscriber,
} from './subscribers.js';

export interface ScenarioContext {
  /** The app under test, in this process: tells when its subscriptions are live. */
  app: Pick<App, 'whenListening'>;
  httpUrl: string;
  wsUrl: string;
  reference: RedisReference;
  maxRounds: number;
  timeoutMs: number;
}

export interface ScenarioResult extends BenchSetting {
  /** Agent messages committed, as seen by messageAdded. */
  turns: number;
  /** Token events published (seen by the raw Redis reference). */
  tokensPublished: number;
  /** Token events received across every tokenStreamed subscriber. */
  tokensDelivered: number;
  /** From the first startDiscussion to the last subscription completing. */
  wallMs: number;
  /** Receipt minus raw Redis arrival. */
  latencyFromRedis: Percentiles;
  peakRssBytes: number;
  /** (subscriber, message) pairs whose deltas do not concatenate to the content, plus tokens of no committed message. */
  mismatches: number;
  /** Tokens published but never received, summed over subscribers. */
  lost: number;
  duplicates: number;
  /** Everything else that went wrong, in words. */
  problems: string[];
}

interface DiscussionRun {
  id: string;
  messages: MessageSubscriber;
  tokens: TokenSubscriber[];
}

/** Collects receipt latencies against the raw Redis reference; a receipt that beat the raw Redis copy is resolved at the end. */
function createLatencyRecorder({ reference }: Pick<ScenarioContext, 'reference'>) {
  const fromRedis: number[] = [];
  const early: { key: string; at: number }[] = [];
  let unmatched = 0;
  return {
    record({ messageId, index, at }: TokenReceipt) {
      const key = tokenKey(messageId, index);
      const arrived = reference.receivedAt(key);
      if (arrived !== undefined) fromRedis.push(at - arrived);
      else early.push({ key, at });
    },
    finish() {
      for (const { key, at } of early) {
        const arrived = reference.receivedAt(key);
        if (arrived !== undefined) fromRedis.push(at - arrived);
        else unmatched += 1;
      }
      return { fromRedis: percentiles(fromRedis), unmatched };
    },
  };
}

const outcomeProblem = (label: string, outcome: Outcome): string | undefined =>
  outcome.kind === 'error' ? `${label}: ${outcome.message}` : undefined;

export async function runScenario(context: ScenarioContext, setting: BenchSetting): Promise<ScenarioResult> {
  const { app, httpUrl, wsUrl, reference, maxRounds, timeoutMs } = context;
  const { discussions: count, subscribers } = setting;
  const problems: string[] = [];
  reference.reset();
  const latency = createLatencyRecorder(context);
  const rss = sampleRss(50);
  const runs: DiscussionRun[] = [];

  try {
    const ids = await Promise.all(
      Array.from({ length: count }, (_, position) =>
        createMockDiscussion(httpUrl, `Benchmark ${count}x${subscribers} #${position + 1}: how should a team adopt GraphQL?`, maxRounds),
      ),
    );
    for (const id of ids) {
      runs.push({
        id,
        messages: subscribeMessages(wsUrl, id),
        tokens: Array.from({ length: subscribers }, () => subscribeTokens(wsUrl, id, (receipt) => latency.record(receipt))),
      });
    }
    const everyOutcome = runs.flatMap((run) => [run.messages.done, ...run.tokens.map((token) => token.done)]);

    // Every subscription must be live on the server before the first token, or it would miss tokens:
    // S tokenStreamed + 1 messageAdded per discussion.
    const allLive = Promise.all(runs.map((run) => app.whenListening(run.id, subscribers + 1)));
    const endedEarly = Promise.race(everyOutcome).then((outcome) => {
      throw new Error(`a subscription ended before the discussions started: ${JSON.stringify(outcome)}`);
    });
    endedEarly.catch(() => {}); // it rejects at the end of every healthy run too, once the race is over
    await withTimeout(Promise.race([allLive, endedEarly]), timeoutMs, 'subscribing');

    const startedAt = performance.now();
    await Promise.all(runs.map((run) => startDiscussion(httpUrl, run.id)));
    let wallMs = Number.NaN;
    try {
      // Event-driven: each subscription completes when its discussion ends.
      await withTimeout(Promise.all(everyOutcome), timeoutMs, 'waiting for discussions to end');
      wallMs = performance.now() - startedAt;
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      wallMs = performance.now() - startedAt;
    }
    const peakRssBytes = rss.stop();

    const outcomes = await Promise.all(runs.map((run) => readOutcome(httpUrl, run.id)));
    let turns = 0;
    let tokensDelivered = 0;
    let mismatches = 0;
    let lost = 0;
    let duplicates = 0;
    const tokensPublished = reference.tokens;

    runs.forEach((run, position) => {
      const outcome = outcomes[position];
      const agentMessages = run.messages.messages.filter((message) => message.role === 'AGENT');
      turns += agentMessages.length;
      if (!outcome) problems.push(`${run.id}: discussion not found afterwards`);
      else {
        if (outcome.status !== 'COMPLETED')
          problems.push(`${run.id}: is ${outcome.status}, not COMPLETED (${outcome.stopReason ?? outcome.error ?? 'no reason'})`);
        if (outcome.messageCount !== run.messages.messages.length) {
          problems.push(
            `${run.id}: messageAdded delivered ${run.messages.messages.length} messages, the discussion holds ${outcome.messageCount}`,
          );
        }
      }
      const committed = new Map(agentMessages.map((message) => [message.id, message.content]));
      for (const [messageId, content] of committed) {
        if (reference.textOf(messageId) !== content)
          problems.push(`${run.id}: raw Redis tokens of ${messageId} do not concatenate to its content`);
      }
      for (const subscriber of run.tokens) {
        tokensDelivered += subscriber.received;
        duplicates += subscriber.duplicates;
        for (const [messageId, content] of committed) {
          const parts = subscriber.deltas.get(messageId);
          const { text, missing } = assembleText(parts);
          lost += Math.max(0, countPublished(reference, messageId) - (parts?.size ?? 0));
          if (text !== content || missing > 0) mismatches += 1;
        }
        for (const messageId of subscriber.deltas.keys()) {
          if (!committed.has(messageId)) mismatches += 1;
        }
      }
    });

    for (const run of runs) {
      const messageProblem = outcomeProblem(`${run.id} messageAdded`, await settledOrPending(run.messages.done));
      if (messageProblem) problems.push(messageProblem);
      for (const subscriber of run.tokens) {
        const tokenProblem = outcomeProblem(`${run.id} tokenStreamed`, await settledOrPending(subscriber.done));
        if (tokenProblem) problems.push(tokenProblem);
      }
    }

    const latencies = latency.finish();
    if (latencies.unmatched > 0) problems.push(`${latencies.unmatched} received tokens had no raw Redis reference`);
    return {
      ...setting,
      turns,
      tokensPublished,
      tokensDelivered,
      wallMs,
      latencyFromRedis: latencies.fromRedis,
      peakRssBytes,
      mismatches,
      lost,
      duplicates,
      problems,
    };
  } finally {
    rss.stop();
    await Promise.all(runs.flatMap((run) => [run.messages.dispose(), ...run.tokens.map((token) => token.dispose())]));
  }
}

/** Tokens the reference saw for a message. */
function countPublished(reference: RedisReference, messageId: string): number {
  let count = 0;
  while (reference.receivedAt(tokenKey(messageId, count)) !== undefined) count += 1;
  return count;
}

/** The outcome if already settled; a pending one counts as an error (the timeout already fired). */
async function settledOrPending(done: Promise<Outcome>): Promise<Outcome> {
  const pending: Outcome = { kind: 'error', message: 'still open at the end' };
  return Promise.race([done, Promise.resolve(pending)]);
}
