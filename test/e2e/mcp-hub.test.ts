// The tool hub against real MCP SDK servers: a stdio child (test/mcp-servers/stdio-tools.ts) and a streamable HTTP server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToolHub } from '../../src/tools/mcp-hub.js';
import { UnknownToolError, type McpServerConfig, type ToolHub, type ToolLimits } from '../../src/tools/types.js';
import { watchLogs } from '../mcp-servers/log-watch.js';
import { startHttpToolsServer, stdioToolsServerConfig, type HttpToolsServer } from '../mcp-servers/test-tools.js';

const LIMITS: ToolLimits = { timeoutMs: 20_000, maxResultChars: 1_000, connectTimeoutMs: 20_000 };
const TOOL_NAMES = ['echo', 'add', 'slow', 'fail', 'big', 'counter'];
const noSignal = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });

let http: HttpToolsServer;
beforeAll(async () => {
  http = await startHttpToolsServer();
});
afterAll(async () => {
  await http.close();
});

describe.each([
  { transport: 'stdio', config: (): McpServerConfig => stdioToolsServerConfig() },
  { transport: 'http', config: (): McpServerConfig => ({ transport: 'http', url: http.url, headers: {} }) },
])('the tool hub over $transport', ({ transport, config }) => {
  const logs = watchLogs();
  let hub: ToolHub;
  beforeAll(() => {
    hub = createToolHub({ tools: config() }, LIMITS, logs.logger);
  });
  afterAll(() => hub.close());

  it('lists the server up with its tools, their schemas without $schema and their hints', async () => {
    expect(hub.serverNames()).toEqual(['tools']);
    expect(hub.config('tools')?.transport).toBe(transport);
    const [status] = await hub.status();
    expect(status).toMatchObject({ name: 'tools', transport, up: true });
    expect(status?.error).toBeUndefined();
    expect(status?.tools.map(({ name }) => name)).toEqual(TOOL_NAMES);
    const echo = status?.tools.find(({ name }) => name === 'echo');
    expect(echo).toMatchObject({ description: 'Says the text back', idempotent: true, readOnly: true });
    expect(echo?.inputSchema).toMatchObject({ type: 'object', properties: { text: { type: 'string' } }, required: ['text'] });
    expect(echo?.inputSchema).not.toHaveProperty('$schema');
    expect(status?.tools.find(({ name }) => name === 'add')).toMatchObject({ idempotent: true, readOnly: false });
    expect(status?.tools.find(({ name }) => name === 'counter')).toMatchObject({ idempotent: false, readOnly: false });
  });

  it('resolves a server to all its tools and server/tool to one, dropping duplicates', async () => {
    const all = await hub.resolve(['tools', 'tools/echo']);
    expect(all.map(({ server, tool }) => `${server}/${tool.name}`)).toEqual(TOOL_NAMES.map((name) => `tools/${name}`));
    const one = await hub.resolve(['tools/add', 'tools/add']);
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ server: 'tools', tool: { name: 'add' } });
    expect(await hub.resolve([])).toEqual([]);
  });

  it('refuses an unknown server, an unknown tool (naming the ones there are) and a malformed spec', async () => {
    const unknownServer = await hub.resolve(['tools/echo', 'nope']).catch((error: unknown) => error);
    expect(unknownServer).toBeInstanceOf(UnknownToolError);
    expect(unknownServer).toMatchObject({ spec: 'nope', message: 'no MCP server named "nope" is configured (MCP_SERVERS)' });
    await expect(hub.resolve(['tools/nope'])).rejects.toMatchObject({
      spec: 'tools/nope',
      message: `MCP server "tools" has no tool "nope"; it has: ${TOOL_NAMES.join(', ')}`,
    });
    await expect(hub.resolve(['tools/'])).rejects.toMatchObject({
      spec: 'tools/',
      message: '"tools/" is not a tool spec: write "server" for all its tools or "server/tool" for one',
    });
  });

  it('calls a tool and gives its text, measured and uncut', async () => {
    const echo = await hub.call('tools', 'echo', { text: 'hello there' }, noSignal());
    expect(echo).toMatchObject({ content: 'echo: hello there', isError: false, truncated: false });
    expect(echo.durationMs).toBeGreaterThanOrEqual(0);
    expect(await hub.call('tools', 'add', { a: 2, b: 3 }, noSignal())).toMatchObject({ content: '5', isError: false });
    const first = await hub.call('tools', 'counter', {}, noSignal());
    const second = await hub.call('tools', 'counter', {}, noSignal());
    expect(Number(second.content)).toBe(Number(first.content) + 1);
  });

  it('turns a failing tool, an unknown tool and an unknown server into error results', async () => {
    expect(await hub.call('tools', 'fail', {}, noSignal())).toMatchObject({ content: 'the tool failed on purpose', isError: true });
    const unknownTool = await hub.call('tools', 'nope', {}, noSignal());
    expect(unknownTool.isError).toBe(true);
    expect(unknownTool.content).toContain('nope');
    expect(await hub.call('elsewhere', 'echo', {}, noSignal())).toMatchObject({
      content: 'no MCP server named "elsewhere" is configured (MCP_SERVERS)',
      isError: true,
    });
  });

  it('cuts a long result and says how much was kept', async () => {
    const big = await hub.call('tools', 'big', { chars: 1_500 }, noSignal());
    expect(big).toMatchObject({ isError: false, truncated: true });
    expect(big.content).toBe(`${'x'.repeat(1_000)}\n[result cut: 1000 of 1500 characters shown]`);
  });

  it('cancels a running call when the signal aborts, and the server sees the cancellation', async () => {
    const controller = new AbortController();
    const slowCalls = http.calls.filter(({ name }) => name === 'slow').length;
    const slowCancels = http.cancelled.filter((name) => name === 'slow').length;
    const running =
      transport === 'http' ? http.waitForCall('slow', slowCalls + 1) : logs.waitFor((entry) => entry.stderr === 'test-tools: call slow');
    const cancelledOnServer =
      transport === 'http'
        ? http.waitForCancelled('slow', slowCancels + 1)
        : logs.waitFor((entry) => entry.stderr === 'test-tools: cancelled slow');
    const outcome = hub.call('tools', 'slow', {}, { signal: controller.signal });
    await running;
    controller.abort();
    expect(await outcome).toMatchObject({ content: 'the call was cancelled', isError: true, truncated: false });
    await cancelledOnServer;
    // The connection outlives the cancelled call.
    expect(await hub.call('tools', 'echo', { text: 'still here' }, noSignal())).toMatchObject({ content: 'echo: still here' });
  });

  it('gives up on a tool after TOOL_TIMEOUT_MS with an error result, cancelling it on the server', async () => {
    const quickLogs = watchLogs();
    const quick = createToolHub({ tools: config() }, { ...LIMITS, timeoutMs: 300 }, quickLogs.logger);
    try {
      const slowCancels = http.cancelled.filter((name) => name === 'slow').length;
      const cancelledOnServer =
        transport === 'http'
          ? http.waitForCancelled('slow', slowCancels + 1)
          : quickLogs.waitFor((entry) => entry.stderr === 'test-tools: cancelled slow');
      const outcome = await quick.call('tools', 'slow', {}, noSignal());
      expect(outcome).toMatchObject({ content: 'the tool did not answer within 300 ms (TOOL_TIMEOUT_MS)', isError: true });
      await cancelledOnServer;
    } finally {
      await quick.close();
    }
  });

  it('fails cleanly after close, and close can be called again', async () => {
    const closing = createToolHub({ tools: config() }, LIMITS, watchLogs().logger);
    expect((await closing.status())[0]?.up).toBe(true);
    await closing.close();
    await closing.close();
    const closed = 'the MCP servers are closed (the service is shutting down)';
    expect(await closing.call('tools', 'echo', { text: 'x' }, noSignal())).toMatchObject({ isError: true, content: closed });
    await expect(closing.resolve(['tools'])).rejects.toThrow(new UnknownToolError('tools', closed));
    const [status] = await closing.status();
    expect(status?.up).toBe(false);
    expect(status?.error).toContain('closed');
  });
});
