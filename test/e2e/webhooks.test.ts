/**
 * Webhooks end to end: a discussion that reaches a final status POSTs its
 * summary to a local receiver, signed, retried with backoff through the queue
 * (BullMQ in Redis mode, in-process in memory mode) until a 2xx, with one
 * delivery id across the retries; private hosts are refused at creation unless
 * WEBHOOK_ALLOW_PRIVATE=true; the secret never reaches the logs; and the
 * engine's hook fires on final statuses only, a failing enqueue leaving the transition be.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { PubSub } from 'graphql-subscriptions';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { transitionAndPublish } from '../../src/engine/dependencies.js';
import { createEventBus } from '../../src/events/bus.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { makeRecord } from '../store/fixtures.js';
import { BOTH_MODES, startTestApp, type TestApp } from '../support/app.js';
import { mustGraphQL, requestGraphQL } from '../support/clients.js';
import { STOP, stoppedSchema } from '../support/distributed.js';
import { CREATE, createDiscussion, mockAgents, START } from '../support/documents.js';
import { captureLogText } from '../support/logs.js';

const SECRET = 'e2e-webhook-secret-0123456789abcdef';
/** A token in the webhook URL's query, as receivers often want: it must stay out of the logs too. */
const QUERY_TOKEN = 'query-token-9f8e7d';
/** Short, so three attempts take moments; nothing below waits on time, only on the requests arriving. */
const WEBHOOK_RETRY = { retryDelayMs: 20 };

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1: answers the nth request with `statuses[n]` (never, for 'hang'), then 200; `received(n)` resolves once n have come. */
async function startReceiver(statuses: (number | 'hang')[] = []) {
  const requests: Received[] = [];
  const waiters: { count: number; resolve: (requests: Received[]) => void }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = statuses[requests.length - 1] ?? 200;
      if (status !== 'hang') response.writeHead(status).end();
      for (const waiter of waiters.filter((candidate) => requests.length >= candidate.count)) waiter.resolve([...requests]);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the receiver is not on a TCP port');
  return {
    url: `http://127.0.0.1:${address.port}/hooks/discussions?token=${QUERY_TOKEN}`,
    requests,
    // Resolves at once when that many have come already: a delivery may arrive before the mutation's answer.
    received: (count: number) =>
      new Promise<Received[]>((resolve) => (requests.length >= count ? resolve([...requests]) : waiters.push({ count, resolve }))),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const captureLogs = () => captureLogText('trace');

const SUMMARY = `query($id: ID!) { discussion(id: $id) {
  id topic status stopReason error protocol maxRounds currentRound turn messageCount
  usage { inputTokens outputTokens totalTokens } createdAt startedAt finishedAt webhookUrl } }`;
const nullableNumber = z.number().nullable();
const summarySchema = z.strictObject({
  id: z.string(),
  topic: z.string(),
  status: z.string(),
  stopReason: z.string().nullable(),
  error: z.string().nullable(),
  protocol: z.string(),
  maxRounds: z.number(),
  currentRound: z.number(),
  turn: z.number(),
  messageCount: z.number(),
  usage: z.strictObject({ inputTokens: nullableNumber, outputTokens: nullableNumber, totalTokens: nullableNumber }),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
const payloadSchema = z.strictObject({ deliveryId: z.string(), event: z.literal('discussion.finished'), discussion: summarySchema });

async function readSummary(url: string, id: string) {
  const data = await mustGraphQL(
    url,
    SUMMARY,
    { id },
    { schema: z.object({ discussion: summarySchema.extend({ webhookUrl: z.string().nullable() }) }) },
  );
  return data.discussion;
}

const verifies = (request: Received, secret: string): boolean => {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(Buffer.from(request.body, 'utf8')).digest('hex')}`);
  const signature = Buffer.from(String(request.headers['x-signature-256']));
  return signature.length === expected.length && timingSafeEqual(signature, expected);
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  // Last in, first out: the apps (their workers stop sending) before the receivers they send to.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(redis: boolean, statuses: (number | 'hang')[] = []) {
  const receiver = await startReceiver(statuses);
  cleanups.push(() => receiver.close());
  const logs = captureLogs();
  const server: TestApp = await startTestApp({
    redis,
    env: { WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE: 'true' },
    logger: logs.logger,
    webhookRetry: WEBHOOK_RETRY,
  });
  cleanups.push(() => server.close());
  return { receiver, logs, server };
}

describe.each(BOTH_MODES)('webhooks ($mode mode)', ({ redis }) => {
  it('delivers a COMPLETED discussion after two failed attempts: one delivery id, one body, signed, and the summary GraphQL shows', async () => {
    const { receiver, logs, server } = await setUp(redis, [500, 500]);
    const id = await createDiscussion(server.url, {
      topic: 'Ship on Friday?',
      agents: mockAgents(2),
      maxRounds: 1,
      webhookUrl: receiver.url,
    });
    await mustGraphQL(server.url, START, { id });

    const requests = await receiver.received(3);
    expect(requests).toHaveLength(3);
    const [first] = requests;
    if (!first) throw new Error('no request');
    const deliveryId = String(first.headers['x-delivery-id']);
    for (const [index, request] of requests.entries()) {
      expect(request.headers['x-delivery-id']).toBe(deliveryId);
      expect(request.headers['x-delivery-attempt']).toBe(String(index + 1));
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['user-agent']).toMatch(/webhook/);
      expect(request.body).toBe(first.body);
      expect(verifies(request, SECRET)).toBe(true);
    }
    expect(verifies(first, `${SECRET}x`)).toBe(false);

    const payload = payloadSchema.parse(JSON.parse(first.body));
    const { webhookUrl, ...summary } = await readSummary(server.url, id);
    expect(summary.status).toBe('COMPLETED');
    expect(summary.stopReason).toBe('max_rounds');
    expect(payload).toEqual({ deliveryId, event: 'discussion.finished', discussion: summary });
    expect(webhookUrl).toBe(receiver.url);

    // The third attempt's success is logged once the queue has settled it.
    await vi.waitFor(() => expect(logs.text()).toContain('webhook delivered'), { timeout: 20_000, interval: 20 });
    const retried = logs.lines.filter((line) => line.includes('will be retried'));
    expect(retried).toHaveLength(2);
    for (const line of retried) {
      expect(line).toContain(deliveryId);
      expect(line).toContain(id);
    }
    expect(receiver.requests).toHaveLength(3);
    for (const secret of [SECRET, QUERY_TOKEN]) expect(logs.text()).not.toContain(secret);
  });

  it('delivers a STOPPED discussion', async () => {
    const { receiver, server } = await setUp(redis);
    const id = await createDiscussion(server.url, { topic: 'Stop me', agents: mockAgents(2), webhookUrl: receiver.url });
    const stopped = await mustGraphQL(server.url, STOP, { id }, { schema: stoppedSchema });
    expect(stopped.stopDiscussion.status).toBe('STOPPED');
    const [request] = await receiver.received(1);
    if (!request) throw new Error('no request');
    const payload = payloadSchema.parse(JSON.parse(request.body));
    expect(payload.discussion).toMatchObject({ id, status: 'STOPPED', stopReason: 'stopped_by_user', startedAt: null });
    expect(payload.discussion.finishedAt).toEqual(expect.any(String));
    expect(verifies(request, SECRET)).toBe(true);
  });
});

describe('webhookUrl at createDiscussion', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ env: { WEBHOOK_SECRET: SECRET } });
  });
  afterAll(() => server.close());

  it.each([
    ...[
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://LOCALHOST./',
      'http://[::1]/',
      'http://10.0.0.7/',
      'http://192.168.1.20/',
    ],
    ...[
      'http://169.254.169.254/latest/meta-data',
      'http://[fe80::1]/',
      'http://[fd00::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://2130706433/',
    ],
    ...['ftp://example.com/hook', 'https://user:password@example.com/hook', 'not a url', `https://example.com/${'a'.repeat(2_000)}`],
  ])('refuses %s with BAD_USER_INPUT naming input.webhookUrl when WEBHOOK_ALLOW_PRIVATE is unset', async (webhookUrl) => {
    const { body } = await requestGraphQL(server.url, CREATE, { input: { topic: 'Refused', agents: mockAgents(2), webhookUrl } });
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.webhookUrl' } });
    expect(body.errors?.[0]?.message).toMatch(/^input\.webhookUrl: /);
    expect(JSON.stringify(body)).not.toContain(SECRET);
  });

  it('keeps a public URL (normalised) and shows it on Discussion.webhookUrl', async () => {
    const id = await createDiscussion(server.url, {
      topic: 'Kept',
      agents: mockAgents(2),
      webhookUrl: 'HTTPS://Hooks.Example.com/in?token=abc',
    });
    expect((await readSummary(server.url, id)).webhookUrl).toBe('https://hooks.example.com/in?token=abc');
    const plain = await createDiscussion(server.url, { topic: 'No webhook', agents: mockAgents(2) });
    expect((await readSummary(server.url, plain)).webhookUrl).toBeNull();
  });
});

