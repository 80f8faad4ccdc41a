import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BOTH_MODES } from '../support/app.js';
import { useTestServer } from '../support/server-hooks.js';
import { mustGraphQL, subscribeSse, subscribeWs } from '../support/clients.js';
import {
  createDiscussion,
  type MessageView,
  MESSAGE_ADDED,
  messageViewSchema,
  mockAgents,
  readDiscussion,
  START,
  startedSchema,
  TOKEN_STREAMED,
  type TokenView,
  tokenViewSchema,
} from '../support/documents.js';

/** The text each message's deltas spell, in index order, checking the indexes run 0, 1, 2, … */
function textsFromTokens(tokens: TokenView[]): Map<string, string> {
  const byMessage = new Map<string, TokenView[]>();
  for (const token of tokens) byMessage.set(token.messageId, [...(byMessage.get(token.messageId) ?? []), token]);
  const texts = new Map<string, string>();
  for (const [messageId, parts] of byMessage) {
    expect(parts.map((part) => part.index)).toEqual(parts.map((_, index) => index));
    texts.set(messageId, parts.map((part) => part.delta).join(''));
  }
  return texts;
}

describe.each(BOTH_MODES)('a round-robin discussion of MOCK agents ($mode mode)', ({ redis }) => {
  const context = useTestServer({ redis });

  it('streams every token and message to graphql-ws and SSE subscribers, then completes', async () => {
    const id = await createDiscussion(context.server.url, {
      topic: 'Should we adopt GraphQL federation?',
      agents: mockAgents(3),
      maxRounds: 2,
    });
    const messages = await subscribeWs(context.ws, MESSAGE_ADDED, { id }, 'messageAdded', messageViewSchema);
    const tokens = await subscribeWs(context.ws, TOKEN_STREAMED, { id }, 'tokenStreamed', tokenViewSchema);
    const sse = await subscribeSse(context.server.url, MESSAGE_ADDED, { id }, 'messageAdded', messageViewSchema);
    await context.server.app.whenListening(id, 3);

    const started = await mustGraphQL(
      context.server.url,
      START,
      { id, initialMessage: 'We have two weeks to decide.' },
      { schema: startedSchema },
    );
    expect(started.startDiscussion.status).toBe('RUNNING');

    const received = await messages.collector.waitForCompletion();
    await tokens.collector.waitForCompletion();
    await sse.collector.waitForCompletion();

    expect(received.map((message) => message.author)).toEqual(['user', 'Ada', 'Bob', 'Cleo', 'Ada', 'Bob', 'Cleo']);
    expect(received[0]).toMatchObject({ role: 'HUMAN', content: 'We have two weeks to decide.', round: 0 });
    const agentMessages = received.slice(1);
    expect(agentMessages.map((message) => message.round)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(agentMessages.map((message) => message.turn)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const message of agentMessages) {
      expect(message).toMatchObject({ role: 'AGENT', provider: 'MOCK', model: 'mock-1', finishReason: 'stop' });
      expect(message.content).toContain('Should we adopt GraphQL federation?');
      expect(message.usage?.inputTokens).toBeGreaterThan(0);
      expect(message.usage?.outputTokens).toBeGreaterThan(0);
    }
    // Each agent answers the message before its turn.
    expect(agentMessages[1]?.content).toContain('Ada');

    const texts = textsFromTokens(tokens.collector.values);
    expect([...texts.keys()]).toEqual(agentMessages.map((message) => message.id));
    for (const message of agentMessages) expect(texts.get(message.id)).toBe(message.content);
    expect(sse.collector.values).toEqual(received);

    const discussion = await readDiscussion(context.server.url, id);
    expect(discussion).toMatchObject({
      status: 'COMPLETED',
      stopReason: 'max_rounds',
      currentRound: 2,
      turn: 6,
      messageCount: 7,
      inFlight: null,
    });
    const sum = (key: 'inputTokens' | 'outputTokens', list: MessageView[]) =>
      list.reduce((total, message) => total + (message.usage?.[key] ?? 0), 0);
    expect(discussion.usage.inputTokens).toBe(sum('inputTokens', agentMessages));
    expect(discussion.usage.outputTokens).toBe(sum('outputTokens', agentMessages));
    const ada = discussion.participants.find((participant) => participant.name === 'Ada');
    expect(ada?.usage?.outputTokens).toBe(
      sum(
        'outputTokens',
        agentMessages.filter((message) => message.author === 'Ada'),
      ),
    );
    expect(discussion.messages.edges.map((edge) => edge.node)).toEqual(received);
  });

  it('pages through the transcript forward and backward with cursors', async () => {
    const id = await createDiscussion(context.server.url, { topic: 'Paging', agents: mockAgents(2), maxRounds: 3 });
    const messages = await subscribeWs(context.ws, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', messageViewSchema);
    await mustGraphQL(context.server.url, START, { id });
    const all = await messages.collector.waitForCompletion();
    expect(all).toHaveLength(6);

    const page = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { discussion(id: $id) {
      messages(first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;
    const pageSchema = z.strictObject({
      discussion: z.strictObject({
        messages: z.strictObject({
          edges: z.array(z.strictObject({ cursor: z.string(), node: z.strictObject({ id: z.string() }) })),
          pageInfo: z.strictObject({
            hasNextPage: z.boolean(),
            hasPreviousPage: z.boolean(),
            startCursor: z.string().nullable(),
            endCursor: z.string().nullable(),
          }),
        }),
      }),
    });
    const ids = (result: z.output<typeof pageSchema>) => result.discussion.messages.edges.map((edge) => edge.node.id);

    const first = await mustGraphQL(context.server.url, page, { id, first: 4 }, { schema: pageSchema });
    expect(ids(first)).toEqual(all.slice(0, 4).map((message) => message.id));
    expect(first.discussion.messages.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, endCursor: all[3]?.cursor });

    const second = await mustGraphQL(context.server.url, page, { id, first: 4, after: all[3]?.cursor }, { schema: pageSchema });
    expect(ids(second)).toEqual(all.slice(4).map((message) => message.id));
    expect(second.discussion.messages.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const tail = await mustGraphQL(context.server.url, page, { id, last: 2 }, { schema: pageSchema });
    expect(ids(tail)).toEqual(all.slice(4).map((message) => message.id));
    expect(tail.discussion.messages.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });

    const before = await mustGraphQL(context.server.url, page, { id, last: 3, before: all[4]?.cursor }, { schema: pageSchema });
    expect(ids(before)).toEqual(all.slice(1, 4).map((message) => message.id));
    expect(before.discussion.messages.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
  });

  it('lists discussions newest first with a status filter and paging', async () => {
    const ids = [];
    for (const topic of ['List one', 'List two', 'List three'])
      ids.push(await createDiscussion(context.server.url, { topic, agents: mockAgents(2), maxRounds: 1 }));
    const list = `query($first: Int, $after: String, $status: DiscussionStatus) {
      discussions(first: $first, after: $after, status: $status) { edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }`;
    const listSchema = z.strictObject({
      discussions: z.strictObject({
        edges: z.array(z.strictObject({ cursor: z.string(), node: z.strictObject({ id: z.string(), status: z.string() }) })),
        pageInfo: z.strictObject({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
      }),
    });
    const first = await mustGraphQL(context.server.url, list, { first: 2, status: 'CREATED' }, { schema: listSchema });
    const seen = first.discussions.edges.map((edge) => edge.node.id);
    expect(seen).toEqual([ids[2], ids[1]]);
    expect(first.discussions.pageInfo.hasNextPage).toBe(true);
    const next = await mustGraphQL(
      context.server.url,
      list,
      { first: 50, after: first.discussions.pageInfo.endCursor, status: 'CREATED' },
      { schema: listSchema },
    );
    expect(next.discussions.edges[0]?.node.id).toBe(ids[0]);
    expect(next.discussions.edges.every((edge) => edge.node.status === 'CREATED')).toBe(true);
  });

  it('answers the providers and personaTemplates queries', async () => {
    const schema = z.strictObject({
      providers: z.array(z.strictObject({ name: z.string(), configured: z.boolean(), defaultModel: z.string() })),
      personaTemplates: z.array(z.strictObject({ name: z.string(), systemPrompt: z.string() })),
    });
    const data = await mustGraphQL(
      context.server.url,
      '{ providers { name configured defaultModel } personaTemplates { name systemPrompt } }',
      undefined,
      { schema },
    );
    expect(data.providers.find((provider) => provider.name === 'MOCK')).toEqual({ name: 'MOCK', configured: true, defaultModel: 'mock-1' });
    expect(data.providers.map((provider) => provider.name)).toEqual([
      'ANTHROPIC',
      'OPENAI',
      'GEMINI',
      'CLAUDE_AGENT',
      'OPENAI_COMPATIBLE',
      'MOCK',
    ]);
    expect(data.personaTemplates.map((template) => template.name)).toEqual(
      expect.arrayContaining([
        'Architect',
        'Backend Engineer',
        'Frontend Engineer',
        'DevOps Engineer',
        'Security Reviewer',
        'Product Manager',
        'Skeptic',
        'Moderator',
        'Judge',
      ]),
    );
    for (const template of data.personaTemplates) expect(template.systemPrompt.length).toBeGreaterThan(100);
  });
});
