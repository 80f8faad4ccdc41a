import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestApp, type TestApp } from '../support/app.js';
import { createWsClient, mustGraphQL, subscribeWs } from '../support/clients.js';
import {
  createDiscussion,
  MESSAGE_ADDED,
  messageViewSchema,
  readDiscussion,
  START,
  TOKEN_STREAMED,
  tokenViewSchema,
} from '../support/documents.js';
import { FAKE_API_KEYS, startFakeVendor, type FakeVendor } from '../fake-vendor/server.js';
import { estimateTokens } from '../../src/engine/context-budget.js';

const MESSAGES = `query($id: ID!) { discussion(id: $id) { status stopReason error usage { inputTokens outputTokens }
  participants { name ... on Agent { provider usage { inputTokens outputTokens } } }
  messages(first: 500) { edges { node { author role provider model content finishReason timeToFirstTokenMs durationMs usage { inputTokens outputTokens } } } } } }`;

const usageSchema = z.strictObject({ inputTokens: z.number().nullable(), outputTokens: z.number().nullable() });
/** What MESSAGES answers; every participant in these tests is an agent. */
const discussionSchema = z.strictObject({
  status: z.string(),
  stopReason: z.string().nullable(),
  error: z.string().nullable(),
  usage: usageSchema,
  participants: z.array(z.strictObject({ name: z.string(), provider: z.string(), usage: usageSchema })),
  messages: z.strictObject({
    edges: z.array(
      z.strictObject({
        node: messageViewSchema
          .pick({ author: true, role: true, provider: true, model: true, content: true, finishReason: true, usage: true })
          .extend({ timeToFirstTokenMs: z.number().nullable(), durationMs: z.number().nullable() }),
      }),
    ),
  }),
});

// The parts of each vendor's request body these tests read; the SDKs send more.
const anthropicBodySchema = z.looseObject({ system: z.string(), messages: z.array(z.looseObject({ role: z.string() })) });
const openaiBodySchema = z.looseObject({
  messages: z.array(z.looseObject({ role: z.string(), name: z.string().optional(), content: z.string() })),
});
const geminiBodySchema = z.looseObject({ contents: z.array(z.looseObject({ role: z.string() })) });