describe('webhooks across Redis-mode workers', () => {
  it('a worker stopped mid-delivery hands it back to the queue, and the next worker sends the same delivery', async () => {
    const receiver = await startReceiver(['hang']);
    cleanups.push(() => receiver.close());
    const env = { WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE: 'true' };
    const first = await startTestApp({ redis: true, env, keepKeys: true, webhookRetry: WEBHOOK_RETRY });
    // Stopping twice is stopping once: this only matters when the test fails before it stops the first app itself.
    cleanups.push(() => first.close());
    const id = await createDiscussion(first.url, { topic: 'Handed over', agents: mockAgents(2), webhookUrl: receiver.url });
    await mustGraphQL(first.url, STOP, { id }, { schema: stoppedSchema });
    await receiver.received(1);
    // The first worker stops while the receiver still holds its request.
    await first.close();
    const second = await startTestApp({ redis: true, env, keyPrefix: first.keyPrefix, webhookRetry: WEBHOOK_RETRY });
    cleanups.push(() => second.close());
    const [held, sent] = await receiver.received(2);
    if (!held || !sent) throw new Error('no requests');
    expect(sent.headers['x-delivery-id']).toBe(held.headers['x-delivery-id']);
    expect(sent.body).toBe(held.body);
    expect(verifies(sent, SECRET)).toBe(true);
    expect(payloadSchema.parse(JSON.parse(sent.body)).discussion).toMatchObject({ id, status: 'STOPPED' });
  });
});

