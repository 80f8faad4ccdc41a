import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BOTH_MODES, startTestApp, type TestApp } from '../support/app.js';
import {
  type ClientAuth,
  createWsClient,
  disposeClients,
  graphQLErrorSchema,
  mustGraphQL,
  requestGraphQL,
  subscribeSse,
  subscribeWs,
} from '../support/clients.js';
import { Collector } from '../support/collector.js';
import { CREATE, createdSchema, DISCUSSION_EVENTS, MESSAGE_ADDED, mockAgents, START, TOKEN_STREAMED } from '../support/documents.js';
import { type RawMessage, readFrame } from '../support/raw-ws.js';

const TEAM_A = { token: 'tok-aaaaaaaaaaaaaaaa' };
const TEAM_B = { token: 'tok-bbbbbbbbbbbbbbbb' };
const ADMIN = { token: 'tok-admin-cccccccccccc' };
const AUTH_ENV = { AUTH_TOKENS: `${TEAM_A.token}:team-a,${TEAM_B.token}:team-b,${ADMIN.token}:ops:admin` };

const PAUSE = 'mutation($id: ID!) { pauseDiscussion(id: $id) { id status } }';
const RESUME = 'mutation($id: ID!) { resumeDiscussion(id: $id) { id status } }';
const STOP = 'mutation($id: ID!) { stopDiscussion(id: $id) { id status stopReason } }';
const DELETE = 'mutation($id: ID!) { deleteDiscussion(id: $id) }';
const INJECT = 'mutation($id: ID!) { injectMessage(discussionId: $id, content: "hello", author: "Eve") { id } }';
const FIND = 'query($id: ID!) { discussion(id: $id) { id status } }';
const LIST = 'query { discussions(first: 500) { edges { node { id } } } }';
const DISCUSSION_UPDATED = 'subscription($id: ID!) { discussionUpdated(discussionId: $id) { id status stopReason } }';
const SUBSCRIPTIONS = [
  { field: 'messageAdded', query: MESSAGE_ADDED },
  { field: 'discussionEvents', query: DISCUSSION_EVENTS },
  { field: 'tokenStreamed', query: TOKEN_STREAMED },
  { field: 'discussionUpdated', query: DISCUSSION_UPDATED },
] as const;
/** A human who speaks in turn and answers slowly: the discussion waits for Hal and stays active with no timing involved. */
const WAITING_INPUT = {
  topic: 'Who holds the pager',
  agents: mockAgents(1),
  protocol: 'ROUND_ROBIN',
  humans: [{ name: 'Hal', speaksInTurn: true, waitSeconds: 600 }],
};

/** A discussion as FIND selects it. */
const foundSchema = z.strictObject({ id: z.string(), status: z.string() });
/** A discussion as STOP and DISCUSSION_UPDATED select it. */
const statusSchema = foundSchema.extend({ stopReason: z.string().nullable() });

/** A response with one id written as `<id>`, so answers about two different ids can be compared. */
const withoutId = (value: unknown, id: string): string => JSON.stringify(value).replaceAll(id, '<id>');

async function create(
  url: string,
  auth: ClientAuth,
  input: Record<string, unknown> = { topic: `Owned by ${auth.token?.slice(0, 5)}`, agents: mockAgents(2) },
) {
  return (await mustGraphQL(url, CREATE, { input }, { ...auth, schema: createdSchema })).createDiscussion.id;
}

async function listedIds(url: string, auth: ClientAuth): Promise<string[]> {
  const schema = z.strictObject({
    discussions: z.strictObject({ edges: z.array(z.strictObject({ node: z.strictObject({ id: z.string() }) })) }),
  });
  const data = await mustGraphQL(url, LIST, {}, { ...auth, schema });
  return data.discussions.edges.map((edge) => edge.node.id);
}

async function find(url: string, id: string, auth: ClientAuth) {
  return (await mustGraphQL(url, FIND, { id }, { ...auth, schema: z.strictObject({ discussion: foundSchema.nullable() }) })).discussion;
}

