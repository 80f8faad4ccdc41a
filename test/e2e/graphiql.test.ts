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
  });

  it('answers /health', async () => {
    const response = await fetch(new URL('/health', server.url));
    expect(response.status).toBe(200);
  });
});
