/**
 * OpenTelemetry across processes: an API and a worker export to a local
 * OTLP/HTTP receiver, and one trace holds the mutation that started a
 * discussion, every turn it caused (run by the worker, its trace context
 * carried in the BullMQ job) and each provider call with the GenAI attributes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestApp } from '../support/app.js';
import { mustGraphQL } from '../support/clients.js';
import { createDiscussion, mockAgents } from '../support/documents.js';
import { isTurnStarted, readTranscript, useFakeVendor, useProcesses, vendorAgents } from '../support/distributed.js';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';

const START_NAMED = `mutation StartDiscussion($id: ID!) { startDiscussion(id: $id) { status } }`;
/** A mutation that may answer errors (the test reads the span, not the answer). */
async function postNamed(url: string, query: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  await response.body?.cancel();
}

const startedSchema = z.strictObject({ startDiscussion: z.strictObject({ status: z.string() }) });

/** The span tree as indented lines of `name [role]`, children in the order they were received. */
function renderTree(spans: readonly ReceivedSpan[], root: ReceivedSpan, depth = 0): string[] {
  const line = `${'  '.repeat(depth)}${root.name} [${String(root.resource['service.role'])}]`;
  const children = spans.filter((span) => span.parentSpanId === root.spanId);
  return [line, ...children.flatMap((child) => renderTree(spans, child, depth + 1))];
}

