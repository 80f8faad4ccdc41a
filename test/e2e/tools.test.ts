// MCP tools inside discussions, end to end: the service on a real Redis, real MCP servers written
// with the SDK's server side (one a stdio child, one over streamable HTTP), and the real vendor SDKs
// against the fake vendor speaking each vendor's tool-call streaming format.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startFakeVendor, type FakeVendor } from '../fake-vendor/server.js';
import type { FakeVendorName } from '../fake-vendor/types.js';
import { startHttpToolsServer, stdioToolsServerConfig } from '../mcp-servers/test-tools.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createWsClient, mustGraphQL, postGraphQL, subscribeWs } from '../support/clients.js';
import { createDiscussion, START } from '../support/documents.js';
import { STOP } from '../support/distributed.js';

const TOOL_CALL_FIELDS = 'id messageId tool arguments result isError durationMs step reused';
const TRANSCRIPT = `query($id: ID!) { discussion(id: $id) { status usage { inputTokens outputTokens }
  messages(first: 50) { edges { node { id author content finishReason usage { inputTokens outputTokens } toolCalls { ${TOOL_CALL_FIELDS} } } } } } }`;
const EVENTS = `subscription($id: ID!, $after: String) { discussionEvents(discussionId: $id, after: $after) {
  __typename ... on ToolCallEvent { cursor discussionId ${TOOL_CALL_FIELDS} } ... on MessageEvent { cursor message { id } } } }`;

const toolCallSchema = z.strictObject({
  id: z.string(),
  messageId: z.string(),
  tool: z.string(),
  arguments: z.string(),
  result: z.string(),
  isError: z.boolean(),
  durationMs: z.number(),
  step: z.number(),
  reused: z.boolean(),
});
const usageSchema = z.strictObject({ inputTokens: z.number().nullable(), outputTokens: z.number().nullable() });
const transcriptSchema = z.strictObject({
  discussion: z.strictObject({
    status: z.string(),
    usage: usageSchema,
    messages: z.strictObject({
      edges: z.array(
        z.strictObject({
          node: z.strictObject({
            id: z.string(),
            author: z.string(),
            content: z.string(),
            finishReason: z.string().nullable(),
            usage: usageSchema.nullable(),
            toolCalls: z.array(toolCallSchema),
          }),
        }),
      ),
    }),
  }),
});
const eventSchema = z.union([
  z.strictObject({ __typename: z.literal('ToolCallEvent'), cursor: z.string(), discussionId: z.string(), ...toolCallSchema.shape }),
  z.strictObject({ __typename: z.literal('MessageEvent'), cursor: z.string(), message: z.strictObject({ id: z.string() }) }),
  z.strictObject({ __typename: z.enum(['StatusEvent', 'TokenEvent', 'SpeakerSelectedEvent', 'TurnRestartedEvent']) }),
]);

async function readTranscript(url: string, id: string) {
  const data = await mustGraphQL(url, TRANSCRIPT, { id }, { schema: transcriptSchema });
  return { ...data.discussion, messages: data.discussion.messages.edges.map((edge) => edge.node) };
}

/** Writes an MCP_SERVERS file into `directory`. */
async function writeServersFile(directory: string, servers: Record<string, unknown>): Promise<string> {
  const file = join(directory, `servers-${Object.keys(servers).join('-')}.json`);
  await writeFile(file, JSON.stringify(servers));
  return file;
}

function stdioEntry() {
  const config = stdioToolsServerConfig();
  if (config.transport !== 'stdio') throw new Error('the test tools server is a stdio one');
  return { command: config.command, args: config.args, env: config.env };
}

