import { describe, expect, it } from 'vitest';
import { createWsClient, disposeClients, mustGraphQL, subscribeWs, type Subscription } from '../support/clients.js';
import { createDiscussion, type MessageView, MESSAGE_ADDED, messageViewSchema, mockAgents, START } from '../support/documents.js';
import { isTurnStarted, readTranscript, turnProblems, useProcesses } from '../support/distributed.js';

const DISCUSSIONS = 200;
const AGENTS = 2;
const ROUNDS = 2;
const CLIENTS = 4;
const BATCH = 20;

/** Runs `task` over `items`, `size` at a time. */
async function inBatches<T, R>(items: readonly T[], size: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    results.push(...(await Promise.all(items.slice(start, start + size).map((item, offset) => task(item, start + offset)))));
  }
  return results;
}

describe('many discussions across two worker processes', () => {
  const context = useProcesses();

  it(`runs ${DISCUSSIONS} discussions to completion, each transcript whole, on both workers`, async () => {
    const { group, redisUrl } = context;
    // One anonymous owner drives 200 discussions: its per-owner limits are not what this measures.
    const env = {
      REDIS_URL: redisUrl,
      TURN_LOCK_MS: '2000',
      MOCK_TOKEN_DELAY_MS: '0',
      RATE_LIMIT_PER_MINUTE: '1000000',
      MAX_RUNNING_PER_OWNER: '1000000',
    };
    const api = group.spawnService('api', { ...env, ROLE: 'api', LOG_LEVEL: 'info' });
    const workers = [1, 2].map((number) => group.spawnService(`worker-${number}`, { ...env, ROLE: 'worker', LOG_LEVEL: 'debug' }));
    const [url] = await Promise.all([api.url, ...workers.map((worker) => worker.url)]);

    const clients = Array.from({ length: CLIENTS }, () => createWsClient(url));
    const subscriptions: Subscription<MessageView>[] = [];
    try {
      const slots = Array.from({ length: DISCUSSIONS }, (_, index) => index);
      const ids = await inBatches(slots, BATCH, (index) =>
        createDiscussion(url, { topic: `Load topic ${index}`, agents: mockAgents(AGENTS), maxRounds: ROUNDS }),
      );
      // messageAdded from the start of the log: it replays whatever was committed before the subscription was live, and completes when the discussion ends.
      for (const [index, id] of ids.entries()) {
        const client = clients[index % CLIENTS];
        if (!client) throw new Error('no client');
        subscriptions.push(await subscribeWs(client, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', messageViewSchema));
      }
      const startedAt = performance.now();
      await inBatches(ids, BATCH, (id) => mustGraphQL(url, START, { id }));
      await Promise.all(subscriptions.map((subscription) => subscription.collector.waitForCompletion({ timeoutMs: 120_000 })));
      const wallMs = performance.now() - startedAt;

      const transcripts = await inBatches(ids, BATCH, (id) => readTranscript(url, id));
      const problems: string[] = [];
      transcripts.forEach((transcript, index) => {
        const id = ids[index] ?? '';
        const received = subscriptions[index]?.collector.values ?? [];
        const agentTurns = transcript.messages.filter((message) => message.role === 'AGENT').map((message) => message.turn);
        const { missing, repeated } = turnProblems(agentTurns);
        if (transcript.status !== 'COMPLETED')
          problems.push(`${id}: ${transcript.status} (${transcript.stopReason ?? transcript.error ?? ''})`);
        if (transcript.messages.length !== AGENTS * ROUNDS || agentTurns.length !== AGENTS * ROUNDS)
          problems.push(`${id}: ${transcript.messages.length} messages`);
        if (missing.length > 0 || repeated.length > 0)
          problems.push(`${id}: turns missing ${missing.join(',')}, repeated ${repeated.join(',')}`);
        const outline = (messages: readonly { turn: number; cursor: string }[]) =>
          messages.map((message) => `${message.turn}@${message.cursor}`).join(' ');
        if (outline(received) !== outline(transcript.messages))
          problems.push(`${id}: messageAdded gave ${outline(received)}; the transcript is ${outline(transcript.messages)}`);
        if (subscriptions[index]?.collector.errors.length)
          problems.push(`${id}: ${JSON.stringify(subscriptions[index]?.collector.errors)}`);
      });
      expect(problems.slice(0, 10), `${problems.length} discussion(s) went wrong`).toEqual([]);

      // Both workers took turns.
      const idSet = new Set(ids);
      const started = group.log.values.filter((line) => line.entry.msg === 'turn started' && idSet.has(String(line.entry.discussionId)));
      const perWorker = workers.map((worker) => started.filter((line) => line.pid === worker.pid).length);
      expect(
        perWorker.every((count) => count > 0),
        `turns started per worker: ${perWorker.join(' / ')}`,
      ).toBe(true);
      // A job per turn, plus the one that finds maxRounds reached and completes the discussion.
      expect(started.length).toBeGreaterThanOrEqual(DISCUSSIONS * (AGENTS * ROUNDS + 1));
      expect(ids.every((id) => started.some(isTurnStarted(id)))).toBe(true);

      console.info(
        `${DISCUSSIONS} discussions, ${DISCUSSIONS * AGENTS * ROUNDS} turns in ${(wallMs / 1000).toFixed(1)} s ` +
          `(${((DISCUSSIONS * AGENTS * ROUNDS * 1000) / wallMs).toFixed(0)} turns/s); turn jobs started per worker: ${perWorker.join(' / ')}`,
      );
    } finally {
      for (const subscription of subscriptions) subscription.close();
      await disposeClients(clients);
    }
  }, 240_000);
});
