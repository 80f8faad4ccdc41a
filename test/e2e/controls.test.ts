import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BOTH_MODES, startTestApp, TEST_REDIS_URL, type TestApp } from '../support/app.js';
import { createWsClient, mustGraphQL, postGraphQL, subscribeWs } from '../support/clients.js';
import {
  createDiscussion,
  MESSAGE_ADDED,
  messageViewSchema,
  mockAgents,
  readDiscussion,
  START,
  TOKEN_STREAMED,
  type TokenView,
  tokenViewSchema,
} from '../support/documents.js';
import { startFakeVendor, type FakeVendor } from '../fake-vendor/server.js';

const PAUSE = 'mutation($id: ID!) { pauseDiscussion(id: $id) { status } }';
const RESUME = 'mutation($id: ID!) { resumeDiscussion(id: $id) { status } }';
const STOP = 'mutation($id: ID!) { stopDiscussion(id: $id) { status stopReason finishedAt inFlight { text } } }';
const DELETE = 'mutation($id: ID!) { deleteDiscussion(id: $id) }';
const INJECT =
  'mutation($id: ID!, $content: String!, $author: String) { injectMessage(discussionId: $id, content: $content, author: $author) { id cursor author role content } }';

/** What PAUSE and RESUME answer, under their mutation's name. */
const statusSchema = z.strictObject({ status: z.string() });
const stoppedSchema = z.strictObject({
  stopDiscussion: z.strictObject({
    status: z.string(),
    stopReason: z.string().nullable(),
    finishedAt: z.string().nullable(),
    inFlight: z.strictObject({ text: z.string() }).nullable(),
  }),
});

/** Ada speaks through the fake vendor's OpenAI-compatible server, so a test can hold her reply open at a gate; Bob is MOCK. */
const [, bob] = mockAgents(2);
const HELD_AGENTS = [{ name: 'Ada', persona: 'Architect', provider: 'OPENAI_COMPATIBLE' }, bob];

/** What a message's token events spell, in index order. */
const spelled = (tokens: readonly TokenView[], messageId: string | undefined) =>
  tokens
    .filter((token) => token.messageId === messageId)
    .sort((a, b) => a.index - b.index)
    .map((token) => token.delta)
    .join('');

