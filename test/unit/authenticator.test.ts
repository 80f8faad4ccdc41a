import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthenticator, type AuthResult } from '../../src/auth/authenticator.js';
import { isLoopbackHost } from '../../src/auth/identity.js';
import { ConfigError, loadConfig, type AuthConfig } from '../../src/config.js';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'discussions';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: PrivateKey;
  publicJwk: JWK;
}

async function createSigningKey(kid: string, alg: SigningKey['alg']): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

interface JwksServer {
  /** Serves the published key set; other paths answer what their name says. */
  url: string;
  origin: string;
  /** JWKS requests received so far, on every path. */
  readonly requests: number;
  publish(keys: JWK[]): void;
  close(): Promise<void>;
}

const listen = (server: Server): Promise<number> =>
  new Promise((resolve, reject) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('the server has no TCP address'));
      else resolve(address.port);
    }),
  );

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));

async function startJwksServer(): Promise<JwksServer> {
  let body = JSON.stringify({ keys: [] });
  let requests = 0;
  const server = createServer((request, response) => {
    requests += 1;
    // keep-alive sockets would hold close() open until they time out
    response.setHeader('connection', 'close');
    if (request.url === '/jwks.json') response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    else if (request.url === '/not-json') response.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops</html>');
    else if (request.url === '/not-a-key-set') response.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}');
    else response.writeHead(404).end();
  });
  const origin = `http://127.0.0.1:${await listen(server)}`;
  return {
    url: `${origin}/jwks.json`,
    origin,
    get requests() {
      return requests;
    },
    publish: (keys) => (body = JSON.stringify({ keys })),
    close: () => closeServer(server),
  };
}

/** A URL on a port nothing listens on: a server is opened on a free port and closed again. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await closeServer(server);
  return `http://127.0.0.1:${port}/jwks.json`;
}

// Every log line of every authenticator in this file, so no test can leak a token into it unseen.
const logChunks: string[] = [];
const logger = pino(
  { level: 'trace' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logChunks.push(chunk.toString());
      done();
    },
  }),
);
const logText = (): string => logChunks.join('');
const presentedTokens = new Set<string>();

afterEach(() => {
  vi.useRealTimers();
  for (const token of presentedTokens) expect(logText()).not.toContain(token);
  presentedTokens.clear();
});

/** The header a client sends; the token is remembered so the log can be checked for it. */
function bearer(token: string, scheme = 'Bearer'): string {
  if (token.length > 0) presentedTokens.add(token);
  return `${scheme} ${token}`;
}

/** Asserts a refusal whose reason does not repeat the token, and returns the reason. */
function expectRefused(result: AuthResult, token: string): string {
  if (result.ok) expect.unreachable(`expected a refusal, got owner ${result.identity.owner}`);
  if (token.length > 0) expect(result.reason).not.toContain(token);
  return result.reason;
}

interface TokenOptions {
  issuer?: string;
  audience?: string;
  expiresAt?: number | string;
  notBefore?: number | string;
  kid?: string;
}

function sign(key: SigningKey, claims: JWTPayload, options: TokenOptions = {}): Promise<string> {
  const { issuer = ISSUER, audience = AUDIENCE, expiresAt = '10m', notBefore, kid = key.kid } = options;
  const token = new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(expiresAt);
  if (notBefore !== undefined) token.setNotBefore(notBefore);
  return token.sign(key.privateKey);
}

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const ALICE_TOKEN = 'static-alice-0123456789abcdef';
const ROOT_TOKEN = 'static-root-fedcba9876543210';
const STATIC_TOKENS: AuthConfig['tokens'] = [
  { token: ALICE_TOKEN, owner: 'alice', admin: false },
  { token: ROOT_TOKEN, owner: 'root', admin: true },
];

let jwks: JwksServer;
let keyA: SigningKey;
let keyB: SigningKey;
/** Has keyA's kid, but is not keyA. */
let impostor: SigningKey;
let unpublished: SigningKey;

beforeAll(async () => {
  jwks = await startJwksServer();
  [keyA, keyB, impostor, unpublished] = await Promise.all([
    createSigningKey('key-a', 'RS256'),
    createSigningKey('key-b', 'ES256'),
    createSigningKey('key-a', 'RS256'),
    createSigningKey('key-z', 'ES256'),
  ]);
});

afterAll(async () => {
  await jwks.close();
});

