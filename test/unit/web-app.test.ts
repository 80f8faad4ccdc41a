import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthServer } from '../../src/http/server.js';
import { createWebApp } from '../../src/http/web-app.js';

const INDEX = '<!doctype html><title>app</title><script type="module" src="/assets/app-1.js"></script>';
const SCRIPT = 'console.log("the web view");'.repeat(40);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(server: Server, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  const { port } = address;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function serve(root: string): Promise<Server> {
  const web = createWebApp(root);
  const server = createServer((req, res) => {
    if (!web.handle(req, res)) res.writeHead(404).end('api');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('serving the built web view', () => {
  let dir = '';
  let built: Server | undefined;
  let unbuilt: Server | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'web-app-'));
    const dist = join(dir, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), INDEX);
    writeFileSync(join(dist, 'assets', 'app-1.js'), SCRIPT);
    writeFileSync(join(dist, 'assets', 'app-1.js.gz'), gzipSync(SCRIPT));
    writeFileSync(join(dist, 'assets', 'app-1.js.br'), brotliCompressSync(SCRIPT));
    built = await serve(dist);
    unbuilt = await serve(join(dir, 'missing'));
  });
  afterAll(async () => {
    await Promise.all([built, unbuilt].map((server) => new Promise((resolve) => server?.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });
  const server = () => {
    if (!built || !unbuilt) throw new Error('not started');
    return { built, unbuilt };
  };

  it('answers the app routes with index.html, not cached, with a CSP', async () => {
    for (const path of ['/', '/new', '/discussions/abc-123', '/discussions/abc-123/']) {
      const answer = await get(server().built, path);
      expect(answer.status, path).toBe(200);
      expect(answer.body.toString()).toBe(INDEX);
      expect(answer.headers['cache-control']).toBe('no-cache');
      expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
    }
  });

  it('sends the brotli copy, else the gzip one, else the file; hashed assets are immutable', async () => {
    const br = await get(server().built, '/assets/app-1.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(SCRIPT);
    expect(br.headers['cache-control']).toContain('immutable');
    expect(br.headers.vary).toBe('accept-encoding');
    const gzip = await get(server().built, '/assets/app-1.js', { 'accept-encoding': 'gzip, br;q=0' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString()).toBe(SCRIPT);
    const plain = await get(server().built, '/assets/app-1.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(SCRIPT);
    const head = await get(server().built, '/assets/app-1.js', {}, 'HEAD');
    expect([head.status, head.body.length, Number(head.headers['content-length'])]).toEqual([200, 0, SCRIPT.length]);
  });

  it('leaves everything else to the API: other paths, other methods', async () => {
    expect((await get(server().built, '/graphql')).body.toString()).toBe('api');
    expect((await get(server().built, '/assets/nope.js')).body.toString()).toBe('api');
    expect((await get(server().built, '/', {}, 'POST')).body.toString()).toBe('api');
    // A request target that does not parse as a URL is not ours either, and does not throw.
    expect((await get(server().built, '//[')).body.toString()).toBe('api');
  });

  it('says how to build it when web/dist is missing', async () => {
    const answer = await get(server().unbuilt, '/discussions/abc');
    expect(answer.status).toBe(503);
    expect(answer.body.toString()).toContain('npm run build:web');
    expect((await get(server().unbuilt, '/graphql')).body.toString()).toBe('api');
  });
});

describe("a worker's health server", () => {
  it('answers /health and /ready, and 404 to a request target that does not parse', async () => {
    const { server } = createHealthServer({ isReady: () => Promise.resolve(true) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      expect((await get(server, '/health')).status).toBe(200);
      expect((await get(server, '/ready')).body.toString()).toBe('ready');
      expect((await get(server, '//[')).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