describe('tracing across an API and a worker', () => {
  const context = useProcesses();
  const vendor = useFakeVendor();
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver?.close());

  it('puts the mutation, the turns it caused and their provider calls in one trace, and the trace id on the turn’s log lines', async () => {
    if (!receiver) throw new Error('the receiver is not started');
    const { group, redisUrl } = context;
    const env = {
      REDIS_URL: redisUrl,
      LOG_LEVEL: 'debug',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      // Export each batch soon after it fills, instead of every 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '50',
      ...vendor.fake.environment(),
    };
    const api = group.spawnService('api', { ...env, ROLE: 'api' });
    const worker = group.spawnService('worker', { ...env, ROLE: 'worker' });
    const [url] = await Promise.all([api.url, worker.url]);

    const id = await createDiscussion(url, { topic: 'Traced', agents: vendorAgents(2), maxRounds: 1 });
    await mustGraphQL(url, START_NAMED, { id }, { schema: startedSchema });
    await expect.poll(async () => (await readTranscript(url, id)).status, { timeout: 30_000, interval: 100 }).toBe('COMPLETED');
    const { messages } = await readTranscript(url, id);
    const replies = messages.filter((message) => message.role === 'AGENT');
    expect(replies).toHaveLength(2);

    // Every span of the discussion: the mutation's, a turn per job, a chat per reply (the exporters batch them).
    // A turn that restarted (a worker stalled past its lock) has two spans and two calls: any of them may be the one.
    const spans = receiver.spans;
    const turnsOf = (values: readonly ReceivedSpan[], turn?: number) =>
      values.filter(
        (span) =>
          span.name === 'discussion.turn' &&
          span.attributes['discussion.id'] === id &&
          (turn === undefined || span.attributes['discussion.turn'] === turn),
      );
    const chatsOf = (values: readonly ReceivedSpan[], turn: number) =>
      values.filter((span) => span.name.startsWith('chat ') && turnsOf(values, turn).some((parent) => parent.spanId === span.parentSpanId));
    await spans.waitFor(
      (values) =>
        values.some((span) => span.name === 'mutation StartDiscussion') && replies.every((reply) => chatsOf(values, reply.turn).length > 0),
      { timeoutMs: 30_000, what: 'the spans of the mutation, its turns and their provider calls' },
    );
    const mutation = spans.values.find((span) => span.name === 'mutation StartDiscussion');
    if (!mutation) throw new Error('no mutation span');
    expect(mutation.resource['service.role']).toBe('api');
    expect(mutation.attributes).toMatchObject({ 'graphql.operation.type': 'mutation', 'graphql.operation.name': 'StartDiscussion' });

    // The turns run in the worker process, each a child of the mutation (not of the turn before it).
    const turns = turnsOf(spans.values);
    for (const turn of turns) {
      expect(turn.resource['service.role']).toBe('worker');
      expect(turn.resource['process.pid']).toBe(worker.pid);
      expect(turn.traceId).toBe(mutation.traceId);
      expect(turn.parentSpanId).toBe(mutation.spanId);
    }

    // A provider call per reply, under its turn, with the GenAI attributes and the vendor's own token counts.
    for (const reply of replies) {
      const calls = chatsOf(spans.values, reply.turn);
      const call = calls.find((span) => span.attributes['gen_ai.usage.output_tokens'] === reply.usage?.outputTokens) ?? calls[0];
      expect(call?.traceId).toBe(mutation.traceId);
      expect(call?.events).toContain('gen_ai.first_token');
      expect(call?.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': '_OTHER',
        'orchestrator.provider': 'OPENAI_COMPATIBLE',
        'gen_ai.request.model': reply.model,
        'gen_ai.usage.input_tokens': reply.usage?.inputTokens,
        'gen_ai.usage.output_tokens': reply.usage?.outputTokens,
        'gen_ai.response.finish_reasons': ['stop'],
      });
    }

    // The worker's log lines about a turn name the discussion, the turn and the trace.
    const started = group.linesSince(0, isTurnStarted(id));
    expect(started.length).toBeGreaterThanOrEqual(2);
    for (const line of started) expect(line.entry.traceId).toBe(mutation.traceId);

    console.log(
      `one trace, ${spans.values.filter((span) => span.traceId === mutation.traceId).length} spans:\n${renderTree(spans.values, mutation).join('\n')}`,
    );
  });

  it('in one process (memory mode), joins a caller’s trace, and marks an operation that answered errors', { timeout: 60_000 }, async () => {
    if (!receiver) throw new Error('the receiver is not started');
    const server = await startTestApp({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '50' } });
    try {
      const id = await createDiscussion(server.url, { topic: 'Traced in memory', agents: mockAgents(2), maxRounds: 1 });
      // The caller's own span: W3C traceparent, version 00, sampled.
      const callerTrace = 'aa'.repeat(16);
      const callerSpan = 'bb'.repeat(8);
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${callerTrace}-${callerSpan}-01` },
        body: JSON.stringify({ query: START_NAMED, variables: { id } }),
      });
      expect(response.status).toBe(200);
      await expect.poll(async () => (await readTranscript(server.url, id)).status, { timeout: 30_000, interval: 100 }).toBe('COMPLETED');
      await postNamed(server.url, 'mutation StopNothing { stopDiscussion(id: "no-such-discussion") { status } }');

      const spans = receiver.spans;
      await spans.waitFor(
        (values) =>
          values.some((span) => span.name === 'mutation StopNothing') &&
          values.filter((span) => span.traceId === callerTrace && span.name === 'discussion.turn').length >= 2 &&
          values.filter((span) => span.traceId === callerTrace && span.name.startsWith('chat ')).length >= 2,
        { timeoutMs: 20_000, what: 'the spans of the started discussion and of the failed mutation' },
      );
      const mutation = spans.values.find((span) => span.name === 'mutation StartDiscussion' && span.traceId === callerTrace);
      expect(mutation?.parentSpanId).toBe(callerSpan);
      const turns = spans.values.filter((span) => span.traceId === callerTrace && span.name === 'discussion.turn');
      for (const turn of turns) expect(turn.parentSpanId).toBe(mutation?.spanId);
      const chats = spans.values.filter((span) => span.traceId === callerTrace && span.name.startsWith('chat '));
      expect(chats.map((chat) => chat.attributes['orchestrator.provider'])).toEqual(chats.map(() => 'MOCK'));
      const failed = spans.values.find((span) => span.name === 'mutation StopNothing');
      // OpenTelemetry's status code 2 is ERROR.
      expect(failed?.statusCode).toBe(2);
      expect(failed?.attributes['graphql.error.codes']).toEqual(['NOT_FOUND']);
    } finally {
      await server.close();
    }
  });
});