function createJwtAuthenticator(jwt: Partial<NonNullable<AuthConfig['jwt']>> = {}, tokens: AuthConfig['tokens'] = []) {
  return createAuthenticator(
    { tokens, jwt: { jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, ownerClaim: 'sub', ...jwt }, allowAnonymous: false },
    logger,
  );
}

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '10.0.0.1', 'example.com', '::', '[::]', '', 'localhost.example.com', '127.0.0.1.example.com'])(
    '%j is not loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('with no auth configured', () => {
  it.each([undefined, null, '', 'Bearer anything-at-all-here', 'Basic YWxpY2U6c2VjcmV0', 'garbage'])(
    'answers %j with owner public, not admin',
    async (header) => {
      const authenticator = createAuthenticator({ tokens: [], allowAnonymous: false }, logger);
      expect(authenticator.required).toBe(false);
      expect(await authenticator.authenticate(header)).toEqual({ ok: true, identity: { owner: 'public', admin: false } });
    },
  );
});

describe('static tokens', () => {
  const authenticator = createAuthenticator({ tokens: STATIC_TOKENS, allowAnonymous: false }, logger);

  it('maps each token to its owner and admin flag', async () => {
    expect(authenticator.required).toBe(true);
    expect(await authenticator.authenticate(bearer(ALICE_TOKEN))).toEqual({ ok: true, identity: { owner: 'alice', admin: false } });
    expect(await authenticator.authenticate(bearer(ROOT_TOKEN))).toEqual({ ok: true, identity: { owner: 'root', admin: true } });
  });

  it.each(['bearer', 'BEARER', 'BeArEr'])('accepts the scheme spelled %s', async (scheme) => {
    expect(await authenticator.authenticate(bearer(ALICE_TOKEN, scheme))).toMatchObject({ ok: true, identity: { owner: 'alice' } });
  });

  it.each([
    ['a wrong token', `Bearer ${'wrong-token-0123456789abcdef'}`, 'wrong-token-0123456789abcdef'],
    ['a token differing in its last character', `Bearer ${ALICE_TOKEN.slice(0, -1)}g`, `${ALICE_TOKEN.slice(0, -1)}g`],
    ['a token with one character less', `Bearer ${ALICE_TOKEN.slice(0, -1)}`, ALICE_TOKEN.slice(0, -1)],
    ['a much longer token', `Bearer ${ALICE_TOKEN}${'x'.repeat(500)}`, `${ALICE_TOKEN}${'x'.repeat(500)}`],
    ['a token past the header limit', `Bearer ${ALICE_TOKEN}${'x'.repeat(9000)}`, `${ALICE_TOKEN}${'x'.repeat(9000)}`],
    ['the token without a scheme', ALICE_TOKEN, ALICE_TOKEN],
    ['the token in Basic', `Basic ${ALICE_TOKEN}`, ALICE_TOKEN],
    ['Basic credentials', `Basic ${Buffer.from(`alice:${ALICE_TOKEN}`).toString('base64')}`, ALICE_TOKEN],
    ['two tokens', `Bearer ${ALICE_TOKEN} ${ROOT_TOKEN}`, ALICE_TOKEN],
    ['Bearer with nothing', 'Bearer', ''],
    ['Bearer and spaces', 'Bearer    ', ''],
    ['an empty header', '', ''],
  ])('refuses %s', async (_case, header, token) => {
    if (token.length > 0) presentedTokens.add(token);
    const result = await authenticator.authenticate(header);
    expect(expectRefused(result, token)).toMatch(/token|credential/);
  });

  it.each([undefined, null])('refuses a missing header (%s)', async (header) => {
    expect(await authenticator.authenticate(header)).toEqual({ ok: false, reason: 'no credential' });
  });
});

