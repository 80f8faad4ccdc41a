import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { BOTH_MODES, TEST_REDIS_URL } from '../support/app.js';
import { useTestServer } from '../support/server-hooks.js';
import { mustGraphQL, postGraphQL, subscribeWs } from '../support/clients.js';
import { createDiscussion, type MessageView, MESSAGE_ADDED, mockAgents, readDiscussion, START, TOKEN_STREAMED, type TokenView } from '../support/documents.js';

const PAUSE = 'mutation($id: ID!) { pauseDiscussion(id: $id) { status } }';
const RESUME = 'mutation($id: ID!) { resumeDiscussion(id: $id) { status } }';
const STOP = 'mutation($id: ID!) { stopDiscussion(id: $id) { status stopReason finishedAt inFlight { text } } }';
const DELETE = 'mutation($id: ID!) { deleteDiscussion(id: $id) }';
const INJECT = 'mutation($id: ID!, $content: String!, $author: String) { injectMessage(discussionId: $id, content: $content, author: $author) { id cursor author role content } }';

describe.each(BOTH_MODES)('controlling a discussion ($mode mode)', ({ redis }) => {
  const context = useTestServer({ redis, env: { MOCK_TOKEN_DELAY_MS: '30' } });

  async function startWatched(input: Record<string, unknown>) {
    const id = await createDiscussion(context.server.url, input);
    const messages = await subscribeWs<MessageView>(context.ws, MESSAGE_ADDED, { id }, 'messageAdded');
    const tokens = await subscribeWs<TokenView>(context.ws, TOKEN_STREAMED, { id }, 'tokenStreamed');
    await context.server.app.whenListening(id, 2);
    await mustGraphQL(context.server.url, START, { id });
    return { id, messages, tokens };
  }

  it('stop cancels the reply in flight at once, keeps its partial text and ends STOPPED', async () => {
    const { id, messages, tokens } = await startWatched({ topic: 'Stopping mid-sentence', agents: mockAgents(2), maxRounds: 5 });
    await tokens.collector.waitForCount(3);
    // A client that joins now reads the text so far from inFlight.
    const streaming = await readDiscussion(context.server.url, id);
    expect(streaming.status).toBe('RUNNING');
    expect(streaming.inFlight).toMatchObject({ author: 'Ada', messageId: tokens.collector.values[0]?.messageId });
    expect(streaming.inFlight?.text.length).toBeGreaterThan(0);

    const stopped = await mustGraphQL<{ stopDiscussion: { status: string; stopReason: string; finishedAt: string; inFlight: unknown } }>(context.server.url, STOP, { id });
    expect(stopped.stopDiscussion).toMatchObject({ status: 'STOPPED', stopReason: 'stopped_by_user', inFlight: null });
    expect(stopped.stopDiscussion.finishedAt).toBeTruthy();

    const received = await messages.collector.waitForCompletion();
    expect(received).toHaveLength(1);
    const partial = received[0];
    expect(partial).toMatchObject({ author: 'Ada', role: 'AGENT', finishReason: 'cancelled' });
    expect(partial?.content.startsWith(streaming.inFlight?.text ?? '')).toBe(true);
    await tokens.collector.waitForCompletion();
    const spelled = tokens.collector.values.filter((token) => token.messageId === partial?.id).map((token) => token.delta).join('');
    expect(partial?.content).toBe(spelled);
    // A full MOCK reply has three sentences; the cancelled one stopped well before.
    expect(partial?.content.split(/[.!?]/).length).toBeLessThan(4);

    const again = await postGraphQL(context.server.url, STOP, { id });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const inject = await postGraphQL(context.server.url, INJECT, { id, content: 'too late' });
    expect(inject.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const start = await postGraphQL(context.server.url, START, { id });
    expect(start.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(start.errors?.[0]?.message).toContain('STOPPED');
  });

  it('pause lets the turn in flight finish, then holds until resumed', async () => {
    const { id, messages, tokens } = await startWatched({ topic: 'Pausing politely', agents: mockAgents(2), maxRounds: 2 });
    await tokens.collector.waitForCount(2);
    const paused = await mustGraphQL<{ pauseDiscussion: { status: string } }>(context.server.url, PAUSE, { id });
    expect(paused.pauseDiscussion.status).toBe('PAUSED');

    const [finished] = await messages.collector.waitForCount(1);
    expect(finished).toMatchObject({ author: 'Ada', finishReason: 'stop' });
    const held = await readDiscussion(context.server.url, id);
    expect(held).toMatchObject({ status: 'PAUSED', turn: 1, inFlight: null, messageCount: 1 });

    const pauseAgain = await postGraphQL(context.server.url, PAUSE, { id });
    expect(pauseAgain.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    // Humans may still speak while it is paused; the next turn sees it.
    await mustGraphQL(context.server.url, INJECT, { id, content: 'Please consider the budget.', author: 'Grace' });

    const resumed = await mustGraphQL<{ resumeDiscussion: { status: string } }>(context.server.url, RESUME, { id });
    expect(resumed.resumeDiscussion.status).toBe('RUNNING');
    const all = await messages.collector.waitForCompletion();
    expect(all.map((message) => message.author)).toEqual(['Ada', 'Grace', 'Bob', 'Ada', 'Bob']);
    expect(all[2]?.content).toContain('Grace');
    expect((await readDiscussion(context.server.url, id)).status).toBe('COMPLETED');
  });

  it('discussionUpdated follows status, round and usage until the end', async () => {
    const id = await createDiscussion(context.server.url, { topic: 'Updates', agents: mockAgents(2), maxRounds: 1 });
    type Update = { status: string; currentRound: number; messageCount: number; usage: { outputTokens: number | null } };
    const updates = await subscribeWs<Update>(context.ws, 'subscription($id: ID!) { discussionUpdated(discussionId: $id) { status currentRound messageCount usage { outputTokens } } }', { id }, 'discussionUpdated');
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
    const early = await mustGraphQL<{ injectMessage: MessageView }>(context.server.url, INJECT, { id, content: 'Before the start' });
    expect(early.injectMessage).toMatchObject({ author: 'user', role: 'HUMAN', content: 'Before the start' });
    const impostor = await postGraphQL(context.server.url, INJECT, { id, content: 'I am Ada', author: 'ada' });
    expect(impostor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'author' });
    const empty = await postGraphQL(context.server.url, INJECT, { id, content: '   ' });
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'content' });
    const tooLong = await postGraphQL(context.server.url, INJECT, { id, content: 'x'.repeat(16_001) });
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'content' });
  });

  it('delete stops a running discussion, ends its subscriptions and removes it', async () => {
    const { id, messages, tokens } = await startWatched({ topic: 'Deleting', agents: mockAgents(2), maxRounds: 5 });
    await tokens.collector.waitForCount(1);
    const deleted = await mustGraphQL<{ deleteDiscussion: boolean }>(context.server.url, DELETE, { id });
    expect(deleted.deleteDiscussion).toBe(true);
    await messages.collector.waitForCompletion();
    await tokens.collector.waitForCompletion();
    const gone = await mustGraphQL<{ discussion: unknown }>(context.server.url, 'query($id: ID!) { discussion(id: $id) { id } }', { id });
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
    const subscription = await subscribeWs<MessageView>(context.ws, MESSAGE_ADDED, { id: unknown }, 'messageAdded');
    await subscription.collector.waitForCompletion();
    expect(JSON.stringify(subscription.collector.errors)).toContain('NOT_FOUND');
  });
});
