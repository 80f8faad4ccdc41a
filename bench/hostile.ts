/**
 * `npm run bench:hostile`: the server's memory under hostile input. Starts the
 * service as its own process (memory mode, a token configured), reads its RSS
 * from /proc, sends ROUNDS rounds of attacks (oversized bodies, a 20 MB
 * variable, 10 MB WebSocket frames, 1,000 subscriptions on one socket, alias,
 * depth and token bombs, unauthenticated requests), checks after each round
 * that it still answers a normal query, and prints its RSS before, after and
 * at the peak. Only loopback traffic; it stops by itself.
 *
 * Environment: BENCH_HOSTILE_ROUNDS (5), BENCH_PORT (4510).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { z } from 'zod';

const rounds = Number(process.env.BENCH_HOSTILE_ROUNDS ?? 5);
const port = Number(process.env.BENCH_PORT ?? 4510);
const token = 'tok-bench-hostile-0123456789';
const url = `http://127.0.0.1:${port}/graphql`;
const json = { 'content-type': 'application/json', authorization: `Bearer ${token}` };

const server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
  env: { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'warn', AUTH_TOKENS: `${token}:bench`, MOCK_TOKEN_DELAY_MS: '0' },
  stdio: ['ignore', 'ignore', 'inherit'],
});

function rssMiB(): number {
  const status = readFileSync(`/proc/${server.pid ?? 0}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return Math.round(kib / 1024);
}

async function answers(): Promise<boolean> {
  try {
    const response = await fetch(url, { method: 'POST', headers: json, body: '{"query":"{ providers { name } }"}' });
    if (!response.ok) return false;
    const body: unknown = await response.json();
    return typeof body === 'object' && body !== null && 'data' in body && body.data !== undefined;
  } catch {
    return false;
  }
}

async function waitUntilUp(): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (await answers()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server did not come up');
}

const post = (body: string, headers: Record<string, string> = json) =>
  fetch(url, { method: 'POST', headers, body }).then((response) => response.arrayBuffer());

function socket(): Promise<WebSocket> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      ws.once('message', () => resolve(ws));
    });
  });
}

async function bigFrame(): Promise<void> {
  const ws = await socket();
  const closed = new Promise((resolve) => ws.once('close', resolve));
  ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ providers { name } } # ${'x'.repeat(10_000_000)}` } }));
  await closed;
}

const createdSchema = z.object({ data: z.object({ createDiscussion: z.object({ id: z.string() }) }) });
const socketMessageSchema = z.object({ type: z.string() });

async function thousandSubscriptions(): Promise<void> {
  const created = createdSchema.parse(
    await (
      await fetch(url, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          query: 'mutation { createDiscussion(input: { topic: "bench", agents: [{ name: "A", provider: MOCK }] }) { id } }',
        }),
      })
    ).json(),
  );
  const ws = await socket();
  let errors = 0;
  const refused = new Promise<void>((resolve) =>
    ws.on('message', (data: Buffer) => {
      if (socketMessageSchema.safeParse(JSON.parse(data.toString())).data?.type === 'error' && ++errors === 900) resolve();
    }),
  );
  for (let index = 0; index < 1_000; index += 1) {
    ws.send(
      JSON.stringify({
        id: String(index),
        type: 'subscribe',
        payload: {
          query: 'subscription($id: ID!) { messageAdded(discussionId: $id) { id } }',
          variables: { id: created.data.createDiscussion.id },
        },
      }),
    );
  }
  await refused;
  ws.close();
}

async function attackRound(): Promise<void> {
  await Promise.all([
    post(JSON.stringify({ query: `{ providers { name } } # ${'x'.repeat(1_100_000)}` })),
    post(JSON.stringify({ query: '{ providers { name } }', variables: { blob: 'x'.repeat(20_000_000) } })),
    post(JSON.stringify({ query: `{ ${Array.from({ length: 500 }, (_, index) => `a${index}: providers { name }`).join(' ')} }` })),
    post(JSON.stringify({ query: `{ ${'... on Query { '.repeat(200)}providers { name }${' }'.repeat(200)} }` })),
    post(JSON.stringify({ query: `{ providers { ${'name '.repeat(50_000)}} }` })),
    ...Array.from({ length: 200 }, () =>
      post('{"query":"{ providers { name } }"}', { 'content-type': 'application/json', authorization: 'Bearer wrong-token-0123456789' }),
    ),
    bigFrame(),
    thousandSubscriptions(),
  ]);
}

async function main(): Promise<void> {
  await waitUntilUp();
  const before = rssMiB();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB())), 50);
  for (let round = 1; round <= rounds; round += 1) {
    await attackRound();
    if (!(await answers())) throw new Error(`the server stopped answering after round ${round}`);
  }
  clearInterval(sampler);
  // Let the collector run before the last reading, as a long-lived server would.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const after = rssMiB();
  console.log(JSON.stringify({ rounds, rssBeforeMiB: before, rssPeakMiB: peak, rssAfterMiB: after, stillAnswers: await answers() }));
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => server.kill('SIGTERM'));