describe('JWTs verified against a JWKS', () => {
  beforeEach(() => jwks.publish([keyA.publicJwk, keyB.publicJwk]));

  it('takes the owner from sub, with RS256 and ES256 keys, fetching the JWKS once', async () => {
    const authenticator = createJwtAuthenticator();
    const before = jwks.requests;
    expect(authenticator.required).toBe(true);
    const viaRsa = await sign(keyA, { sub: 'alice' });
    const viaEc = await sign(keyB, { sub: 'bob' });
    expect(await authenticator.authenticate(bearer(viaRsa))).toEqual({ ok: true, identity: { owner: 'alice', admin: false } });
    expect(await authenticator.authenticate(bearer(viaEc))).toEqual({ ok: true, identity: { owner: 'bob', admin: false } });
    expect(jwks.requests).toBe(before + 1);
  });

  it('takes the owner from a configured owner claim rather than sub', async () => {
    const authenticator = createJwtAuthenticator({ ownerClaim: 'tenant' });
    const token = await sign(keyA, { sub: 'user-17', tenant: 'acme' });
    expect(await authenticator.authenticate(bearer(token))).toMatchObject({ ok: true, identity: { owner: 'acme' } });
  });

  it.each<[string, JWTPayload, boolean]>([
    ['roles: [admin]', { roles: ['admin'] }, true],
    ['roles: [reader, admin]', { roles: ['reader', 'admin'] }, true],
    ['role: admin', { role: 'admin' }, true],
    ['roles: [reader]', { roles: ['reader'] }, false],
    ['roles: "admin" (not an array)', { roles: 'admin' }, false],
    ['role: Admin', { role: 'Admin' }, false],
    ['no role', {}, false],
  ])('%s → admin %s', async (_case, claims, admin) => {
    const token = await sign(keyB, { sub: 'carol', ...claims });
    expect(await createJwtAuthenticator().authenticate(bearer(token))).toEqual({ ok: true, identity: { owner: 'carol', admin } });
  });

  it('makes no admin of a role claim when no audience is checked: the token may be for another application', async () => {
    const authenticator = createJwtAuthenticator({ audience: undefined });
    const token = await sign(keyA, { sub: 'mallory', roles: ['admin'] }, { audience: 'some-other-app' });
    expect(await authenticator.authenticate(bearer(token))).toEqual({ ok: true, identity: { owner: 'mallory', admin: false } });
  });

  it('accepts any issuer and audience when none is configured', async () => {
    const authenticator = createJwtAuthenticator({ issuer: undefined, audience: undefined });
    const token = await sign(keyA, { sub: 'dave' }, { issuer: 'https://elsewhere.test', audience: 'anything' });
    expect(await authenticator.authenticate(bearer(token))).toMatchObject({ ok: true, identity: { owner: 'dave' } });
  });

  it('refuses an expired token, saying it expired', async () => {
    const token = await sign(keyA, { sub: 'alice' }, { expiresAt: nowSeconds() - 60 });
    expect(expectRefused(await createJwtAuthenticator().authenticate(bearer(token)), token)).toMatch(/expired/);
  });

  it('refuses a token without an expiry, which would be good forever', async () => {
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: keyA.alg, kid: keyA.kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .sign(keyA.privateKey);
    expect(expectRefused(await createJwtAuthenticator().authenticate(bearer(token)), token)).toMatch(/exp/);
  });

  it.each<[string, TokenOptions, RegExp]>([
    ['another audience', { audience: 'billing' }, /aud/],
    ['another issuer', { issuer: 'https://evil.test' }, /iss/],
    ['a token not valid yet', { notBefore: nowSeconds() + 600 }, /nbf/],
  ])('refuses %s', async (_case, options, reason) => {
    const token = await sign(keyA, { sub: 'alice' }, options);
    expect(expectRefused(await createJwtAuthenticator().authenticate(bearer(token)), token)).toMatch(reason);
  });

  it('refuses a token signed by a key that is not in the JWKS, under a published kid', async () => {
    const token = await sign(impostor, { sub: 'alice', roles: ['admin'] });
    expect(expectRefused(await createJwtAuthenticator().authenticate(bearer(token)), token)).toMatch(/signature/);
  });

  it('refuses a token under an unknown kid without refetching the JWKS it has just fetched', async () => {
    const authenticator = createJwtAuthenticator();
    const before = jwks.requests;
    const token = await sign(unpublished, { sub: 'alice' });
    expect(expectRefused(await authenticator.authenticate(bearer(token)), token)).toMatch(/no key/);
    expect(jwks.requests).toBe(before + 1);
  });

  // Claims as a token may carry them, whatever JWTPayload says they should be.
  it.each<[string, Record<string, unknown>]>([
    ['missing', { name: 'Alice' }],
    ['empty', { sub: '' }],
    ['a number', { sub: 42 }],
    ['over 200 characters', { sub: 'a'.repeat(201) }],
    ['one that would break its Redis hash tag', { sub: 'team}{other' }],
    ['one with a space', { sub: 'team a' }],
  ])('refuses a token whose owner claim is %s', async (_case, claims) => {
    const token = await sign(keyA, claims);
    expect(expectRefused(await createJwtAuthenticator().authenticate(bearer(token)), token)).toMatch(/claim sub/);
  });

  it('refuses an unsigned alg:none token', async () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'alice', roles: ['admin'], iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 600 })}.`;
    expect(expectRefused(await createJwtAuthenticator().authenticate(bearer(token)), token)).toMatch(/invalid token/);
  });

  it('refuses a token under a published kid with its signature stripped', async () => {
    const signed = await sign(keyA, { sub: 'alice', roles: ['admin'] });
    const stripped = `${signed.slice(0, signed.lastIndexOf('.'))}.`;
    expect(expectRefused(await createJwtAuthenticator().authenticate(bearer(stripped)), stripped)).toMatch(/signature/);
  });

  it('refuses a token HMAC-signed with the public key (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(keyA.publicJwk));
    const token = await new SignJWT({ sub: 'alice', roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256', kid: keyA.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(secret);
    expect(expectRefused(await createJwtAuthenticator().authenticate(bearer(token)), token)).toMatch(/invalid token/);
  });
});

describe('JWKS key rotation', () => {
  it('caches the key set, then picks up a rotated key with one refetch once the cooldown has passed', async () => {
    jwks.publish([keyA.publicJwk]);
    const authenticator = createJwtAuthenticator();
    const before = jwks.requests;
    expect(await authenticator.authenticate(bearer(await sign(keyA, { sub: 'alice' })))).toMatchObject({ ok: true });
    expect(await authenticator.authenticate(bearer(await sign(keyA, { sub: 'bob' })))).toMatchObject({ ok: true });
    expect(jwks.requests).toBe(before + 1);

    // The issuer retires key A for key B. jose refetches for an unknown kid only when
    // its last fetch is more than 30 s old, so the clock (Date alone) moves past that.
    jwks.publish([keyB.publicJwk]);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    const rotated = await sign(keyB, { sub: 'carol' });
    expect(await authenticator.authenticate(bearer(rotated))).toEqual({ ok: true, identity: { owner: 'carol', admin: false } });
    expect(jwks.requests).toBe(before + 2);

    // Key A is gone from the refetched set; the fresh fetch means no second refetch.
    const retired = await sign(keyA, { sub: 'alice' });
    expect(expectRefused(await authenticator.authenticate(bearer(retired)), retired)).toMatch(/no key/);
    expect(jwks.requests).toBe(before + 2);
  });

  it('refetches at most once per 30 s however many unknown kids arrive', async () => {
    jwks.publish([keyA.publicJwk]);
    const authenticator = createJwtAuthenticator();
    const before = jwks.requests;
    expect(await authenticator.authenticate(bearer(await sign(keyA, { sub: 'alice' })))).toMatchObject({ ok: true });
    expect(jwks.requests).toBe(before + 1);

    // A key published within 30 s of the last fetch is not seen yet…
    jwks.publish([keyA.publicJwk, keyB.publicJwk]);
    const early = await sign(keyB, { sub: 'bob' });
    expect(expectRefused(await authenticator.authenticate(bearer(early)), early)).toMatch(/no key/);
    expect(jwks.requests).toBe(before + 1);

    // …and after the cooldown, a burst of unknown kids costs one request in all.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    const strangers = await Promise.all(['key-x', 'key-y', 'key-z'].map((kid) => sign(unpublished, { sub: 'mallory' }, { kid })));
    for (const token of strangers) expectRefused(await authenticator.authenticate(bearer(token)), token);
    expect(await authenticator.authenticate(bearer(early))).toMatchObject({ ok: true, identity: { owner: 'bob' } });
    expect(jwks.requests).toBe(before + 2);
  });
});

describe('a JWKS that cannot be read', () => {
  it('refuses quickly, without throwing, when nothing listens on the JWKS port, and warns in the log', async () => {
    const authenticator = createJwtAuthenticator({ jwksUrl: await closedPortUrl() });
    const token = await sign(keyA, { sub: 'alice' });
    const linesBefore = logChunks.length;
    const started = performance.now();
    const result = await authenticator.authenticate(bearer(token));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(expectRefused(result, token)).toMatch(/JWKS/);
    const warning = logChunks.slice(linesBefore).map((line): unknown => JSON.parse(line));
    expect(warning).toContainEqual(expect.objectContaining({ level: 40, msg: 'JWKS unavailable' }));
  });

  // An operator's wrong AUTH_JWKS_URL must show as a JWKS problem, not as every caller's bad token.
  it.each(['/missing.json', '/not-json', '/not-a-key-set'])('refuses when the JWKS URL answers %s, and warns in the log', async (path) => {
    const authenticator = createJwtAuthenticator({ jwksUrl: `${jwks.origin}${path}` });
    const token = await sign(keyA, { sub: 'alice' });
    const linesBefore = logChunks.length;
    const result = await authenticator.authenticate(bearer(token));
    expect(expectRefused(result, token)).toMatch(/JWKS/);
    expect(logChunks.slice(linesBefore).join('')).toContain('JWKS unavailable');
  });
});

describe('static tokens and JWTs together', () => {
  beforeEach(() => jwks.publish([keyA.publicJwk]));

  it('accepts both, and refuses what is neither', async () => {
    const authenticator = createJwtAuthenticator({}, STATIC_TOKENS);
    const token = await sign(keyA, { sub: 'erin', roles: ['admin'] });
    expect(await authenticator.authenticate(bearer(ALICE_TOKEN))).toEqual({ ok: true, identity: { owner: 'alice', admin: false } });
    expect(await authenticator.authenticate(bearer(token))).toEqual({ ok: true, identity: { owner: 'erin', admin: true } });
    expect(await authenticator.authenticate(bearer(ROOT_TOKEN))).toEqual({ ok: true, identity: { owner: 'root', admin: true } });
    const neither = 'neither-static-nor-a-jwt-0123';
    expectRefused(await authenticator.authenticate(bearer(neither)), neither);
  });

  it('keeps accepting static tokens while the JWKS is down, without fetching it for them', async () => {
    const authenticator = createJwtAuthenticator({ jwksUrl: await closedPortUrl() }, STATIC_TOKENS);
    expect(await authenticator.authenticate(bearer(ROOT_TOKEN))).toEqual({ ok: true, identity: { owner: 'root', admin: true } });
    const token = await sign(keyA, { sub: 'erin' });
    expectRefused(await authenticator.authenticate(bearer(token)), token);
  });
});

describe('loadConfig: credentials', () => {
  it('parses AUTH_TOKENS into owners, with the admin role', () => {
    const config = loadConfig({ AUTH_TOKENS: ` ${ALICE_TOKEN}:alice ,, ${ROOT_TOKEN}:root:admin ` });
    expect(config.auth.tokens).toEqual(STATIC_TOKENS);
    expect(config.auth.jwt).toBeUndefined();
    expect(config.auth.allowAnonymous).toBe(false);
  });

  it.each([
    ['a token under 16 characters', 'fifteen-chars-x:alice', 'fifteen-chars-x', /at least 16 characters/],
    ['a role other than admin', 'a-long-enough-secret-1:alice:owner', 'a-long-enough-secret-1', /only role is "admin"/],
    ['a fourth field', 'a-long-enough-secret-2:alice:admin:extra', 'a-long-enough-secret-2', /only role/],
    ['a missing owner', 'a-long-enough-secret-3', 'a-long-enough-secret-3', /owner/],
    ['an owner with a slash', 'a-long-enough-secret-4:ali/ce', 'a-long-enough-secret-4', /owner/],
  ])('refuses %s, naming AUTH_TOKENS and not the token', (_case, value, token, problem) => {
    let error: unknown;
    try {
      loadConfig({ AUTH_TOKENS: `${ALICE_TOKEN}:alice,${value}` });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = String(error);
    expect(message).toMatch(/^ConfigError: Invalid environment: AUTH_TOKENS: entry 2: /);
    expect(message).toMatch(problem);
    expect(message).not.toContain(token);
    expect(message).not.toContain(ALICE_TOKEN);
  });

  // Config accepts these, but the Bearer parser only takes visible ASCII, so they could never sign in.
  it.each(['with a space 0123456789', 'non-ascii-pässword-0123'])('refuses a token %j that no Bearer header can carry', (token) => {
    expect(() => loadConfig({ AUTH_TOKENS: `${token}:alice` })).toThrow(/^Invalid environment: AUTH_TOKENS: /);
  });

  it('maps AUTH_JWKS_URL and its companions into auth.jwt, with sub as the default owner claim', () => {
    expect(loadConfig({ AUTH_JWKS_URL: 'https://id.example/.well-known/jwks.json' }).auth.jwt).toEqual({
      jwksUrl: 'https://id.example/.well-known/jwks.json',
      issuer: undefined,
      audience: undefined,
      ownerClaim: 'sub',
    });
    const config = loadConfig({
      AUTH_JWKS_URL: 'https://id.example/jwks',
      AUTH_JWT_ISSUER: 'https://id.example/',
      AUTH_JWT_AUDIENCE: 'discussions',
      AUTH_OWNER_CLAIM: 'tenant',
      ALLOW_ANONYMOUS: 'true',
    });
    expect(config.auth).toEqual({
      tokens: [],
      jwt: { jwksUrl: 'https://id.example/jwks', issuer: 'https://id.example/', audience: 'discussions', ownerClaim: 'tenant' },
      allowAnonymous: true,
    });
  });

  it.each([
    ['AUTH_JWKS_URL', 'ftp://id.example/jwks'],
    ['AUTH_JWKS_URL', 'not a url'],
    ['ALLOW_ANONYMOUS', 'maybe'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid environment: ${name}:`));
  });

  it('listens on 127.0.0.1 unless HOST says otherwise', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it.each<[Record<string, string>, boolean]>([
    [{}, true],
    [{ NODE_ENV: 'development' }, true],
    [{ NODE_ENV: 'production' }, false],
    [{ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }, true],
    [{ NODE_ENV: 'development', GRAPHQL_INTROSPECTION: 'false' }, false],
    [{ GRAPHQL_INTROSPECTION: '0' }, false],
  ])('with %j, introspection is %s', (environment, introspection) => {
    expect(loadConfig(environment).introspection).toBe(introspection);
  });

  it('refuses GRAPHQL_INTROSPECTION=sometimes, naming it', () => {
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'sometimes' })).toThrow(/^Invalid environment: GRAPHQL_INTROSPECTION:/);
  });
});

