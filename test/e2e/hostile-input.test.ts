// What a hostile client can send, over HTTP, SSE and graphql-ws, against a
// real server: each attack is refused with a code from DESIGN.md, nothing
// leaks, nothing is logged as the server's error, and the server still answers
// a normal query afterwards.

import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestApp, type TestApp } from '../support/app.js';
import { createWsClient, graphQLResponseSchema, requestGraphQL, subscribeSse, subscribeWs } from '../support/clients.js';
import { CREATE, createdSchema, MESSAGE_ADDED, messageViewSchema, mockAgents } from '../support/documents.js';
import { rawSocket, upgradeRefusal } from '../support/raw-ws.js';

const TOKEN = 'tok-hostile-aaaaaaaaaaaa';
const AUTH = { token: TOKEN };
const VENDOR_KEY = 'sk-vendor-SECRET-0123456789';
const ALLOWED_ORIGIN = 'https://app.example';
const PROVIDERS = '{ providers { name } }';

/** A pino log line: its level, and everything else it carries. */
const logLineSchema = z.looseObject({ level: z.number() });

/** Every log line the server writes, parsed. */
function captureLogs() {
  const lines: z.output<typeof logLineSchema>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(logLineSchema.parse(JSON.parse(line)));
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, stream) };
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers }, body });

