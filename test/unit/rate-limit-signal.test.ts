import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { fetchWatchingRateLimits, readRetryAfterMs } from '../../src/providers/rate-limit-signal.js';

describe('readRetryAfterMs', () => {
  const now = Date.parse('2026-12-07T10:00:00.000Z');
  const read = (headers: Record<string, string>) => readRetryAfterMs(new Headers(headers), now);

  it('prefers retry-after-ms, then reads retry-after as seconds or as an HTTP date', () => {
    expect(read({ 'retry-after-ms': '1500', 'retry-after': '9' })).toBe(1500);
    expect(read({ 'retry-after': '2' })).toBe(2000);
    expect(read({ 'retry-after': '0.25' })).toBe(250);
    expect(read({ 'retry-after': 'Mon, 07 Dec 2026 10:00:30 GMT' })).toBe(30_000);
  });

  it('gives nothing for a missing, zero, past or unreadable wait', () => {
    expect(read({})).toBeUndefined();
    expect(read({ 'retry-after': '0' })).toBeUndefined();
    expect(read({ 'retry-after': 'Mon, 07 Dec 2026 09:59:00 GMT' })).toBeUndefined();
    expect(read({ 'retry-after': 'soon', 'retry-after-ms': 'later' })).toBeUndefined();
  });
});

describe('fetchWatchingRateLimits', () => {
  it('tells the listener the wait of a 429 and hands the response on unchanged', async () => {
    const server = createServer((request, response) => {
      if (request.url === '/limited') response.writeHead(429, { 'retry-after': '3' }).end('slow down');
      else response.writeHead(200).end('fine');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening on a port');
    const { port } = address;
    try {
      const heard: number[] = [];
      const watched = fetchWatchingRateLimits((wait) => heard.push(wait));
      if (!watched) throw new Error('no fetch');
      const limited = await watched(`http://127.0.0.1:${port}/limited`);
      expect([limited.status, await limited.text()]).toEqual([429, 'slow down']);
      const fine = await watched(`http://127.0.0.1:${port}/fine`);
      expect(fine.status).toBe(200);
      await fine.text();
      expect(heard).toEqual([3000]);
      expect(fetchWatchingRateLimits(undefined)).toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
