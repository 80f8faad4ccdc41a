import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

describe('GraphiQL and health', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(() => server.close());

  it('serves GraphiQL from the package, with no CDN, opening on a runnable example', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<div id="root"></div>');
    expect(html).not.toMatch(/<script[^>]+src="https?:|<link[^>]+href="https?:/);
    expect(html).toContain('createDiscussion(input:');
    // Anonymous, so nothing needs a header: subscriptions run over graphql-ws.
    expect(html).toContain('"subscriptionsProtocol":"WS"');
  });

  it('answers /health', async () => {
    const response = await fetch(new URL('/health', server.url));
    expect(response.status).toBe(200);
  });
});

describe('GraphiQL with authentication on', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ env: { AUTH_TOKENS: 'tok-graphiql-0123456789:ops' } });
  });
  afterAll(() => server.close());

  it('serves its page without a token and subscribes over SSE, which carries the Headers tab', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('"subscriptionsProtocol":"SSE"');
    // The API behind the page still wants the credential.
    const refused = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ providers { name } }"}',
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
  });
});