describe('hostile input', () => {
  let server: TestApp;
  const logs = captureLogs();
  const rss: number[] = [];

  beforeAll(async () => {
    rss.push(process.memoryUsage().rss);
    server = await startTestApp({
      logger: logs.logger,
      env: {
        AUTH_TOKENS: `${TOKEN}:mallory`,
        CORS_ORIGINS: ALLOWED_ORIGIN,
        // A configured vendor whose key must never show: it points at a closed port, so every call fails.
        OPENAI_API_KEY: VENDOR_KEY,
        OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
        PROVIDER_MAX_RETRIES: '0',
      },
    });
  });

  afterEach(async () => {
    // After each attack the server still answers a normal query.
    const schema = z.strictObject({ providers: z.array(z.strictObject({ name: z.string() })) });
    const { status, body } = await requestGraphQL(server.url, PROVIDERS, undefined, { ...AUTH, schema });
    expect(status).toBe(200);
    expect(body.data?.providers.length).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await server.close();
    rss.push(process.memoryUsage().rss);
    console.log(`server process RSS before the hostile tests ${(rss[0] ?? 0) >> 20} MiB, after ${(rss[1] ?? 0) >> 20} MiB`);
    // A client's mistake is never logged as the server's error, and nothing logged carries a secret.
    expect(logs.lines.filter((line) => line.level >= 50)).toEqual([]);
    const logged = JSON.stringify(logs.lines);
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain(VENDOR_KEY);
  });

  it.each([
    ['depth', `{ ${'... on Query { '.repeat(12)}providers { name }${' }'.repeat(12)} }`, /depth limit of 10/],
    ['aliases', `{ ${Array.from({ length: 16 }, (_, index) => `a${index}: providers { name }`).join(' ')} }`, /Aliases limit of 15/],
    ['tokens', `{ providers { ${'name '.repeat(2_100)}} }`, /Token limit of 2000/],
    ['directives', `{ providers { name ${'@skip(if: false) '.repeat(51)}} }`, /Directives limit of 50/],
    ['cost', '{ discussions(first: 50) { edges { node { messages(first: 500) { edges { node { id } } } } } } }', /Cost limit of 5000/],
  ])('refuses a query over the %s limit with BAD_USER_INPUT', async (_limit, query, message) => {
    const { body } = await requestGraphQL(server.url, query, undefined, AUTH);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.message).toMatch(message);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a batch of operations', async () => {
    const response = await post(server.url, JSON.stringify([{ query: PROVIDERS }, { query: PROVIDERS }]));
    expect(response.status).toBe(400);
    const body = graphQLResponseSchema.parse(await response.json());
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['a 1 MiB query', () => JSON.stringify({ query: `{ providers { name } } # ${'x'.repeat(1_048_576)}` })],
    ['a 20 MB variable', () => JSON.stringify({ query: PROVIDERS, variables: { blob: 'x'.repeat(20_000_000) } })],
  ])('refuses %s with 413 before reading it all', async (_what, makeBody) => {
    const response = await post(server.url, makeBody());
    expect(response.status).toBe(413);
    const body = graphQLResponseSchema.parse(await response.json());
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['form-encoded', 'application/x-www-form-urlencoded', `query=${encodeURIComponent('mutation { deleteDiscussion(id: "x") }')}`],
    [
      'multipart',
      'multipart/form-data; boundary=b',
      `--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"{ providers { name } }"}\r\n--b--\r\n`,
    ],
    ['text/plain', 'text/plain', JSON.stringify({ query: PROVIDERS })],
  ])('refuses a %s post a web page could send (CSRF)', async (_kind, contentType, body) => {
    // A cross-site form carries no Authorization header: the CSRF check, not auth, must stop it.
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect([401, 403]).toContain(response.status);
    const anonymous = await startTestApp({ logger: logs.logger });
    try {
      const refused = await fetch(anonymous.url, { method: 'POST', headers: { 'content-type': contentType }, body });
      expect(refused.status).toBe(403);
      const answer = graphQLResponseSchema.parse(await refused.json());
      expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      await anonymous.close();
    }
  });

  it('never echoes a foreign origin, and names a listed one without credentials', async () => {
    const foreign = await post(server.url, JSON.stringify({ query: PROVIDERS }), { origin: 'https://evil.example' });
    expect(foreign.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    expect(foreign.headers.get('access-control-allow-credentials')).not.toBe('true');
    const preflight = await fetch(server.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    const listed = await post(server.url, JSON.stringify({ query: PROVIDERS }), { origin: ALLOWED_ORIGIN });
    expect(listed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(listed.headers.get('access-control-allow-credentials')).not.toBe('true');
  });

  it.each([
    ['a NUL in a variable', { topic: 'a\u0000b' }, 'variables.input.topic: contains a NUL character'],
    ['a lone surrogate in a variable', { topic: 'a\ud800b' }, 'variables.input.topic: contains a lone surrogate'],
  ])('refuses %s, naming the field', async (_what, input, message) => {
    const { body } = await requestGraphQL(server.url, CREATE, { input: { ...input, agents: mockAgents(1) } }, AUTH);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toContain(message);
  });

  it('refuses a NUL written into the query itself', async () => {
    const { body } = await requestGraphQL(server.url, '{ discussion(id: "a\\u0000b") { id } }', undefined, AUTH);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/NUL/);
  });

  it('refuses long ids and cursors without repeating them, and repeats at most 100 characters of other input', async () => {
    const long = 'z'.repeat(5_000);
    const answers = await Promise.all([
      requestGraphQL(server.url, 'query($id: ID!) { discussion(id: $id) { id } }', { id: long }, AUTH),
      requestGraphQL(server.url, 'mutation($id: ID!) { stopDiscussion(id: $id) { id } }', { id: long }, AUTH),
      requestGraphQL(server.url, 'query($after: String) { discussions(after: $after) { edges { cursor } } }', { after: long }, AUTH),
      requestGraphQL(server.url, `{ ${long} }`, undefined, AUTH),
      requestGraphQL(server.url, 'query($n: Int) { discussions(first: $n) { edges { cursor } } }', { n: long }, AUTH),
    ]);
    for (const { body } of answers) {
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const text = JSON.stringify(body);
      expect(text).not.toContain('z'.repeat(101));
      expect(text).not.toMatch(/originalError|stack|at .*\.ts:\d+/);
    }
    expect(answers[0]?.body.errors?.[0]?.message).toBe('id: is longer than 200 characters');
  });

  it('never repeats a bad variable’s value, whose keys graphql-js prints unquoted', async () => {
    const input = {
      topic: 'x',
      agents: [],
      [`k${'q'.repeat(300)}`]: 1,
      ...Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`f${index}`, 'w'.repeat(90)])),
    };
    const { body } = await requestGraphQL(server.url, CREATE, { input }, AUTH);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const text = JSON.stringify(body);
    expect(text).not.toContain('q'.repeat(101));
    expect(text).not.toContain('w'.repeat(90));
    expect(body.errors?.[0]?.message).toMatch(/not repeated/);
  });

  it('refuses a cross-site form post even when the browser adds ambient Authorization', async () => {
    // A proxy's Basic credentials go with any form post; only a custom header proves a preflight.
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${TOKEN}` },
      body: `query=${encodeURIComponent('mutation { deleteDiscussion(id: "x") }')}`,
    });
    expect(response.status).toBe(403);
  });

  it('refuses a WebSocket upgrade from a foreign page, and takes one from a listed origin or none', async () => {
    expect(await upgradeRefusal(server.url, { origin: 'https://evil.example' })).toBe(401);
    const listed = await rawSocket(server.url, { origin: ALLOWED_ORIGIN });
    await listed.init({ authorization: `Bearer ${TOKEN}` });
    listed.close();
  });

  it('refuses a garbage discussions cursor like a garbage messages cursor', async () => {
    const { body } = await requestGraphQL(server.url, '{ discussions(after: "garbage") { edges { cursor } } }', undefined, AUTH);
    expect(body.errors?.[0]).toMatchObject({
      message: 'after: is not a cursor from this API',
      extensions: { code: 'BAD_USER_INPUT', field: 'after' },
    });
  });

  it('sends no parser internals for invalid JSON', async () => {
    const response = await post(server.url, '{"query": "{ providers');
    const text = await response.text();
    expect(text).toContain('BAD_USER_INPUT');
    expect(text).not.toMatch(/originalError|SyntaxError|position/);
  });

  it('never shows a vendor key, even when the vendor call fails', async () => {
    const { body } = await requestGraphQL(
      server.url,
      CREATE,
      { input: { topic: 'keys', maxRounds: 1, agents: [{ name: 'Oz', provider: 'OPENAI' }] } },
      { ...AUTH, schema: createdSchema },
    );
    const id = body.data?.createDiscussion.id ?? '';
    const messages = await subscribeSse(server.url, MESSAGE_ADDED, { id }, 'messageAdded', messageViewSchema, AUTH);
    await server.app.whenListening(id, 1);
    await requestGraphQL(server.url, 'mutation($id: ID!) { startDiscussion(id: $id) { id } }', { id }, AUTH);
    const [note] = await messages.collector.waitForCount(1);
    messages.close();
    expect(note?.role).toBe('SYSTEM');
    const { body: discussion } = await requestGraphQL(
      server.url,
      'query($id: ID!) { discussion(id: $id) { error messages { edges { node { content } } } } }',
      { id },
      AUTH,
    );
    expect(JSON.stringify([note, discussion])).not.toContain(VENDOR_KEY);
  });

  it('closes a socket that sends a frame larger than MAX_BODY_BYTES, and serves the others', async () => {
    const socket = await rawSocket(server.url, { authorization: `Bearer ${TOKEN}` });
    await socket.init({});
    const closed = socket.closed();
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ providers { name } } # ${'x'.repeat(10_000_000)}` } }));
    expect((await closed).code).toBe(1009);
    const other = createWsClient(server.url, AUTH);
    const result = await new Promise<unknown>((resolve, reject) =>
      other.subscribe({ query: PROVIDERS }, { next: resolve, error: reject, complete: () => {} }),
    );
    expect(result).toHaveProperty('data.providers', expect.any(Array));
    await other.dispose();
  });

  it('allows 100 subscriptions per socket: the 101st gets an error and the socket and the others stay up', async () => {
    const { body } = await requestGraphQL(
      server.url,
      CREATE,
      { input: { topic: 'many', agents: mockAgents(1) } },
      { ...AUTH, schema: createdSchema },
    );
    const id = body.data?.createDiscussion.id ?? '';
    const socket = await rawSocket(server.url);
    await socket.init({ authorization: `Bearer ${TOKEN}` });
    for (let index = 1; index <= 1_000; index += 1) {
      socket.send(JSON.stringify({ id: String(index), type: 'subscribe', payload: { query: MESSAGE_ADDED, variables: { id } } }));
    }
    const errors = await socket.waitFor((messages) => messages.filter((message) => message.type === 'error').length >= 900);
    const refused = errors.filter((message) => message.type === 'error');
    expect(refused).toHaveLength(900);
    expect(new Set(refused.map((message) => Number(message.id))).has(100)).toBe(false);
    expect(JSON.stringify(refused[0]?.payload)).toContain('RATE_LIMITED');
    // HTTP status and headers are for HTTP answers; a socket's error carries none.
    expect(JSON.stringify(refused[0]?.payload)).not.toContain('"http"');
    await server.app.whenListening(id, 100);
    // The 100 live ones still deliver.
    await requestGraphQL(
      server.url,
      'mutation($id: ID!) { injectMessage(discussionId: $id, content: "still there?") { id } }',
      { id },
      AUTH,
    );
    const delivered = await socket.waitFor((messages) => messages.filter((message) => message.type === 'next').length >= 100);
    expect(delivered.filter((message) => message.type === 'next')).toHaveLength(100);
    expect(socket.isOpen()).toBe(true);
    socket.close();
  });

  it('answers a graphql-ws subscribe with a syntax error for its id while the other subscription goes on', async () => {
    const { body } = await requestGraphQL(
      server.url,
      CREATE,
      { input: { topic: 'syntax', agents: mockAgents(1) } },
      { ...AUTH, schema: createdSchema },
    );
    const id = body.data?.createDiscussion.id ?? '';
    const client = createWsClient(server.url, AUTH);
    const good = await subscribeWs(client, MESSAGE_ADDED, { id }, 'messageAdded', messageViewSchema);
    await server.app.whenListening(id, 1);
    const bad = await subscribeWs(client, 'subscription { messageAdded(discussionId: ', {}, 'messageAdded', z.unknown());
    await bad.collector.waitForCompletion();
    expect(JSON.stringify(bad.collector.errors)).toContain('Syntax Error');
    await requestGraphQL(
      server.url,
      'mutation($id: ID!) { injectMessage(discussionId: $id, content: "after the bad one") { id } }',
      { id },
      AUTH,
    );
    const [message] = await good.collector.waitForCount(1);
    expect(message?.content).toBe('after the bad one');
    good.close();
    await client.dispose();
  });
});

