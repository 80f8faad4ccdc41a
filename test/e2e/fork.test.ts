import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BOTH_MODES, startTestApp, type TestApp } from '../support/app.js';
import { type ClientAuth, createWsClient, mustGraphQL, postGraphQL, subscribeWs } from '../support/clients.js';
import { MESSAGE_ADDED, mockAgents, START } from '../support/documents.js';

const TEAM_A = { token: 'tok-fork-aaaaaaaaaaaa' };
const TEAM_B = { token: 'tok-fork-bbbbbbbbbbbb' };
const AUTH_TOKENS = `${TEAM_A.token}:team-a,${TEAM_B.token}:team-b`;

const FORK = `mutation($id: ID!, $atCursor: String!, $input: ForkInput) { forkDiscussion(id: $id, atCursor: $atCursor, input: $input) {
  id status topic turn currentRound forkedFrom { cursor discussion { id } } } }`;
const READ = `query($id: ID!) { discussion(id: $id) { id status stopReason topic currentRound forks { id }
  messages(first: 100) { edges { cursor node { id author role content round turn } } } } }`;

const messageSchema = z.strictObject({
  id: z.string(),
  author: z.string(),
  role: z.string(),
  content: z.string(),
  round: z.number(),
  turn: z.number(),
});
const readSchema = z.strictObject({
  discussion: z.strictObject({
    id: z.string(),
    status: z.string(),
    stopReason: z.string().nullable(),
    topic: z.string(),
    currentRound: z.number(),
    forks: z.array(z.strictObject({ id: z.string() })),
    messages: z.strictObject({ edges: z.array(z.strictObject({ cursor: z.string(), node: messageSchema })) }),
  }),
});
const forkSchema = z.strictObject({
  forkDiscussion: z.strictObject({
    id: z.string(),
    status: z.string(),
    topic: z.string(),
    turn: z.number(),
    currentRound: z.number(),
    forkedFrom: z.strictObject({ cursor: z.string(), discussion: z.strictObject({ id: z.string() }).nullable() }).nullable(),
  }),
});
const addedSchema = z.object({ author: z.string() });