describe.each(BOTH_MODES)('controlling a discussion ($mode mode)', ({ redis }) => {
  let fake: FakeVendor | undefined;
  let server: TestApp | undefined;
  let ws: Client | undefined;
  beforeAll(async () => {
    fake = await startFakeVendor();
    server = await startTestApp({ redis, env: fake.environment() });
    ws = createWsClient(server.url);
  });
  afterAll(async () => {
    await ws?.dispose();
    await server?.close();
    await fake?.close();
  });
  beforeEach(() => fake?.reset());
  const context = {
    get server(): TestApp {
      if (!server) throw new Error('the test server is not started yet');
      return server;
    },
    get ws(): Client {
      if (!ws) throw new Error('the test server is not started yet');
      return ws;
    },
    get fake(): FakeVendor {
      if (!fake) throw new Error('the fake vendor is not started yet');
      return fake;
    },
  };

  async function startWatched(input: Record<string, unknown>) {
    const id = await createDiscussion(context.server.url, input);
    const messages = await subscribeWs(context.ws, MESSAGE_ADDED, { id }, 'messageAdded', messageViewSchema);
    const tokens = await subscribeWs(context.ws, TOKEN_STREAMED, { id }, 'tokenStreamed', tokenViewSchema);
    await context.server.app.whenListening(id, 2);
    await mustGraphQL(context.server.url, START, { id });
    return { id, messages, tokens };
  }

  /** Starts a discussion whose first reply (Ada's) sends `held` and then waits at a gate; resolves once every held chunk reached the subscriber. */
  async function startHeld(input: Record<string, unknown>, held: string[], afterGate?: string[]) {
    const gate = context.fake.gate();
    context.fake.script('openai-compatible', { chunks: held, gate, afterGate });
    const watched = await startWatched({ agents: HELD_AGENTS, ...input });
    const [request] = await gate.reached();
    const text = held.join('');
    await watched.tokens.collector.waitFor((values) => spelled(values, values[0]?.messageId) === text, {
      what: `Ada's tokens to spell "${text}"`,
    });
    return { ...watched, gate, request, messageId: watched.tokens.collector.values[0]?.messageId };
  }

  it('stop cancels the reply in flight at once, keeps its partial text and ends STOPPED', async () => {
    const held = ['Half ', 'of ', 'a ', 'thought'];
    const { id, messages, tokens, request, messageId } = await startHeld({ topic: 'Stopping mid-sentence', maxRounds: 5 }, held, [
      ' that never ends.',
    ]);
    // A client that joins now reads the text so far from inFlight.
    const streaming = await readDiscussion(context.server.url, id);
    expect(streaming.status).toBe('RUNNING');
    expect(streaming.inFlight).toEqual({ author: 'Ada', messageId, text: held.join('') });

    const stopped = await mustGraphQL(context.server.url, STOP, { id }, { schema: stoppedSchema });
    expect(stopped.stopDiscussion).toMatchObject({ status: 'STOPPED', stopReason: 'stopped_by_user', inFlight: null });
    expect(stopped.stopDiscussion.finishedAt).toBeTruthy();
    // The vendor's stream was cut by the app, not finished: the call was cancelled.
    expect(await request?.closed).toEqual({ completed: false });

    const received = await messages.collector.waitForCompletion();
    expect(received).toHaveLength(1);
    const partial = received[0];
    expect(partial).toMatchObject({ id: messageId, author: 'Ada', role: 'AGENT', finishReason: 'cancelled' });
    // Exactly what was streamed before the stop; the rest of the reply was never sent.
    expect(partial?.content).toBe(held.join(''));
    await tokens.collector.waitForCompletion();
    expect(spelled(tokens.collector.values, partial?.id)).toBe(partial?.content);

    const again = await postGraphQL(context.server.url, STOP, { id });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const inject = await postGraphQL(context.server.url, INJECT, { id, content: 'too late' });
    expect(inject.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const start = await postGraphQL(context.server.url, START, { id });
    expect(start.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(start.errors?.[0]?.message).toContain('STOPPED');
  });

  it('pause lets the turn in flight finish, then holds until resumed', async () => {
    const { id, messages, gate, messageId } = await startHeld(
      { topic: 'Pausing politely', maxRounds: 2 },
      ['Let ', 'me ', 'finish'],
      [' my sentence.'],
    );
    const paused = await mustGraphQL(context.server.url, PAUSE, { id }, { schema: z.strictObject({ pauseDiscussion: statusSchema }) });
    expect(paused.pauseDiscussion.status).toBe('PAUSED');
    // Ada's reply was still streaming when the pause came; now it may end.
    gate.release();

    const [finished] = await messages.collector.waitForCount(1);
    expect(finished).toMatchObject({ id: messageId, author: 'Ada', finishReason: 'stop', content: 'Let me finish my sentence.' });
    const held = await readDiscussion(context.server.url, id);
    expect(held).toMatchObject({ status: 'PAUSED', turn: 1, inFlight: null, messageCount: 1 });

    const pauseAgain = await postGraphQL(context.server.url, PAUSE, { id });
    expect(pauseAgain.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    // Humans may still speak while it is paused; the next turn sees it.
    await mustGraphQL(context.server.url, INJECT, { id, content: 'Please consider the budget.', author: 'Grace' });

    const resumed = await mustGraphQL(context.server.url, RESUME, { id }, { schema: z.strictObject({ resumeDiscussion: statusSchema }) });
    expect(resumed.resumeDiscussion.status).toBe('RUNNING');
    const all = await messages.collector.waitForCompletion();
    expect(all.map((message) => message.author)).toEqual(['Ada', 'Grace', 'Bob', 'Ada', 'Bob']);
    expect(all[2]?.content).toContain('Grace');
    expect((await readDiscussion(context.server.url, id)).status).toBe('COMPLETED');
  });

  it('discussionUpdated follows status, round and usage until the end', async () => {
    const id = await createDiscussion(context.server.url, { topic: 'Updates', agents: mockAgents(2), maxRounds: 1 });
    const updateSchema = z.strictObject({
      status: z.string(),
      currentRound: z.number(),
      messageCount: z.number(),
      usage: z.strictObject({ outputTokens: z.number().nullable() }),
    });
    const updates = await subscribeWs(
      context.ws,
      'subscription($id: ID!) { discussionUpdated(discussionId: $id) { status currentRound messageCount usage { outputTokens } } }',
      { id },
      'discussionUpdated',
      updateSchema,
    );
    await context.server.app.whenListening(id, 1);
    await mustGraphQL(context.server.url, START, { id });
    const values = await updates.collector.waitForCompletion();
    expect(values[0]?.status).toBe('RUNNING');
    expect(values.at(-1)).toMatchObject({ status: 'COMPLETED', currentRound: 1, messageCount: 2 });
    expect(values.at(-1)?.usage.outputTokens).toBeGreaterThan(0);
    expect(values.map((value) => value.messageCount)).toEqual([...values.map((value) => value.messageCount)].sort((a, b) => a - b));
  });

  it('an observer may inject at any time; an agent name may not be used', async () => {
    const id = await createDiscussion(context.server.url, { topic: 'Observers', agents: mockAgents(2), maxRounds: 1 });
    const injected = z.strictObject({
      injectMessage: messageViewSchema.pick({ id: true, cursor: true, author: true, role: true, content: true }),
    });
    const early = await mustGraphQL(context.server.url, INJECT, { id, content: 'Before the start' }, { schema: injected });
    expect(early.injectMessage).toMatchObject({ author: 'user', role: 'HUMAN', content: 'Before the start' });
    const impostor = await postGraphQL(context.server.url, INJECT, { id, content: 'I am Ada', author: 'ada' });
    expect(impostor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'author' });
    const empty = await postGraphQL(context.server.url, INJECT, { id, content: '   ' });
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'content' });
    const tooLong = await postGraphQL(context.server.url, INJECT, { id, content: 'x'.repeat(16_001) });
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'content' });
  });

  it('delete stops a running discussion, ends its subscriptions and removes it', async () => {
    const { id, messages, tokens, request } = await startHeld({ topic: 'Deleting', maxRounds: 5 }, ['Still ', 'talking']);
    expect((await readDiscussion(context.server.url, id)).status).toBe('RUNNING');
    const deleted = await mustGraphQL(context.server.url, DELETE, { id }, { schema: z.strictObject({ deleteDiscussion: z.boolean() }) });
    expect(deleted.deleteDiscussion).toBe(true);
    await messages.collector.waitForCompletion();
    await tokens.collector.waitForCompletion();
    // The reply in flight was cancelled, not left streaming.
    expect(await request?.closed).toEqual({ completed: false });
    const gone = await mustGraphQL(
      context.server.url,
      'query($id: ID!) { discussion(id: $id) { id } }',
      { id },
      { schema: z.strictObject({ discussion: z.strictObject({ id: z.string() }).nullable() }) },
    );
    expect(gone.discussion).toBeNull();
    const again = await postGraphQL(context.server.url, DELETE, { id });
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    if (redis) {
      const client = new Redis(TEST_REDIS_URL);
      const [, keys] = await client.scan('0', 'MATCH', `${context.server.keyPrefix}*${id}*`, 'COUNT', 10_000);
      await client.quit();
      expect(keys).toEqual([]);
    }
  });

  it('answers NOT_FOUND for unknown ids and for subscriptions to them', async () => {
    const unknown = '00000000-0000-0000-0000-000000000000';
    for (const document of [START, PAUSE, RESUME, STOP]) {
      const response = await postGraphQL(context.server.url, document, { id: unknown });
      expect(response.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const subscription = await subscribeWs(context.ws, MESSAGE_ADDED, { id: unknown }, 'messageAdded', messageViewSchema);
    await subscription.collector.waitForCompletion();
    expect(JSON.stringify(subscription.collector.errors)).toContain('NOT_FOUND');
  });
});