describe('anonymous on loopback', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(() => server.close());

  it('answers only requests addressed to a loopback host, so a rebound DNS name reaches nothing', async () => {
    const { port } = new URL(server.url);
    const asLoopback = await requestGraphQL(server.url, PROVIDERS);
    expect(asLoopback.status).toBe(200);
    const rebound = await new Promise<number | undefined>((resolve, reject) => {
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/graphql',
          method: 'POST',
          headers: { host: `attacker.example:${port}`, 'content-type': 'application/json' },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode);
        },
      );
      request.once('error', reject);
      request.end(JSON.stringify({ query: PROVIDERS }));
    });
    expect(rebound).toBe(403);
    expect(await upgradeRefusal(server.url, { host: `attacker.example:${port}` })).toBe(401);
    expect(await upgradeRefusal(server.url, {})).toBeUndefined();
  });
});

describe('introspection switched off', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ env: { GRAPHQL_INTROSPECTION: 'false' } });
  });
  afterAll(() => server.close());

  it('refuses __schema and __type, gives no "Did you mean" and serves no GraphiQL', async () => {
    const schema = await requestGraphQL(server.url, '{ __schema { types { name } } }');
    expect(schema.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const type = await requestGraphQL(server.url, '{ __type(name: "Discussion") { name } }');
    expect(type.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const typo = await requestGraphQL(server.url, '{ providrs { name } }');
    expect(typo.body.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const page = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('<div id="root"></div>');
    const sse = await subscribeSse(server.url, '{ __schema { queryType { name } } }', {}, '__schema', z.unknown());
    await sse.collector.waitForCompletion();
    expect(JSON.stringify(sse.collector.errors)).toMatch(/introspection/i);
  });
});
