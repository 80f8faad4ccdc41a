import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestApp, TEST_REDIS_URL, type TestApp } from '../support/app.js';
import { createWsClient, mustGraphQL, postGraphQL, subscribeWs } from '../support/clients.js';
import { CREATE, createDiscussion, MESSAGE_ADDED, messageViewSchema, mockAgents, readDiscussion, START } from '../support/documents.js';

const base = { topic: 'A valid topic', agents: mockAgents(2) };

describe('createDiscussion refuses bad input, naming the field', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(() => server.close());

  const cases: { name: string; input: Record<string, unknown>; code?: string; field: string; says?: string }[] = [
    { name: 'an empty topic', input: { ...base, topic: '  ' }, field: 'input.topic' },
    { name: 'a topic over 4,000 characters', input: { ...base, topic: 'x'.repeat(4_001) }, field: 'input.topic' },
    { name: 'no agents', input: { ...base, agents: [] }, field: 'input.agents' },
    {
      name: 'thirteen agents',
      input: { ...base, agents: Array.from({ length: 13 }, (_, index) => ({ name: `Agent ${index}`, provider: 'MOCK' })) },
      field: 'input.agents',
    },
    { name: 'an empty agent name', input: { ...base, agents: [{ name: ' ', provider: 'MOCK' }] }, field: 'input.agents[0].name' },
    {
      name: 'two agents with one name',
      input: {
        ...base,
        agents: [
          { name: 'Ada', provider: 'MOCK' },
          { name: 'ADA', provider: 'MOCK' },
        ],
      },
      field: 'input.agents[1].name',
    },
    { name: 'a human named like an agent', input: { ...base, humans: [{ name: 'bob' }] }, field: 'input.humans[0].name' },
    { name: 'two humans with one name', input: { ...base, humans: [{ name: 'Grace' }, { name: 'Grace' }] }, field: 'input.humans[1].name' },
    { name: 'maxRounds 0', input: { ...base, maxRounds: 0 }, field: 'input.maxRounds' },
    { name: 'maxRounds 51', input: { ...base, maxRounds: 51 }, field: 'input.maxRounds' },
    {
      name: 'temperature 2.5',
      input: { ...base, agents: [{ name: 'Ada', provider: 'MOCK', temperature: 2.5 }] },
      field: 'input.agents[0].temperature',
    },
    {
      name: 'maxTokens 0',
      input: { ...base, agents: [{ name: 'Ada', provider: 'MOCK', maxTokens: 0 }] },
      field: 'input.agents[0].maxTokens',
    },
    {
      name: 'maxTokens 32,001',
      input: { ...base, agents: [{ name: 'Ada', provider: 'MOCK', maxTokens: 32_001 }] },
      field: 'input.agents[0].maxTokens',
    },
    { name: 'maxMessages 0', input: { ...base, termination: { maxMessages: 0 } }, field: 'input.termination.maxMessages' },
    {
      name: 'an empty stop phrase',
      input: { ...base, termination: { stopPhrases: ['ok', ''] } },
      field: 'input.termination.stopPhrases[1]',
    },
    { name: 'a debate without PRO, CON and JUDGE', input: { ...base, protocol: 'DEBATE' }, field: 'input.agents' },
    {
      name: 'a debate with a NONE agent',
      input: {
        ...base,
        protocol: 'DEBATE',
        agents: [
          { name: 'P', provider: 'MOCK', stance: 'PRO' },
          { name: 'C', provider: 'MOCK', stance: 'CON' },
          { name: 'J', provider: 'MOCK', stance: 'JUDGE' },
          { name: 'N', provider: 'MOCK' },
        ],
      },
      field: 'input.agents[3].stance',
    },
    { name: 'a moderated discussion without a moderator', input: { ...base, protocol: 'MODERATED' }, field: 'input.agents' },
    {
      name: 'a moderated discussion with two moderators',
      input: {
        ...base,
        protocol: 'MODERATED',
        agents: [
          { name: 'M1', provider: 'MOCK', stance: 'MODERATOR' },
          { name: 'M2', provider: 'MOCK', stance: 'MODERATOR' },
          { name: 'A', provider: 'MOCK' },
        ],
      },
      field: 'input.agents',
    },
    {
      name: 'a judge outside a debate',
      input: {
        ...base,
        agents: [
          { name: 'A', provider: 'MOCK' },
          { name: 'J', provider: 'MOCK', stance: 'JUDGE' },
        ],
      },
      field: 'input.agents[1].stance',
    },
    {
      name: 'a context window under 1,000 tokens',
      input: { ...base, agents: [{ name: 'Ada', provider: 'MOCK', maxContextTokens: 10 }] },
      field: 'input.agents[0].maxContextTokens',
    },
    {
      name: 'an unconfigured provider',
      input: { ...base, agents: [{ name: 'Ada', provider: 'OPENAI' }] },
      code: 'PROVIDER_NOT_CONFIGURED',
      field: 'input.agents[0].provider',
      says: 'set OPENAI_API_KEY',
    },
    {
      name: 'an unconfigured selector',
      input: { ...base, selector: { provider: 'GEMINI' } },
      code: 'PROVIDER_NOT_CONFIGURED',
      field: 'input.selector.provider',
      says: 'set GEMINI_API_KEY',
    },
  ];

  it.each(cases)('$name', async ({ input, code = 'BAD_USER_INPUT', field, says }) => {
    const response = await postGraphQL(server.url, CREATE, { input });
    expect(response.data).toBeFalsy();
    const error = response.errors?.[0];
    expect(error?.extensions).toMatchObject({ code, field });
    expect(error?.message).toContain(field);
    // An unconfigured provider's error names the variable that would turn it on.
    if (says !== undefined) expect(error?.message).toContain(says);
  });

  it('refuses page sizes and cursors it cannot use', async () => {
    const id = await createDiscussion(server.url, base);
    const query =
      'query($id: ID!, $first: Int, $after: String) { discussion(id: $id) { messages(first: $first, after: $after) { edges { cursor } } } }';
    const tooMany = await postGraphQL(server.url, query, { id, first: 100_000 });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const garbage = await postGraphQL(server.url, query, { id, after: 'not-a-cursor' });
    expect(garbage.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('applies the documented defaults', async () => {
    const schema = z.strictObject({
      createDiscussion: z.strictObject({
        protocol: z.string(),
        maxRounds: z.number(),
        status: z.string(),
        // every participant here is an Agent
        participants: z.array(z.strictObject({ stance: z.string(), model: z.string() })),
      }),
    });
    const data = await mustGraphQL(
      server.url,
      'mutation($input: CreateDiscussionInput!) { createDiscussion(input: $input) { protocol maxRounds status participants { ... on Agent { stance model } } } }',
      { input: base },
      { schema },
    );
    expect(data.createDiscussion).toMatchObject({ protocol: 'ROUND_ROBIN', maxRounds: 3, status: 'CREATED' });
    expect(data.createDiscussion.participants).toEqual([
      { stance: 'NONE', model: 'mock-1' },
      { stance: 'NONE', model: 'mock-1' },
    ]);
  });
});

describe('termination', () => {
  let server: TestApp;
  let ws: Client;
  beforeAll(async () => {
    server = await startTestApp({ redis: true });
    ws = createWsClient(server.url);
  });
  afterAll(async () => {
    await ws.dispose();
    await server.close();
  });

  async function runToEnd(input: Record<string, unknown>, initialMessage?: string) {
    const id = await createDiscussion(server.url, input);
    const messages = await subscribeWs(ws, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', messageViewSchema);
    await mustGraphQL(server.url, START, { id, initialMessage });
    await messages.collector.waitForCompletion();
    return { messages: messages.collector.values, discussion: await readDiscussion(server.url, id) };
  }

  it('ends at maxMessages, counting every message', async () => {
    const { messages, discussion } = await runToEnd({ ...base, maxRounds: 10, termination: { maxMessages: 3 } }, 'Kick-off');
    expect(messages.map((message) => message.author)).toEqual(['user', 'Ada', 'Bob']);
    expect(discussion).toMatchObject({ status: 'COMPLETED', stopReason: 'max_messages' });
  });

  it('ends when the token budget is spent, checked before each turn', async () => {
    const { messages, discussion } = await runToEnd({ ...base, maxRounds: 10, termination: { maxTotalTokens: 150 } });
    const spent = (index: number) =>
      messages
        .slice(0, index)
        .reduce((total, message) => total + (message.usage?.inputTokens ?? 0) + (message.usage?.outputTokens ?? 0), 0);
    // Every turn started under budget, and the budget was spent when it stopped.
    expect(spent(messages.length - 1)).toBeLessThan(150);
    expect(spent(messages.length)).toBeGreaterThanOrEqual(150);
    expect(discussion).toMatchObject({ status: 'COMPLETED', stopReason: 'max_total_tokens' });
  });

  it('ends when an agent says a stop phrase, ignoring case', async () => {
    const { messages, discussion } = await runToEnd({
      ...base,
      topic: 'Zebra crossings downtown',
      maxRounds: 10,
      termination: { stopPhrases: ['unicorn', 'ZEBRA CROSSINGS'] },
    });
    expect(messages).toHaveLength(1);
    expect(messages[0]?.content).toContain('Zebra crossings');
    expect(discussion).toMatchObject({ status: 'COMPLETED', stopReason: 'stop_phrase' });
  });

  it('persists in Redis: a second server on the same keys serves the finished discussion', async () => {
    const { messages } = await runToEnd({ ...base, maxRounds: 1 });
    const id = messages[0]?.discussionId ?? '';
    const second = await startTestApp({ redis: true, keyPrefix: server.keyPrefix, keepKeys: true });
    try {
      const discussion = await readDiscussion(second.url, id);
      expect(discussion.status).toBe('COMPLETED');
      expect(discussion.messages.edges.map((edge) => edge.node)).toEqual(messages);
    } finally {
      await second.close();
    }
  });

  it('never shows an in-flight message left by an attempt whose turn is already committed', async () => {
    const id = await createDiscussion(server.url, base);
    const redis = new Redis(TEST_REDIS_URL);
    const leftover = async () => {
      await redis.hset(`${server.keyPrefix}disc:{${id}}:inflight`, {
        messageId: 'stale',
        author: 'Ada',
        round: '1',
        turn: '0',
        startedAt: new Date().toISOString(),
      });
      await redis.set(`${server.keyPrefix}disc:{${id}}:inflight:text`, 'A duplicate attempt');
    };
    await leftover();
    // Turn 0 is the current turn of a new discussion: this one is live.
    expect((await readDiscussion(server.url, id)).inFlight).toMatchObject({ messageId: 'stale', text: 'A duplicate attempt' });
    await mustGraphQL(server.url, START, { id });
    const messages = await subscribeWs(ws, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', messageViewSchema);
    await messages.collector.waitForCompletion();
    await leftover();
    await redis.quit();
    expect((await readDiscussion(server.url, id)).inFlight).toBeNull();
  });

  it('masks unexpected errors: no stack, no internals', async () => {
    const id = await createDiscussion(server.url, base);
    const redis = new Redis(TEST_REDIS_URL);
    // A hash that does not parse reads as missing; a key of the wrong type is a Redis error, which is unexpected.
    await redis.del(`${server.keyPrefix}disc:{${id}}`);
    await redis.set(`${server.keyPrefix}disc:{${id}}`, 'not a hash');
    await redis.quit();
    const response = await postGraphQL(server.url, 'query($id: ID!) { discussion(id: $id) { topic } }', { id });
    expect(response.errors?.[0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(response)).not.toMatch(/stack|SyntaxError|JSON|at \w+ \(/);
  });
});
