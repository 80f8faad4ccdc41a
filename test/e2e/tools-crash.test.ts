// A worker SIGKILLed in the middle of a turn that has already called a tool: the turn starts over on
// another worker, and the completed call is not run a second time (its recorded result is reused).
// API and workers are separate processes on one Redis; the MCP server (streamable HTTP) and the
// fake vendor live in the test, so they outlive the killed worker and count what they receive.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startHttpToolsServer } from '../mcp-servers/test-tools.js';
import { mustGraphQL } from '../support/clients.js';
import { createDiscussion, START } from '../support/documents.js';
import { isTurnStarted, useFakeVendor, useProcesses } from '../support/distributed.js';

const TRANSCRIPT = `query($id: ID!) { discussion(id: $id) { status
  messages(first: 10) { edges { node { id content toolCalls { id messageId tool result reused } } } } } }`;
const transcriptSchema = z.strictObject({
  discussion: z.strictObject({
    status: z.string(),
    messages: z.strictObject({
      edges: z.array(
        z.strictObject({
          node: z.strictObject({
            id: z.string(),
            content: z.string(),
            toolCalls: z.array(
              z.strictObject({ id: z.string(), messageId: z.string(), tool: z.string(), result: z.string(), reused: z.boolean() }),
            ),
          }),
        }),
      ),
    }),
  }),
});

describe('a worker killed after a tool call, mid-turn', () => {
  const context = useProcesses();
  const vendor = useFakeVendor();
  let http: Awaited<ReturnType<typeof startHttpToolsServer>>;
  let directory: string;
  let serversFile: string;

  beforeAll(async () => {
    http = await startHttpToolsServer();
    directory = await mkdtemp(join(tmpdir(), 'mcp-crash-'));
    serversFile = join(directory, 'servers.json');
    await writeFile(serversFile, JSON.stringify({ web: { url: http.url } }));
  });
  afterAll(async () => {
    await http.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('restarts the turn on another worker without calling the completed tool again', async () => {
    const { group, redisUrl } = context;
    const { fake } = vendor;
    const asksForCounter = { chunks: ['Counting.'], toolCalls: [{ id: 'call_count', name: 'web__counter', arguments: {} }] };
    const held = fake.gate();
    // The first attempt calls counter, then its follow-up is held at the gate until its worker dies;
    // the attempt that takes over asks for the same call, then answers.
    fake.script('openai-compatible', asksForCounter, { chunks: ['The count'], gate: held }, asksForCounter, {
      chunks: ['The count is 1.'],
    });
    const env = { REDIS_URL: redisUrl, ...fake.environment(), MCP_SERVERS: serversFile, TURN_LOCK_MS: '2000' };
    const api = group.spawnService('api', { ...env, ROLE: 'api', LOG_LEVEL: 'info' });
    const workers = [1, 2].map((number) => group.spawnService(`worker-${number}`, { ...env, ROLE: 'worker', LOG_LEVEL: 'debug' }));
    const [url] = await Promise.all([api.url, ...workers.map((worker) => worker.url)]);
    const countsBefore = http.calls.filter((call) => call.name === 'counter').length;

    const id = await createDiscussion(url, {
      topic: 'Counting once',
      agents: [{ name: 'Ada', provider: 'OPENAI_COMPATIBLE', tools: ['web/counter'] }],
      maxRounds: 1,
    });
    await mustGraphQL(url, START, { id });
    const started = await group.waitForLine(isTurnStarted(id), { what: 'the first turn' });
    await held.reached();
    expect(http.calls.filter((call) => call.name === 'counter')).toHaveLength(countsBefore + 1);
    const victim = workers.find((worker) => worker.pid === started.pid);
    if (!victim) throw new Error('no worker logged the turn');
    await victim.kill('SIGKILL');

    await expect
      .poll(async () => (await mustGraphQL(url, TRANSCRIPT, { id }, { schema: transcriptSchema })).discussion.status, { timeout: 60_000 })
      .toBe('COMPLETED');
    const { discussion } = await mustGraphQL(url, TRANSCRIPT, { id }, { schema: transcriptSchema });
    const [message] = discussion.messages.edges.map((edge) => edge.node);
    expect(message?.content).toBe('Counting.\n\nThe count is 1.');
    expect(message?.toolCalls).toEqual([
      { id: 'call_count', messageId: message?.id, tool: 'web/counter', result: String(countsBefore + 1), reused: true },
    ]);
    // The tool ran once, by the attempt that died.
    expect(http.calls.filter((call) => call.name === 'counter')).toHaveLength(countsBefore + 1);
  });
});