describe('MCP tools in discussions', () => {
  let fake: FakeVendor;
  let http: Awaited<ReturnType<typeof startHttpToolsServer>>;
  let server: TestApp;
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'mcp-servers-'));
    fake = await startFakeVendor();
    http = await startHttpToolsServer();
    const file = await writeServersFile(directory, { tools: stdioEntry(), web: { url: http.url } });
    server = await startTestApp({ redis: true, env: { ...fake.environment(), MCP_SERVERS: file, PROVIDER_MAX_RETRIES: '1' } });
  });
  afterAll(async () => {
    await server.close();
    await http.close();
    await fake.close();
    await rm(directory, { recursive: true, force: true });
  });
  beforeEach(() => fake.reset());

  /** Creates and starts a one-turn discussion of Ada, and waits for it to end. */
  async function runOneTurn(agent: Record<string, unknown>, topic = 'Checking the tools') {
    const id = await createDiscussion(server.url, { topic, agents: [{ name: 'Ada', ...agent }], maxRounds: 1 });
    const ws = createWsClient(server.url);
    const events = await subscribeWs(ws, EVENTS, { id, after: '0-0' }, 'discussionEvents', eventSchema);
    await mustGraphQL(server.url, START, { id });
    const all = await events.collector.waitForCompletion({ timeoutMs: 60_000 });
    await ws.dispose();
    return { id, events: all, transcript: await readTranscript(server.url, id) };
  }

  it('lists the servers with their tools, each up', async () => {
    const schema = z.strictObject({
      mcpServers: z.array(
        z.strictObject({
          name: z.string(),
          transport: z.string(),
          up: z.boolean(),
          error: z.string().nullable(),
          tools: z.array(z.strictObject({ name: z.string(), spec: z.string(), idempotent: z.boolean(), readOnly: z.boolean() })),
        }),
      ),
    });
    const data = await mustGraphQL(
      server.url,
      '{ mcpServers { name transport up error tools { name spec idempotent readOnly } } }',
      undefined,
      {
        schema,
      },
    );
    expect(data.mcpServers.map(({ name, transport, up, error }) => ({ name, transport, up, error }))).toEqual([
      { name: 'tools', transport: 'stdio', up: true, error: null },
      { name: 'web', transport: 'http', up: true, error: null },
    ]);
    for (const listed of data.mcpServers) {
      expect(listed.tools.map((tool) => tool.name).sort()).toEqual(['add', 'big', 'counter', 'echo', 'fail', 'slow']);
      expect(listed.tools.find((tool) => tool.name === 'echo')).toEqual({
        name: 'echo',
        spec: `${listed.name}/echo`,
        idempotent: true,
        readOnly: true,
      });
      expect(listed.tools.find((tool) => tool.name === 'counter')?.idempotent).toBe(false);
    }
  });

  it('refuses an agent whose tools name an unknown server or tool, naming the field', async () => {
    const create = (tools: string[]) =>
      postGraphQL(server.url, 'mutation($input: CreateDiscussionInput!) { createDiscussion(input: $input) { id } }', {
        input: { topic: 'x', agents: [{ name: 'Ada', provider: 'MOCK', tools }] },
      });
    const unknownServer = await create(['tools', 'nowhere']);
    expect(unknownServer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(unknownServer.errors?.[0]?.message).toMatch(/input\.agents\[0\]\.tools\[1\].*nowhere/);
    const unknownTool = await create(['web/nope']);
    expect(unknownTool.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(unknownTool.errors?.[0]?.message).toMatch(/input\.agents\[0\]\.tools\[0\].*has no tool "nope"/);
  });

  const VENDORS: { provider: string; vendor: FakeVendorName }[] = [
    { provider: 'ANTHROPIC', vendor: 'anthropic' },
    { provider: 'OPENAI', vendor: 'openai' },
    { provider: 'GEMINI', vendor: 'gemini' },
  ];

  it.each(VENDORS)('$provider: runs two calls of one reply and answers with the results in the same turn', async ({ provider, vendor }) => {
    fake.script(
      vendor,
      {
        chunks: ['Let me look.'],
        toolCalls: [
          { id: 'call_echo', name: 'tools__echo', arguments: { text: 'hello' }, argumentChunks: ['{"text":', ' "hel', 'lo"}'] },
          { id: 'call_add', name: 'web__add', arguments: { a: 2, b: 3 } },
        ],
        usage: { inputTokens: 30, outputTokens: 12 },
      },
      { chunks: ['Echo said hello', ' and 2 + 3 = 5.'], usage: { inputTokens: 50, outputTokens: 9 } },
    );

    const { id, events, transcript } = await runOneTurn({ provider, tools: ['tools/echo', 'web'] });

    expect(transcript.status).toBe('COMPLETED');
    const [message] = transcript.messages;
    expect(message?.content).toBe('Let me look.\n\nEcho said hello and 2 + 3 = 5.');
    expect(message?.usage).toEqual({ inputTokens: 80, outputTokens: 21 });
    expect(transcript.usage).toEqual({ inputTokens: 80, outputTokens: 21 });
    const calls = message?.toolCalls ?? [];
    expect(
      calls.map(({ id: callId, tool, result, isError, step, messageId, reused }) => ({
        callId,
        tool,
        result,
        isError,
        step,
        messageId,
        reused,
      })),
    ).toEqual([
      { callId: 'call_echo', tool: 'tools/echo', result: 'echo: hello', isError: false, step: 1, messageId: message?.id, reused: false },
      { callId: 'call_add', tool: 'web/add', result: '5', isError: false, step: 1, messageId: message?.id, reused: false },
    ]);
    expect(calls.map((call) => JSON.parse(call.arguments) as unknown)).toEqual([{ text: 'hello' }, { a: 2, b: 3 }]);
    expect(http.calls.filter((call) => call.name === 'add').at(-1)?.arguments).toEqual({ a: 2, b: 3 });

    // The model got both results back, under the ids it gave, in the follow-up request.
    const requests = fake.requestsFor(vendor).filter((request) => request.method === 'POST');
    expect(requests).toHaveLength(2);
    const followUp = JSON.stringify(requests[1]?.body);
    for (const expected of ['echo: hello', 'call_echo', 'call_add', 'tools__echo', 'web__add']) expect(followUp).toContain(expected);
    expect(JSON.stringify(requests[0]?.body)).toContain('web__counter');

    // Each call is a persisted event, replayed before the message that lists it.
    const typed = events.flatMap((event) => (event.__typename === 'ToolCallEvent' || event.__typename === 'MessageEvent' ? [event] : []));
    expect(typed.map((event) => event.__typename)).toEqual(['ToolCallEvent', 'ToolCallEvent', 'MessageEvent']);
    const [first] = typed;
    expect(
      first?.__typename === 'ToolCallEvent' && { discussionId: first.discussionId, messageId: first.messageId, result: first.result },
    ).toEqual({
      discussionId: id,
      messageId: message?.id,
      result: 'echo: hello',
    });
    // Replayed from the first call's cursor, what follows is the second call and the message.
    if (first?.__typename !== 'ToolCallEvent') throw new Error('expected a tool call first');
    const ws = createWsClient(server.url);
    const replay = await subscribeWs(ws, EVENTS, { id, after: first.cursor }, 'discussionEvents', eventSchema);
    const replayed = await replay.collector.waitForCompletion({ timeoutMs: 20_000 });
    await ws.dispose();
    expect(replayed.filter((event) => event.__typename !== 'StatusEvent').map((event) => event.__typename)).toEqual([
      'ToolCallEvent',
      'MessageEvent',
    ]);
  });

  it('gives the model the error of a failing tool, and the turn goes on', async () => {
    fake.script(
      'openai',
      { chunks: [], toolCalls: [{ id: 'call_fail', name: 'tools__fail', arguments: {} }] },
      { chunks: ['The tool failed, so I will answer without it.'] },
    );

    const { transcript } = await runOneTurn({ provider: 'OPENAI', tools: ['tools/fail'] });

    expect(transcript.status).toBe('COMPLETED');
    const [message] = transcript.messages;
    expect(message?.content).toBe('The tool failed, so I will answer without it.');
    expect(message?.toolCalls.map(({ tool, isError }) => ({ tool, isError }))).toEqual([{ tool: 'tools/fail', isError: true }]);
    expect(message?.toolCalls[0]?.result).toContain('the tool failed on purpose');
    const followUp = JSON.stringify(fake.requestsFor('openai').filter((request) => request.method === 'POST')[1]?.body);
    expect(followUp).toContain('the tool failed on purpose');
  });

  it('lets the MOCK provider call a tool its prompt asks for, offline', async () => {
    const { transcript } = await runOneTurn({ provider: 'MOCK', tools: ['tools'] }, 'What is 2 + 3? Ask tools/add {"a": 2, "b": 3}');

    const [message] = transcript.messages;
    expect(message?.toolCalls.map(({ tool, arguments: args, result, isError }) => ({ tool, args, result, isError }))).toEqual([
      { tool: 'tools/add', args: '{"a": 2, "b": 3}', result: '5', isError: false },
    ]);
    expect(message?.content).toMatch(/^I asked tools\/add and it answered "5"\. /);
  });

  it('cuts a result past MAX_TOOL_RESULT_CHARS once, saying how much the model saw', async () => {
    const { transcript } = await runOneTurn({ provider: 'MOCK', tools: ['tools/big'] }, 'Ask tools/big {"chars": 20000}');

    const [call] = transcript.messages[0]?.toolCalls ?? [];
    expect(call?.isError).toBe(false);
    expect(call?.result.startsWith('x'.repeat(16_000))).toBe(true);
    expect(call?.result.slice(16_000)).toBe('\n[result cut: 16000 of 20000 characters shown]');
  });

  it('cancels a tool call in progress when the discussion is stopped', async () => {
    fake.script('anthropic', { chunks: ['Let me wait.'], toolCalls: [{ id: 'toolu_slow', name: 'web__slow', arguments: {} }] });
    const id = await createDiscussion(server.url, {
      topic: 'Waiting',
      agents: [{ name: 'Ada', provider: 'ANTHROPIC', tools: ['web/slow'] }],
    });
    const slowCalls = () => http.calls.filter((call) => call.name === 'slow').length;
    const before = slowCalls();
    await mustGraphQL(server.url, START, { id });
    await expect.poll(slowCalls, { timeout: 30_000 }).toBe(before + 1);

    await mustGraphQL(server.url, STOP, { id });

    await expect.poll(() => http.cancelled.filter((name) => name === 'slow').length, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await readTranscript(server.url, id)).status, { timeout: 30_000 }).toBe('STOPPED');
    const [message] = (await readTranscript(server.url, id)).messages;
    expect(message).toMatchObject({ content: 'Let me wait.', finishReason: 'cancelled' });
    expect(message?.toolCalls.map(({ tool, isError }) => ({ tool, isError }))).toEqual([{ tool: 'web/slow', isError: true }]);
  });

  it('accepts a whole server that is down, refuses one of its tools, and runs the turn without them', async () => {
    const file = await writeServersFile(directory, { down: { url: 'http://127.0.0.1:1/mcp' } });
    const alone = await startTestApp({ env: { MCP_SERVERS: file } });
    try {
      const schema = z.strictObject({
        mcpServers: z.array(z.strictObject({ name: z.string(), up: z.boolean(), error: z.string().nullable() })),
      });
      const { mcpServers } = await mustGraphQL(alone.url, '{ mcpServers { name up error } }', undefined, { schema });
      expect(mcpServers.map(({ name, up }) => ({ name, up }))).toEqual([{ name: 'down', up: false }]);
      expect(mcpServers[0]?.error).toMatch(/ECONNREFUSED|fetch failed|refused/i);

      const refused = await postGraphQL(alone.url, 'mutation($input: CreateDiscussionInput!) { createDiscussion(input: $input) { id } }', {
        input: { topic: 'x', agents: [{ name: 'Ada', provider: 'MOCK', tools: ['down/anything'] }] },
      });
      expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.message).toMatch(/input\.agents\[0\]\.tools\[0\].*not reachable/);

      const id = await createDiscussion(alone.url, {
        topic: 'Ask down/anything {}',
        agents: [{ name: 'Ada', provider: 'MOCK', tools: ['down'] }],
        maxRounds: 1,
      });
      await mustGraphQL(alone.url, START, { id });
      await expect.poll(async () => (await readTranscript(alone.url, id)).status, { timeout: 30_000 }).toBe('COMPLETED');
      const [message] = (await readTranscript(alone.url, id)).messages;
      expect(message?.toolCalls).toEqual([]);
      expect(message?.content).not.toBe('');
    } finally {
      await alone.close();
    }
  });

  it('turns a tool that does not answer within TOOL_TIMEOUT_MS into an error result the model sees', async () => {
    const file = await writeServersFile(directory, { web: { url: http.url } });
    const quick = await startTestApp({ env: { MCP_SERVERS: file, TOOL_TIMEOUT_MS: '300' } });
    try {
      const id = await createDiscussion(quick.url, {
        topic: 'Try web/slow {}',
        agents: [{ name: 'Ada', provider: 'MOCK', tools: ['web/slow'] }],
        maxRounds: 1,
      });
      await mustGraphQL(quick.url, START, { id });
      await expect.poll(async () => (await readTranscript(quick.url, id)).status, { timeout: 30_000 }).toBe('COMPLETED');
      const [message] = (await readTranscript(quick.url, id)).messages;
      expect(message?.toolCalls.map(({ tool, isError }) => ({ tool, isError }))).toEqual([{ tool: 'web/slow', isError: true }]);
      expect(message?.toolCalls[0]?.result).toContain('TOOL_TIMEOUT_MS');
      expect(message?.content).toMatch(/^I tried web\/slow, but it failed/);
    } finally {
      await quick.close();
    }
  });
});
