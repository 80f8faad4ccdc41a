/**
 * `GET /metrics` after discussions whose every turn the test decides: the
 * counts must be what happened (turns by outcome, failures by kind, tokens as
 * the vendor reported them), with no discussion id in any label.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeVendor, type FakeVendor } from '../fake-vendor/server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createWsClient, mustGraphQL, subscribeSse, subscribeWs } from '../support/clients.js';
import { STOP, stoppedSchema, readTranscript } from '../support/distributed.js';
import { MESSAGE_ADDED, START, createDiscussion, messageViewSchema, mockAgents } from '../support/documents.js';
import { createHealthServer } from '../../src/http/server.js';
import { createMetrics } from '../../src/metrics.js';
import type { Client } from 'graphql-ws';

const TOKEN = 'metrics-token-0123456789';
// The fake OpenAI-compatible server's model, priced by PRICING_FILE (such servers have no built-in price).
const PRICES = { OPENAI_COMPATIBLE: { 'llama3.1': { inputPerMillion: 2, outputPerMillion: 10 } } };
const AGENTS = [{ name: 'Ada', persona: 'Architect', provider: 'OPENAI_COMPATIBLE' }, mockAgents(2)[1]];

/** The value of one sample of the Prometheus text: `name{label="value",…} number`, all given labels matching. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = new Map<string, string>();
    for (const [, key = '', value = ''] of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) found.set(key, value);
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) return Number(match[3]);
  }
  return undefined;
}

async function scrape(url: string, token?: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, text: await response.text() };
}

describe('GET /metrics', () => {
  let fake: FakeVendor | undefined;
  let server: TestApp | undefined;
  let ws: Client | undefined;
  beforeAll(async () => {
    fake = await startFakeVendor();
    const pricingFile = join(mkdtempSync(join(tmpdir(), 'metrics-prices-')), 'prices.json');
    writeFileSync(pricingFile, JSON.stringify(PRICES));
    server = await startTestApp({ redis: true, env: { ...fake.environment(), METRICS_TOKEN: TOKEN, PRICING_FILE: pricingFile } });
    ws = createWsClient(server.url);
  });
  afterAll(async () => {
    await ws?.dispose();
    await server?.close();
    await fake?.close();
  });

  it('counts turns by outcome, failures by kind and the tokens the vendor reported, behind METRICS_TOKEN', async () => {
    if (!fake || !server || !ws) throw new Error('not started');
    const metricsUrl = new URL('/metrics', server.url).href;
    // Ada (the fake): a reply with known usage, then a refused key. Bob (MOCK) answers both rounds.
    fake.script('openai-compatible', { chunks: ['Known ', 'usage.'], usage: { inputTokens: 100, outputTokens: 7 } }, { status: 401 });
    const id = await createDiscussion(server.url, { topic: 'Counting', agents: AGENTS, maxRounds: 2 });
    const messages = await subscribeWs(ws, MESSAGE_ADDED, { id }, 'messageAdded', messageViewSchema);
    await server.app.whenListening(id, 1);
    await mustGraphQL(server.url, START, { id });
    await messages.collector.waitForCompletion();
    const { messages: transcript } = await readTranscript(server.url, id);
    expect(transcript.map((m) => [m.author, m.role])).toEqual([
      ['Ada', 'AGENT'],
      ['Bob', 'AGENT'],
      ['system', 'SYSTEM'],
      ['Bob', 'AGENT'],
    ]);

    // A third Ada reply, held at a gate and stopped: a cancelled turn.
    const gate = fake.gate();
    fake.script('openai-compatible', { chunks: ['Cut ', 'short'], gate });
    const held = await createDiscussion(server.url, { topic: 'Stopping', agents: AGENTS, maxRounds: 2 });
    const heldMessages = await subscribeWs(ws, MESSAGE_ADDED, { id: held }, 'messageAdded', messageViewSchema);
    await server.app.whenListening(held, 1);
    await mustGraphQL(server.url, START, { id: held });
    await gate.reached();
    await mustGraphQL(server.url, STOP, { id: held }, { schema: stoppedSchema });
    // The turn is counted before its partial reply commits, so once that message is here the count is in.
    expect((await heldMessages.collector.waitForCompletion()).map((m) => m.finishReason)).toEqual(['cancelled']);

    expect((await scrape(metricsUrl)).status).toBe(401);
    expect((await scrape(metricsUrl, 'not-the-token')).status).toBe(401);
    const { status, text } = await scrape(metricsUrl, TOKEN);
    expect(status).toBe(200);
    const turns = (provider: string, outcome: string) => sample(text, 'orchestrator_turns_total', { provider, outcome });
    expect(turns('OPENAI_COMPATIBLE', 'committed')).toBe(1);
    expect(turns('OPENAI_COMPATIBLE', 'failed')).toBe(1);
    expect(turns('OPENAI_COMPATIBLE', 'cancelled')).toBe(1);
    expect(turns('MOCK', 'committed')).toBe(2);
    expect(sample(text, 'orchestrator_turn_failures_total', { provider: 'OPENAI_COMPATIBLE', kind: 'authentication' })).toBe(1);
    const tokens = (provider: string, direction: string) => sample(text, 'orchestrator_llm_tokens_total', { provider, direction });
    expect(tokens('OPENAI_COMPATIBLE', 'input')).toBe(100);
    expect(tokens('OPENAI_COMPATIBLE', 'output')).toBe(7);
    const bob = transcript.filter((m) => m.author === 'Bob');
    expect(tokens('MOCK', 'input')).toBe(bob.reduce((sum, m) => sum + (m.usage?.inputTokens ?? 0), 0));
    expect(tokens('MOCK', 'output')).toBe(bob.reduce((sum, m) => sum + (m.usage?.outputTokens ?? 0), 0));
    // Money at the file's price: Ada's one reply that reported usage (100 in, 7 out); MOCK is free.
    expect(sample(text, 'orchestrator_llm_cost_usd_total', { provider: 'OPENAI_COMPATIBLE', model: 'llama3.1' })).toBeCloseTo(
      (100 * 2 + 7 * 10) / 1e6,
      12,
    );
    expect(sample(text, 'orchestrator_llm_cost_usd_total', { provider: 'MOCK' })).toBe(0);
    // First tokens: Ada's committed and cancelled replies (the refused one had none), and Bob's two.
    expect(sample(text, 'orchestrator_llm_time_to_first_token_seconds_count', { provider: 'OPENAI_COMPATIBLE' })).toBe(2);
    expect(sample(text, 'orchestrator_llm_request_duration_seconds_count', { provider: 'MOCK', outcome: 'committed' })).toBe(2);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // yoga's own metrics, by operation type only: the client's operation names are not labels.
    expect(sample(text, 'graphql_envelop_request_duration_count', { operationType: 'mutation' })).toBeGreaterThanOrEqual(5);
    expect(sample(text, 'graphql_yoga_http_duration_count', { method: 'POST', statusCode: '200' })).toBeGreaterThanOrEqual(5);
    expect(text).not.toContain('operationName=');
    // Every turn job was started by the worker, and none waits now.
    expect(sample(text, 'orchestrator_turn_start_lag_seconds_count')).toBeGreaterThanOrEqual(5);
    expect(sample(text, 'orchestrator_turn_queue_waiting')).toBe(0);
    expect(text).not.toContain(id);
    expect(text).not.toContain(held);
    expect(text).not.toContain(TOKEN);
  });

  it('counts the subscriptions open now by transport, up as they begin and down as they end', async () => {
    if (!server || !ws) throw new Error('not started');
    const metricsUrl = new URL('/metrics', server.url).href;
    const active = async () => {
      const { text } = await scrape(metricsUrl, TOKEN);
      return ['graphql-ws', 'sse', 'multipart'].map((transport) => sample(text, 'orchestrator_subscriptions_active', { transport }));
    };
    expect(await active()).toEqual([0, 0, 0]);
    const id = await createDiscussion(server.url, { topic: 'Watched', agents: mockAgents(2) });
    const viewer = createWsClient(server.url);
    const first = await subscribeWs(ws, MESSAGE_ADDED, { id }, 'messageAdded', messageViewSchema);
    await subscribeWs(viewer, MESSAGE_ADDED, { id }, 'messageAdded', messageViewSchema);
    const sse = await subscribeSse(server.url, MESSAGE_ADDED, { id }, 'messageAdded', messageViewSchema);
    // Apollo's multipart HTTP transport, read by nobody: it only has to be open.
    const multipart = new AbortController();
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec=1.0' },
      body: JSON.stringify({ query: MESSAGE_ADDED, variables: { id } }),
      signal: multipart.signal,
    });
    expect(response.headers.get('content-type')).toContain('multipart/mixed');
    await server.app.whenListening(id, 4);
    expect(await active()).toEqual([2, 1, 1]);
    multipart.abort();
    await expect.poll(active, { timeout: 15_000 }).toEqual([2, 1, 0]);
    // Closed by their clients (a socket that goes away, an SSE request aborted), they are counted out.
    await viewer.dispose();
    sse.close();
    await expect.poll(active, { timeout: 15_000 }).toEqual([1, 0, 0]);
    first.close();
    await expect.poll(active, { timeout: 15_000 }).toEqual([0, 0, 0]);
  });
});

describe("a worker's /metrics", () => {
  it('is served on its health port', async () => {
    const metrics = createMetrics();
    metrics.turnEnded({ provider: 'MOCK', model: 'mock-1', outcome: 'committed', inputTokens: 3, outputTokens: 4, durationMs: 20 });
    const { server } = createHealthServer({ isReady: () => Promise.resolve(true), metrics });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address();
      if (typeof address !== 'object' || address === null) throw new Error('not listening');
      const { status, text } = await scrape(`http://127.0.0.1:${address.port}/metrics`);
      expect(status).toBe(200);
      expect(sample(text, 'orchestrator_turns_total', { provider: 'MOCK', outcome: 'committed' })).toBe(1);
      expect(sample(text, 'orchestrator_llm_tokens_total', { provider: 'MOCK', direction: 'output' })).toBe(4);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