describe('loadConfig: limits', () => {
  it('has the DESIGN.md defaults', () => {
    expect(loadConfig({}).limits).toEqual({
      maxDepth: 10,
      maxAliases: 15,
      maxTokens: 2_000,
      maxDirectives: 50,
      maxCost: 5_000,
      maxBodyBytes: 1_048_576,
      maxSubscriptionsPerSocket: 100,
      mutationsPerMinute: 120,
      maxRunningPerOwner: 20,
      dailyTokenBudget: undefined,
    });
  });

  it('reads every limit variable', () => {
    const limits = loadConfig({
      GRAPHQL_MAX_DEPTH: '6',
      GRAPHQL_MAX_ALIASES: '0',
      GRAPHQL_MAX_TOKENS: '500',
      GRAPHQL_MAX_DIRECTIVES: '5',
      GRAPHQL_MAX_COST: '900',
      MAX_BODY_BYTES: '65536',
      MAX_SUBSCRIPTIONS_PER_SOCKET: '8',
      RATE_LIMIT_PER_MINUTE: '30',
      MAX_RUNNING_PER_OWNER: '3',
      OWNER_DAILY_TOKEN_BUDGET: '250000',
      OWNER_DAILY_COST_USD: '12.5',
    }).limits;
    expect(limits).toEqual({
      maxDepth: 6,
      maxAliases: 0,
      maxTokens: 500,
      maxDirectives: 5,
      maxCost: 900,
      maxBodyBytes: 65_536,
      maxSubscriptionsPerSocket: 8,
      mutationsPerMinute: 30,
      maxRunningPerOwner: 3,
      dailyTokenBudget: 250_000,
      dailyCostUsd: 12.5,
    });
  });

  it.each([
    ['GRAPHQL_MAX_DEPTH', '0'],
    ['GRAPHQL_MAX_DEPTH', 'ten'],
    ['GRAPHQL_MAX_DEPTH', '2.5'],
    ['GRAPHQL_MAX_ALIASES', '-1'],
    ['GRAPHQL_MAX_TOKENS', '5'],
    ['GRAPHQL_MAX_COST', '0'],
    ['MAX_BODY_BYTES', '100'],
    ['MAX_BODY_BYTES', '1 MiB'],
    ['MAX_SUBSCRIPTIONS_PER_SOCKET', '0'],
    ['RATE_LIMIT_PER_MINUTE', '0'],
    ['RATE_LIMIT_PER_MINUTE', '-5'],
    ['MAX_RUNNING_PER_OWNER', 'many'],
    ['OWNER_DAILY_TOKEN_BUDGET', '0'],
    ['OWNER_DAILY_TOKEN_BUDGET', 'lots'],
    ['OWNER_DAILY_COST_USD', '0'],
    ['OWNER_DAILY_COST_USD', 'a lot'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid environment: ${name}:`));
  });
});
