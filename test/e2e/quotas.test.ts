import { resolve } from 'node:path';
import type { Client } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BOTH_MODES, startTestApp, type TestApp } from '../support/app.js';
import {
  type ClientAuth,
  createWsClient,
  disposeClients,
  type HttpGraphQLResponse,
  mustGraphQL,
  requestGraphQL,
  subscribeWs,
} from '../support/clients.js';
import { CREATE, createdSchema, mockAgents, START, startedSchema } from '../support/documents.js';

const TEAM_A = { token: 'tok-aaaaaaaaaaaaaaaa' };
const TEAM_B = { token: 'tok-bbbbbbbbbbbbbbbb' };
const AUTH_TOKENS = `${TEAM_A.token}:team-a,${TEAM_B.token}:team-b`;

const STOP = 'mutation($id: ID!) { stopDiscussion(id: $id) { id status } }';
const LIST = 'query { discussions(first: 10) { edges { node { id } } } }';
const PROVIDERS = 'query { providers { name configured } }';
const DISCUSSION_UPDATED = `subscription($id: ID!) { discussionUpdated(discussionId: $id) {
  id status stopReason messageCount usage { totalTokens } } }`;
const COSTS = 'query($id: ID!) { discussion(id: $id) { messages(first: 100) { edges { node { usage { costUsd } } } } } }';
const costsSchema = z.strictObject({
  discussion: z.strictObject({
    messages: z.strictObject({
      edges: z.array(z.strictObject({ node: z.strictObject({ usage: z.strictObject({ costUsd: z.number().nullable() }).nullable() }) })),
    }),
  }),
});
const MOCK_INPUT = { topic: 'Spending tokens', agents: mockAgents(2), maxRounds: 20 };
/** A human who speaks in turn and answers slowly: the discussion waits for Hal and stays active with no timing involved. */
const WAITING_INPUT = {
  topic: 'Who holds the pager',
  agents: mockAgents(1),
  protocol: 'ROUND_ROBIN',
  humans: [{ name: 'Hal', speaksInTurn: true, waitSeconds: 600 }],
};

/** A discussion as DISCUSSION_UPDATED selects it. */
const updateSchema = z.strictObject({
  id: z.string(),
  status: z.string(),
  stopReason: z.string().nullable(),
  messageCount: z.number(),
  usage: z.strictObject({ totalTokens: z.number().nullable() }),
});

/** A refusal over a limit: HTTP 429, a Retry-After of whole seconds, and the same number in the error. */
function expectRateLimited(response: HttpGraphQLResponse<unknown>, what: string): number {
  const error = response.body.errors?.[0];
  expect(response.status, what).toBe(429);
  expect(error?.extensions?.code, what).toBe('RATE_LIMITED');
  const header = response.headers.get('retry-after') ?? '';
  expect(header, what).toMatch(/^[1-9]\d*$/);
  expect(error?.extensions?.retryAfterSeconds, what).toBe(Number(header));
  return Number(header);
}

/** The apps and clients a test opened, closed after it in opening order (so the last app of a shared key prefix deletes its keys). */
function useResources() {
  const servers: TestApp[] = [];
  const clients: Client[] = [];
  afterEach(async () => {
    await disposeClients(clients.splice(0));
    for (const server of servers.splice(0)) await server.close();
  });
  return {
    async start(options: Parameters<typeof startTestApp>[0]) {
      const server = await startTestApp(options);
      servers.push(server);
      return server;
    },
    ws(url: string, auth: ClientAuth) {
      const client = createWsClient(url, auth);
      clients.push(client);
      return client;
    },
  };
}

const create = (url: string, auth: ClientAuth, input: Record<string, unknown> = MOCK_INPUT) => requestGraphQL(url, CREATE, { input }, auth);

async function createId(url: string, auth: ClientAuth, input?: Record<string, unknown>): Promise<string> {
  const response = await create(url, auth, input);
  const created = createdSchema.safeParse(response.body.data);
  if (!created.success) throw new Error(`createDiscussion failed: ${JSON.stringify(response.body.errors)}`);
  return created.data.createDiscussion.id;
}