describe.each(BOTH_MODES)('owner isolation ($mode mode)', ({ redis }) => {
  let server: TestApp | undefined;
  const clients: Client[] = [];
  beforeAll(async () => {
    server = await startTestApp({ redis, env: AUTH_ENV });
  });
  afterEach(async () => {
    await disposeClients(clients.splice(0));
  });
  afterAll(async () => {
    await server?.close();
  });
  const started = (): TestApp => {
    if (!server) throw new Error('the test server is not started yet');
    return server;
  };
  const url = () => started().url;
  const wsClient = (auth: ClientAuth) => {
    const client = createWsClient(url(), auth);
    clients.push(client);
    return client;
  };

  it("answers another owner's discussion exactly as one that does not exist", async () => {
    const id = await create(url(), TEAM_A);
    const unknown = randomUUID();
    expect(await find(url(), id, TEAM_B)).toBeNull();
    expect(await find(url(), unknown, TEAM_B)).toBeNull();

    for (const mutation of [START, PAUSE, RESUME, STOP, INJECT, DELETE]) {
      const foreign = await requestGraphQL(url(), mutation, { id }, TEAM_B);
      const missing = await requestGraphQL(url(), mutation, { id: unknown }, TEAM_B);
      expect(foreign.body.errors?.[0]?.extensions?.code, mutation).toBe('NOT_FOUND');
      expect(foreign.body.errors?.[0]?.message).toContain(id);
      expect(withoutId({ status: foreign.status, body: foreign.body }, id)).toBe(
        withoutId({ status: missing.status, body: missing.body }, unknown),
      );
    }

    // Nothing B tried touched A's discussion.
    expect(await find(url(), id, TEAM_A)).toMatchObject({ id, status: 'CREATED' });
  });

  it("lists only the caller's own discussions; the admin lists every owner's", async () => {
    const ofA = await create(url(), TEAM_A);
    const ofB = await create(url(), TEAM_B);
    const listedByA = await listedIds(url(), TEAM_A);
    const listedByB = await listedIds(url(), TEAM_B);
    expect(listedByA).toContain(ofA);
    expect(listedByA).not.toContain(ofB);
    expect(listedByB).toContain(ofB);
    expect(listedByB).not.toContain(ofA);
    expect(await listedIds(url(), ADMIN)).toEqual(expect.arrayContaining([ofA, ofB]));
    expect(await find(url(), ofB, ADMIN)).toMatchObject({ id: ofB, status: 'CREATED' });
  });

  it("refuses every subscription to another owner's discussion over graphql-ws and SSE with NOT_FOUND", async () => {
    const id = await create(url(), TEAM_A);
    const unknown = randomUUID();
    const asB = wsClient(TEAM_B);
    for (const { field, query } of SUBSCRIPTIONS) {
      const attempts = {
        ws: [await subscribeWs(asB, query, { id }, field, z.unknown()), await subscribeWs(asB, query, { id: unknown }, field, z.unknown())],
        sse: [
          await subscribeSse(url(), query, { id }, field, z.unknown(), TEAM_B),
          await subscribeSse(url(), query, { id: unknown }, field, z.unknown(), TEAM_B),
        ],
      };
      for (const [transport, [foreign, missing]] of Object.entries(attempts)) {
        if (!foreign || !missing) throw new Error('two subscriptions were opened');
        await Promise.all([foreign.collector.waitForCompletion(), missing.collector.waitForCompletion()]);
        foreign.close();
        missing.close();
        const what = `${field} over ${transport}`;
        expect(foreign.collector.values, what).toEqual([]);
        const errors = z.array(z.array(graphQLErrorSchema)).parse(foreign.collector.errors);
        expect(errors[0]?.[0]?.extensions?.code, what).toBe('NOT_FOUND');
        expect(withoutId(errors, id), what).toBe(withoutId(missing.collector.errors, unknown));
      }
    }
    expect(await find(url(), id, TEAM_A)).toMatchObject({ id, status: 'CREATED' });
    expect(await listedIds(url(), TEAM_A)).toContain(id);
  });

  it("lets the admin stop another owner's running discussion; its owner sees it end", async () => {
    const id = await create(url(), TEAM_A, WAITING_INPUT);
    const updates = await subscribeWs(wsClient(TEAM_A), DISCUSSION_UPDATED, { id }, 'discussionUpdated', statusSchema);
    await started().app.whenListening(id, 1);
    await mustGraphQL(url(), START, { id }, TEAM_A);
    await updates.collector.waitFor((values) => values.some((value) => value.status === 'WAITING_FOR_HUMAN'), { what: 'Hal to be asked' });

    const stopped = await mustGraphQL(url(), STOP, { id }, { ...ADMIN, schema: z.strictObject({ stopDiscussion: statusSchema }) });
    expect(stopped.stopDiscussion).toMatchObject({ id, status: 'STOPPED' });
    const seenByA = await updates.collector.waitForCompletion();
    expect(updates.collector.errors).toEqual([]);
    expect(seenByA.at(-1)).toMatchObject({ id, status: 'STOPPED' });
    expect(await find(url(), id, TEAM_A)).toMatchObject({ id, status: 'STOPPED' });
  });
});