describe.each(BOTH_MODES)('forkDiscussion ($mode mode)', ({ redis }) => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ redis, env: { AUTH_TOKENS } });
  });
  afterAll(async () => {
    await server?.close();
  });

  const read = async (id: string, auth: ClientAuth = TEAM_A) =>
    (await mustGraphQL(server.url, READ, { id }, { ...auth, schema: readSchema })).discussion;
  const fork = async (id: string, atCursor: string, input?: Record<string, unknown>) =>
    (await mustGraphQL(server.url, FORK, { id, atCursor, input }, { ...TEAM_A, schema: forkSchema })).forkDiscussion;

  /** Starts a discussion and waits for its end: its message stream completes with it. */
  async function runToEnd(id: string) {
    const ws = createWsClient(server.url, TEAM_A);
    try {
      const added = await subscribeWs(ws, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', addedSchema);
      await mustGraphQL(server.url, START, { id }, TEAM_A);
      await added.collector.waitForCompletion({ timeoutMs: 60_000 });
    } finally {
      await ws.dispose();
    }
    return read(id);
  }

  async function createAs(input: Record<string, unknown>) {
    const create = `mutation($input: CreateDiscussionInput!) { createDiscussion(input: $input) { id } }`;
    const data = await mustGraphQL(
      server.url,
      create,
      { input },
      { ...TEAM_A, schema: z.object({ createDiscussion: z.object({ id: z.string() }) }) },
    );
    return data.createDiscussion.id;
  }

  it('copies the transcript up to the cursor, links both ways, and carries rounds and speaking order on', async () => {
    const sourceId = await createAs({ topic: 'Tabs or spaces?', protocol: 'ROUND_ROBIN', maxRounds: 2, agents: mockAgents(2) });
    const source = await runToEnd(sourceId);
    const messages = source.messages.edges;
    expect(messages.map((edge) => edge.node.author)).toEqual(['Ada', 'Bob', 'Ada', 'Bob']);
    // at Ada's message of round 2: mid-round, Bob speaks next
    const at = messages[2];
    if (!at) throw new Error('no third message');
    const created = await fork(sourceId, at.cursor);
    expect(created).toMatchObject({ status: 'CREATED', topic: 'Tabs or spaces?', currentRound: at.node.round });
    expect(created.forkedFrom).toEqual({ cursor: at.cursor, discussion: { id: sourceId } });
    expect((await read(sourceId)).forks).toEqual([{ id: created.id }]);

    const copied = (await read(created.id)).messages.edges.map((edge) => edge.node);
    expect(copied.map(({ author, role, content, round, turn }) => ({ author, role, content, round, turn }))).toEqual(
      messages.slice(0, 3).map(({ node: { author, role, content, round, turn } }) => ({ author, role, content, round, turn })),
    );
    // copies, not the same messages
    expect(copied.map((message) => message.id)).not.toContain(messages[0]?.node.id);

    const finished = await runToEnd(created.id);
    const authors = finished.messages.edges.map((edge) => edge.node);
    expect(finished).toMatchObject({ status: 'COMPLETED', stopReason: 'max_rounds' });
    // one new message: Bob ends round 2, as in the source; the turn counter goes on from the copies
    expect(authors.map((message) => message.author)).toEqual(['Ada', 'Bob', 'Ada', 'Bob']);
    expect(authors[3]).toMatchObject({ round: 2, turn: at.node.turn + 1 });
  });

  it('keeps a DEBATE’s PRO and CON order when forked mid-round, with a new topic and agents', async () => {
    const debaters = [
      { name: 'Pro', provider: 'MOCK', stance: 'PRO' },
      { name: 'Con', provider: 'MOCK', stance: 'CON' },
      { name: 'Judge', provider: 'MOCK', stance: 'JUDGE' },
    ];
    const sourceId = await createAs({ topic: 'Remote work', protocol: 'DEBATE', maxRounds: 2, agents: debaters });
    const source = await runToEnd(sourceId);
    const first = source.messages.edges.find((edge) => edge.node.author === 'Pro');
    if (!first) throw new Error('Pro never spoke');
    const changed = [...debaters.slice(0, 1), { name: 'Cyd', provider: 'MOCK', stance: 'CON' }, debaters[2]];
    const created = await fork(sourceId, first.cursor, { topic: 'Remote work, revisited', agents: changed });
    expect(created.topic).toBe('Remote work, revisited');
    const finished = await runToEnd(created.id);
    const authors = finished.messages.edges.map((edge) => edge.node.author);
    expect(authors[0]).toBe('Pro');
    // CON answers the copied PRO opening: the new agent under the same stance
    expect(authors[1]).toBe('Cyd');
    expect(authors).not.toContain('Con');
    expect(authors.at(-1)).toBe('Judge');
  });

  it('refuses a cursor that is no message of the source, and another owner’s discussion is NOT_FOUND', async () => {
    const sourceId = await createAs({ topic: 'Short', maxRounds: 1, agents: mockAgents(1) });
    const source = await runToEnd(sourceId);
    const cursor = source.messages.edges[0]?.cursor ?? '';
    const bad = await postGraphQL(server.url, FORK, { id: sourceId, atCursor: '1-999999' }, TEAM_A);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'atCursor' });
    const malformed = await postGraphQL(server.url, FORK, { id: sourceId, atCursor: 'latest' }, TEAM_A);
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'atCursor' });
    const other = await postGraphQL(server.url, FORK, { id: sourceId, atCursor: cursor }, TEAM_B);
    expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const changedBadly = await postGraphQL(server.url, FORK, { id: sourceId, atCursor: cursor, input: { maxRounds: 0 } }, TEAM_A);
    expect(changedBadly.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.maxRounds' });
    expect((await read(sourceId)).forks).toEqual([]);
  });
});