describe('real vendor SDKs against a local server speaking their wire formats', () => {
  let fake: FakeVendor;
  let server: TestApp;

  beforeAll(async () => {
    fake = await startFakeVendor();
    server = await startTestApp({ env: { ...fake.environment(), PROVIDER_MAX_RETRIES: '1' } });
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  async function runToEnd(input: Record<string, unknown>) {
    const id = await createDiscussion(server.url, input);
    const ws = createWsClient(server.url);
    const messages = await subscribeWs(ws, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', messageViewSchema);
    await mustGraphQL(server.url, START, { id, initialMessage: 'Please be brief.' });
    await messages.collector.waitForCompletion({ timeoutMs: 60_000 });
    await ws.dispose();
    const data = await mustGraphQL(server.url, MESSAGES, { id }, { schema: z.strictObject({ discussion: discussionSchema }) });
    return { id, discussion: data.discussion, messages: data.discussion.messages.edges.map((edge) => edge.node) };
  }

  it('lists every provider as configured with its default model', async () => {
    const schema = z.strictObject({
      providers: z.array(z.strictObject({ name: z.string(), configured: z.boolean(), defaultModel: z.string() })),
    });
    const data = await mustGraphQL(server.url, '{ providers { name configured defaultModel } }', undefined, { schema });
    expect(data.providers.every((provider) => provider.configured)).toBe(true);
    expect(data.providers.find((provider) => provider.name === 'ANTHROPIC')?.defaultModel).toBe('claude-sonnet-4-6');
  });

  it('runs one agent per vendor: every message has its vendor text, usage and timings', async () => {
    fake.script('anthropic', { chunks: ['Anthropic ', 'says ', 'hello.'], usage: { inputTokens: 101, outputTokens: 11 } });
    fake.script('openai', { chunks: ['OpenAI ', 'says ', 'hello.'], usage: { inputTokens: 102, outputTokens: 12 } });
    fake.script('gemini', { chunks: ['Gemini ', 'says ', 'hello.'], usage: { inputTokens: 103, outputTokens: 13 } });
    fake.script('anthropic', { chunks: ['The agent SDK ', 'says ', 'hello.'], usage: { inputTokens: 104, outputTokens: 14 } });
    fake.script('openai-compatible', { chunks: ['Llama ', 'says ', 'hello.'], usage: null });
    const { messages, discussion } = await runToEnd({
      topic: 'Vendors in one room',
      maxRounds: 1,
      agents: [
        { name: 'Claude', provider: 'ANTHROPIC', model: 'claude-test', temperature: 0.2, maxTokens: 300 },
        { name: 'Gpt', provider: 'OPENAI', model: 'gpt-test', maxTokens: 300 },
        { name: 'Gem', provider: 'GEMINI', model: 'gemini-test' },
        { name: 'Agent', provider: 'CLAUDE_AGENT', model: 'claude-agent-test' },
        { name: 'Llama', provider: 'OPENAI_COMPATIBLE', model: 'llama-test' },
      ],
    });
    expect(messages.map((message) => [message.author, message.provider, message.model, message.content])).toEqual([
      ['user', null, null, 'Please be brief.'],
      ['Claude', 'ANTHROPIC', 'claude-test', 'Anthropic says hello.'],
      ['Gpt', 'OPENAI', 'gpt-test', 'OpenAI says hello.'],
      ['Gem', 'GEMINI', 'gemini-test', 'Gemini says hello.'],
      ['Agent', 'CLAUDE_AGENT', 'claude-agent-test', 'The agent SDK says hello.'],
      ['Llama', 'OPENAI_COMPATIBLE', 'llama-test', 'Llama says hello.'],
    ]);
    const agents = messages.slice(1);
    expect(agents.map((message) => message.usage)).toEqual([
      { inputTokens: 101, outputTokens: 11 },
      { inputTokens: 102, outputTokens: 12 },
      { inputTokens: 103, outputTokens: 13 },
      { inputTokens: 104, outputTokens: 14 },
      { inputTokens: null, outputTokens: null },
    ]);
    for (const message of agents) {
      expect(message.finishReason).toBe('stop');
      expect(message.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
      expect(message.durationMs).toBeGreaterThanOrEqual(message.timeToFirstTokenMs ?? 0);
    }
    // Summed from what vendors reported; the compatible server reported nothing, which adds nothing.
    expect(discussion.usage).toEqual({ inputTokens: 410, outputTokens: 50 });
    expect(discussion.participants.find((participant) => participant.name === 'Llama')?.usage).toEqual({
      inputTokens: null,
      outputTokens: null,
    });
    expect(discussion).toMatchObject({ status: 'COMPLETED', stopReason: 'max_rounds' });

    // What each SDK sent: its model, our system prompt, and the transcript in the vendor's shape.
    const [anthropic] = fake.requestsFor('anthropic').filter((request) => request.path.startsWith('/v1/messages'));
    expect(anthropic?.body).toMatchObject({ model: 'claude-test', temperature: 0.2, max_tokens: 300, stream: true });
    const anthropicBody = anthropicBodySchema.parse(anthropic?.body);
    expect(anthropicBody.system).toContain('You are Claude');
    expect(anthropicBody.messages[0]).toMatchObject({ role: 'user' });
    const [openai] = fake.requestsFor('openai');
    const openaiMessages = openaiBodySchema.parse(openai?.body).messages;
    expect(openaiMessages[0]).toMatchObject({ role: 'system' });
    expect(openaiMessages.slice(1).map((message) => [message.role, message.name])).toEqual([
      ['user', 'user'],
      ['user', 'Claude'],
    ]);
    expect(openai?.body).toMatchObject({ model: 'gpt-test', stream: true, stream_options: { include_usage: true } });
    expect(openai?.headers.authorization).toBe(`Bearer ${FAKE_API_KEYS.openai}`);
    const [gemini] = fake.requestsFor('gemini');
    expect(gemini?.path).toBe('/v1beta/models/gemini-test:streamGenerateContent');
    const { contents } = geminiBodySchema.parse(gemini?.body);
    expect(contents.map((content) => content.role)).toEqual(['user']);
  }, 90_000);

  it('stop cancels the vendor stream at once and keeps the partial text', async () => {
    fake.script('openai', { chunks: ['Partial ', 'answer ', 'so far'], hang: true });
    const id = await createDiscussion(server.url, { topic: 'Cancel me', maxRounds: 2, agents: [{ name: 'Gpt', provider: 'OPENAI' }] });
    const ws = createWsClient(server.url);
    const tokens = await subscribeWs(ws, TOKEN_STREAMED, { id }, 'tokenStreamed', tokenViewSchema);
    await server.app.whenListening(id, 1);
    await mustGraphQL(server.url, START, { id });
    // Deltas may be coalesced into fewer events: wait until they spell everything sent before the hang.
    await tokens.collector.waitFor((events) => events.map((event) => event.delta).join('') === 'Partial answer so far', {
      what: 'the partial text',
    });
    const [request] = await fake.waitForRequests(1, 'openai');
    await mustGraphQL(server.url, 'mutation($id: ID!) { stopDiscussion(id: $id) { status } }', { id });
    expect(await request?.closed).toEqual({ completed: false });
    const discussion = await readDiscussion(server.url, id);
    expect(discussion.messages.edges.map((edge) => [edge.node.content, edge.node.finishReason])).toEqual([
      ['Partial answer so far', 'cancelled'],
    ]);
    await ws.dispose();
  });

  it('an observer who injects while an agent streams is seen by the next turn', async () => {
    // Ada's reply is held at a gate until the inject has landed, however slow the machine.
    const gate = fake.gate();
    fake.script('openai', { chunks: ['One ', 'two '], gate, afterGate: ['three ', 'four.'] });
    const id = await createDiscussion(server.url, {
      topic: 'Interruptions',
      maxRounds: 1,
      agents: [
        { name: 'Ada', provider: 'OPENAI' },
        { name: 'Bob', provider: 'OPENAI' },
      ],
    });
    const ws = createWsClient(server.url);
    const tokens = await subscribeWs(ws, TOKEN_STREAMED, { id }, 'tokenStreamed', tokenViewSchema);
    const messages = await subscribeWs(ws, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', messageViewSchema);
    await server.app.whenListening(id, 2);
    await mustGraphQL(server.url, START, { id });
    await tokens.collector.waitForCount(1);
    await mustGraphQL(
      server.url,
      'mutation($id: ID!) { injectMessage(discussionId: $id, content: "Mind the budget!", author: "Olaf") { id } }',
      { id },
    );
    gate.release();
    const all = await messages.collector.waitForCompletion();
    expect(all.map((message) => message.author)).toEqual(['Olaf', 'Ada', 'Bob']);
    const bobRequest = openaiBodySchema.parse(fake.requestsFor('openai')[1]?.body);
    expect(bobRequest.messages).toContainEqual(expect.objectContaining({ role: 'user', name: 'Olaf', content: 'Mind the budget!' }));
    await ws.dispose();
  });

  it('a failing turn becomes a SYSTEM note naming the agent and error kind, never the key; the discussion goes on', async () => {
    fake.script('openai', { status: 401 });
    fake.script('anthropic', { chunks: ['Still here.'] });
    fake.script('openai', { chunks: ['Half a sent'], cutAfter: 1 });
    const { messages, discussion } = await runToEnd({
      topic: 'Failures',
      maxRounds: 2,
      agents: [
        { name: 'Gpt', provider: 'OPENAI' },
        { name: 'Claude', provider: 'ANTHROPIC' },
      ],
    });
    expect(messages.map((message) => [message.author, message.role])).toEqual([
      ['user', 'HUMAN'],
      ['system', 'SYSTEM'],
      ['Claude', 'AGENT'],
      ['system', 'SYSTEM'],
      ['Claude', 'AGENT'],
    ]);
    expect(messages[1]?.content).toBe("Gpt's turn failed (OPENAI: authentication); the discussion goes on.");
    expect(messages[3]?.content).toMatch(/^Gpt's turn failed \(OPENAI: network\)/);
    // The text streamed before the cut is not committed as Gpt's message.
    expect(messages.some((message) => message.content.includes('Half a sent'))).toBe(false);
    expect(JSON.stringify(discussion)).not.toContain(FAKE_API_KEYS.openai);
    expect(discussion.status).toBe('COMPLETED');
  });

  it('a 200-turn discussion never sends a request over its context budget', async () => {
    const sentence = 'We should measure before we optimise, and write down what we measured. ';
    fake.setDefaultResponse({ chunks: [sentence.repeat(4)], usage: { inputTokens: 1, outputTokens: 1 } });
    const agent = (name: string) => ({ name, provider: 'OPENAI', maxContextTokens: 2_000, maxTokens: 200 });
    const { messages } = await runToEnd({
      topic: 'Budgets',
      maxRounds: 50,
      agents: [agent('Ada'), agent('Bob'), agent('Cleo'), agent('Dev')],
    });
    expect(messages.filter((message) => message.role === 'AGENT')).toHaveLength(200);
    const requests = fake.requestsFor('openai');
    expect(requests).toHaveLength(200);
    let trimmed = 0;
    for (const request of requests) {
      const { messages: sent } = openaiBodySchema.parse(request.body);
      // What the request costs by the same estimate the budget uses, counting every field sent.
      const tokens = sent.reduce((total, message) => total + estimateTokens(message.content) + estimateTokens(message.name ?? '') + 8, 0);
      expect(tokens).toBeLessThanOrEqual(2_000 - 200);
      expect(sent[1]?.content).toContain('Please be brief.');
      if (sent.some((message) => /earlier messages are left out/.test(message.content))) trimmed += 1;
    }
    // Most requests needed trimming: the transcript outgrew the budget early.
    expect(trimmed).toBeGreaterThan(150);
  }, 60_000);

  it('three failed turns in a row end the discussion as FAILED with the error set', async () => {
    fake.setDefaultResponse({ status: 401 });
    const { messages, discussion } = await runToEnd({
      topic: 'Doomed',
      maxRounds: 5,
      agents: [
        { name: 'Gpt', provider: 'OPENAI' },
        { name: 'Gem', provider: 'GEMINI' },
      ],
    });
    expect(messages.filter((message) => message.role === 'SYSTEM')).toHaveLength(3);
    expect(discussion).toMatchObject({ status: 'FAILED', stopReason: 'consecutive_failures' });
    expect(discussion.error).toBe("3 turns failed in a row; the last was Gpt's (OPENAI: authentication)");
  });
});