describe('owner after a restart (redis mode)', () => {
  const servers: TestApp[] = [];
  afterEach(async () => {
    // The last one deletes the shared keys.
    for (const server of servers.splice(0)) await server.close();
  });

  it('keeps the owner of a discussion created before the restart', async () => {
    const first = await startTestApp({ redis: true, env: AUTH_ENV, keepKeys: true });
    servers.push(first);
    const id = await create(first.url, TEAM_A);
    await servers.shift()?.close();

    const second = await startTestApp({ redis: true, env: AUTH_ENV, keyPrefix: first.keyPrefix });
    servers.push(second);
    expect(await find(second.url, id, TEAM_A)).toMatchObject({ id, status: 'CREATED' });
    expect(await find(second.url, id, TEAM_B)).toBeNull();
    expect(await listedIds(second.url, TEAM_B)).not.toContain(id);
    expect(await listedIds(second.url, TEAM_A)).toContain(id);
    const started = await requestGraphQL(second.url, START, { id }, TEAM_B);
    expect(started.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

/** A raw graphql-transport-ws socket: what the server sends, and how it closes. */
async function openRawSocket(
  httpUrl: string,
  { headers, connectionParams }: { headers?: Record<string, string>; connectionParams?: Record<string, unknown> },
) {
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
  const messages = new Collector<RawMessage>();
  const frames: string[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => {
      // Whoever waits for a message learns at once that none will come.
      messages.complete();
      resolve({ code, reason: reason.toString() });
    }),
  );
  socket.on('message', (data) => {
    const { text, message } = readFrame(data);
    frames.push(text);
    messages.push(message);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init', ...(connectionParams ? { payload: connectionParams } : {}) }));
  return { socket, messages, frames, closed };
}

describe('authentication on every transport', () => {
  let server: TestApp | undefined;
  const sockets: WebSocket[] = [];
  const clients: Client[] = [];
  /** Every body, header, frame and close reason the server sent: none may repeat a credential. */
  const seen: string[] = [];
  beforeAll(async () => {
    server = await startTestApp({ env: AUTH_ENV });
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    await disposeClients(clients.splice(0));
    seen.splice(0);
  });
  afterAll(async () => {
    await server?.close();
  });
  const url = () => {
    if (!server) throw new Error('the test server is not started yet');
    return server.url;
  };
  const rawSocket = async (options: Parameters<typeof openRawSocket>[1]) => {
    const opened = await openRawSocket(url(), options);
    sockets.push(opened.socket);
    return opened;
  };
  const post = async (headers: Record<string, string>, accept = 'application/graphql-response+json') => {
    const response = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept, ...headers },
      body: JSON.stringify({ query: accept === 'text/event-stream' ? MESSAGE_ADDED : LIST, variables: { id: randomUUID() } }),
    });
    const text = await response.text();
    seen.push(text, JSON.stringify([...response.headers]));
    return { status: response.status, headers: response.headers, text };
  };
  const WRONG = 'tok-wrong-dddddddddddd';
  const BASIC = Buffer.from(`team-a:${TEAM_A.token}`).toString('base64');
  const expectNoCredentialSent = () => {
    expect(seen.length).toBeGreaterThan(0);
    for (const secret of [TEAM_A.token, TEAM_B.token, ADMIN.token, WRONG, BASIC]) {
      for (const text of seen) expect(text).not.toContain(secret);
    }
  };
  const wsClient = (auth: ClientAuth) => {
    const client = createWsClient(url(), auth);
    clients.push(client);
    return client;
  };
  const refusals = {
    'no Authorization header': {},
    'an unknown bearer token': { authorization: `Bearer ${WRONG}` },
    'the Basic scheme': { authorization: `Basic ${BASIC}` },
    'a valid token under the Basic scheme': { authorization: `Basic ${TEAM_A.token}` },
  };

  it.each(Object.entries(refusals))(
    'refuses HTTP and SSE requests with %s: 401, WWW-Authenticate: Bearer, UNAUTHENTICATED',
    async (_what, headers) => {
      for (const accept of ['application/graphql-response+json', 'application/json', 'text/event-stream']) {
        const response = await post(headers, accept);
        expect(response.status, accept).toBe(401);
        expect(response.headers.get('www-authenticate'), accept).toBe('Bearer');
        expect(response.text, accept).toContain('"code":"UNAUTHENTICATED"');
        expect(response.text, accept).not.toContain('"data"');
      }
      expectNoCredentialSent();
    },
  );

  it('closes a graphql-ws connection without a valid credential with 4401 at connection_init', async () => {
    for (const options of [
      {},
      { connectionParams: { authorization: `Bearer ${WRONG}` } },
      { headers: { authorization: `Bearer ${WRONG}` } },
    ]) {
      const { closed, messages, frames } = await rawSocket(options);
      const acknowledged = messages.waitFor((values) => values.length > 0, { what: "the server's answer to connection_init" });
      const outcome = await Promise.race([closed, acknowledged.then(() => ({ code: 'no close', reason: '' }))]);
      expect(outcome.code, JSON.stringify(options)).toBe(4401);
      expect(messages.values).toEqual([]);
      const { reason } = await closed;
      seen.push(reason, ...frames);
    }
    expectNoCredentialSent();
  });

  it('accepts the token in connectionParams or in the upgrade request, as its owner', async () => {
    const id = await create(url(), TEAM_A);
    const viaParams = await subscribeWs(wsClient(TEAM_A), FIND, { id }, 'discussion', foundSchema.nullable());
    const viaParamsAsB = await subscribeWs(wsClient(TEAM_B), FIND, { id }, 'discussion', foundSchema.nullable());
    expect(await viaParams.collector.waitForCompletion()).toEqual([{ id, status: 'CREATED' }]);
    expect(await viaParamsAsB.collector.waitForCompletion()).toEqual([null]);

    const viaHeader = await rawSocket({ headers: { authorization: `Bearer ${TEAM_A.token}` } });
    await viaHeader.messages.waitFor((values) => values.some((message) => message.type === 'connection_ack'), { what: 'connection_ack' });
    viaHeader.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: FIND, variables: { id } } }));
    await viaHeader.messages.waitFor((values) => values.some((message) => message.type === 'complete' && message.id === '1'), {
      what: 'the query to complete',
    });
    expect(viaHeader.messages.values.find((message) => message.type === 'next')?.payload).toEqual({
      data: { discussion: { id, status: 'CREATED' } },
    });
    seen.push(...viaHeader.frames, JSON.stringify([...viaParams.collector.values, ...viaParamsAsB.collector.values]));
    expectNoCredentialSent();
  });

  it('keeps /health open without a token; a valid token is served and not echoed', async () => {
    const health = await fetch(url().replace(/\/graphql$/, '/health'));
    expect(health.status).toBe(200);
    seen.push(await health.text());
    const accepted = await post({ authorization: `Bearer ${TEAM_A.token}` });
    expect(accepted.status).toBe(200);
    expect(accepted.text).toContain('"discussions"');
    expectNoCredentialSent();
  });
});