describe('transitionAndPublish and the webhook hook', () => {
  it('enqueues on final statuses of discussions with a webhookUrl only, and a failing enqueue does not fail the transition', async () => {
    const store = createMemoryStore();
    const logs = captureLogs();
    const finished: string[] = [];
    let failNext = false;
    const webhooks = {
      allowPrivate: false,
      finished: (record: { id: string; status: string }) => {
        if (failNext) return Promise.reject(new Error('queue down'));
        finished.push(`${record.id} ${record.status}`);
        return Promise.resolve();
      },
    };
    const dependencies = { store, bus: createEventBus({ pubsub: new PubSub() }), logger: logs.logger, webhooks };
    const [hooked, plain, failing] = [
      makeRecord({ webhookUrl: 'https://example.com/' }),
      makeRecord(),
      makeRecord({ webhookUrl: 'https://example.com/' }),
    ];
    for (const record of [hooked, plain, failing]) await store.create({ ...record, status: 'RUNNING' });

    await transitionAndPublish(dependencies, hooked.id, { from: ['RUNNING'], to: 'PAUSED' });
    await transitionAndPublish(dependencies, hooked.id, { from: ['PAUSED'], to: 'FAILED' });
    await transitionAndPublish(dependencies, plain.id, { from: ['RUNNING'], to: 'COMPLETED' });
    expect(finished).toEqual([`${hooked.id} FAILED`]);

    failNext = true;
    const stopped = await transitionAndPublish(dependencies, failing.id, { from: ['RUNNING'], to: 'STOPPED' });
    expect(stopped?.status).toBe('STOPPED');
    expect(logs.text()).toMatch(/could not enqueue the webhook delivery/);
  });
});