describe.each(BOTH_MODES)('per-owner limits ($mode mode)', ({ redis }) => {
  const resources = useResources();

  it('refuses the mutation over RATE_LIMIT_PER_MINUTE with 429 and Retry-After, for that owner only; queries do not count', async () => {
    const { url } = await resources.start({ redis, env: { AUTH_TOKENS, RATE_LIMIT_PER_MINUTE: '3' } });
    for (let query = 0; query < 5; query++) {
      await mustGraphQL(url, query % 2 ? LIST : PROVIDERS, {}, TEAM_A);
    }
    for (let mutation = 1; mutation <= 3; mutation++) {
      const allowed = await create(url, TEAM_A);
      expect(allowed.status, `mutation ${mutation}`).toBe(200);
      expect(allowed.body.errors, `mutation ${mutation}`).toBeUndefined();
    }
    const refused = await create(url, TEAM_A);
    expectRateLimited(refused, 'the 4th mutation');
    expect(refused.body.data ?? null).toBeNull();
    // The refused mutation did nothing.
    const listSchema = z.strictObject({
      discussions: z.strictObject({ edges: z.array(z.strictObject({ node: z.strictObject({ id: z.string() }) })) }),
    });
    const listed = await mustGraphQL(url, LIST, {}, { ...TEAM_A, schema: listSchema });
    expect(listed.discussions.edges).toHaveLength(3);

    const other = await create(url, TEAM_B);
    expect(other.status).toBe(200);
    expect(other.body.errors).toBeUndefined();
  });

  it('refuses to start more than MAX_RUNNING_PER_OWNER discussions at once; another owner and a freed slot may', async () => {
    const { url, app } = await resources.start({ redis, env: { AUTH_TOKENS, MAX_RUNNING_PER_OWNER: '1' } });
    const first = await createId(url, TEAM_A, WAITING_INPUT);
    const second = await createId(url, TEAM_A, WAITING_INPUT);
    const updates = await subscribeWs(resources.ws(url, TEAM_A), DISCUSSION_UPDATED, { id: first }, 'discussionUpdated', updateSchema);
    await app.whenListening(first, 1);
    await mustGraphQL(url, START, { id: first }, TEAM_A);
    await updates.collector.waitFor((values) => values.some((value) => value.status === 'WAITING_FOR_HUMAN'), {
      what: 'the first discussion to wait for Hal',
    });

    const refused = await requestGraphQL(url, START, { id: second }, TEAM_A);
    expectRateLimited(refused, 'a second running discussion');
    expect(refused.body.errors?.[0]?.message).toContain('MAX_RUNNING_PER_OWNER');
    const untouched = await mustGraphQL(
      url,
      'query($id: ID!) { discussion(id: $id) { status } }',
      { id: second },
      {
        ...TEAM_A,
        schema: z.strictObject({ discussion: z.strictObject({ status: z.string() }) }),
      },
    );
    expect(untouched.discussion.status).toBe('CREATED');

    const ofB = await createId(url, TEAM_B, WAITING_INPUT);
    const startedByB = await mustGraphQL(url, START, { id: ofB }, { ...TEAM_B, schema: startedSchema });
    expect(['RUNNING', 'WAITING_FOR_HUMAN']).toContain(startedByB.startDiscussion.status);

    const stopped = await mustGraphQL(
      url,
      STOP,
      { id: first },
      { ...TEAM_A, schema: z.strictObject({ stopDiscussion: z.strictObject({ id: z.string(), status: z.string() }) }) },
    );
    expect(stopped.stopDiscussion.status).toBe('STOPPED');
    const started = await requestGraphQL(url, START, { id: second }, { ...TEAM_A, schema: startedSchema });
    expect(started.body.errors).toBeUndefined();
    expect(['RUNNING', 'WAITING_FOR_HUMAN']).toContain(started.body.data?.startDiscussion.status);
  });

  it('ends a discussion when its owner spends OWNER_DAILY_TOKEN_BUDGET, then refuses that owner new starts', async () => {
    const { url, app } = await resources.start({ redis, env: { AUTH_TOKENS, OWNER_DAILY_TOKEN_BUDGET: '50' } });
    const id = await createId(url, TEAM_A);
    const updates = await subscribeWs(resources.ws(url, TEAM_A), DISCUSSION_UPDATED, { id }, 'discussionUpdated', updateSchema);
    await app.whenListening(id, 1);
    await mustGraphQL(url, START, { id }, TEAM_A);
    const seen = await updates.collector.waitForCompletion();
    expect(updates.collector.errors).toEqual([]);
    const final = seen.at(-1);
    expect(final).toMatchObject({ id, status: 'COMPLETED', stopReason: 'owner_daily_token_budget' });
    // It ran until the budget was spent and not one message longer (its 20 rounds would have gone on).
    expect(final?.messageCount).toBeGreaterThan(0);
    expect(final?.usage.totalTokens).toBeGreaterThanOrEqual(50);
    const afterBudgetSpent = seen.filter((update) => (update.usage.totalTokens ?? 0) >= 50);
    expect(new Set(afterBudgetSpent.map((update) => update.messageCount))).toEqual(new Set([final?.messageCount]));

    const next = await createId(url, TEAM_A);
    const refused = await requestGraphQL(url, START, { id: next }, TEAM_A);
    expectRateLimited(refused, "a start after the owner's budget is spent");
    expect(refused.body.errors?.[0]?.message).toContain('OWNER_DAILY_TOKEN_BUDGET');

    const ofB = await createId(url, TEAM_B);
    const other = await requestGraphQL(url, START, { id: ofB }, { ...TEAM_B, schema: startedSchema });
    expect(other.status).toBe(200);
    expect(other.body.errors).toBeUndefined();
    expect(other.body.data?.startDiscussion.status).toBe('RUNNING');
  });

  it('ends a discussion when its owner spends OWNER_DAILY_COST_USD, then refuses that owner new starts', async () => {
    // MOCK priced by the README's example file: a few replies cost more than 30 cents
    const env = { AUTH_TOKENS, OWNER_DAILY_COST_USD: '0.3', PRICING_FILE: resolve('examples/mock-prices.json') };
    const { url, app } = await resources.start({ redis, env });
    const id = await createId(url, TEAM_A);
    const updates = await subscribeWs(resources.ws(url, TEAM_A), DISCUSSION_UPDATED, { id }, 'discussionUpdated', updateSchema);
    await app.whenListening(id, 1);
    await mustGraphQL(url, START, { id }, TEAM_A);
    const seen = await updates.collector.waitForCompletion();
    expect(seen.at(-1)).toMatchObject({ id, status: 'COMPLETED', stopReason: 'owner_daily_cost_usd' });
    const { discussion } = await mustGraphQL(url, COSTS, { id }, { ...TEAM_A, schema: costsSchema });
    const costs = discussion.messages.edges.map((edge) => edge.node.usage?.costUsd ?? Number.NaN);
    // it ran until the money was spent and not one message longer
    expect(costs.length).toBeGreaterThan(1);
    expect(costs.reduce((sum, cost) => sum + cost, 0)).toBeGreaterThanOrEqual(0.3);
    expect(costs.slice(0, -1).reduce((sum, cost) => sum + cost, 0)).toBeLessThan(0.3);

    const next = await createId(url, TEAM_A);
    const refused = await requestGraphQL(url, START, { id: next }, TEAM_A);
    expectRateLimited(refused, "a start after the owner's money is spent");
    expect(refused.body.errors?.[0]?.message).toContain('OWNER_DAILY_COST_USD');
    const other = await requestGraphQL(url, START, { id: await createId(url, TEAM_B) }, { ...TEAM_B, schema: startedSchema });
    expect(other.body.errors).toBeUndefined();
    expect(other.body.data?.startDiscussion.status).toBe('RUNNING');
  });
});

describe('rate limit shared by replicas (redis mode)', () => {
  const resources = useResources();

  it('counts one owner’s mutations on every replica of a key prefix', async () => {
    const env = { AUTH_TOKENS, RATE_LIMIT_PER_MINUTE: '3' };
    const first = await resources.start({ redis: true, env, keepKeys: true });
    // Closed after the first, it deletes the shared keys.
    const second = await resources.start({ redis: true, env, keyPrefix: first.keyPrefix });

    for (const [index, server] of [first, first, second].entries()) {
      const allowed = await create(server.url, TEAM_A);
      expect(allowed.body.errors, `mutation ${index + 1}`).toBeUndefined();
    }
    expectRateLimited(await create(second.url, TEAM_A), 'the 4th mutation, on the second replica');
    expectRateLimited(await create(first.url, TEAM_A), 'a 5th mutation, on the first replica');
    const other = await create(second.url, TEAM_B);
    expect(other.body.errors).toBeUndefined();
  });
});
