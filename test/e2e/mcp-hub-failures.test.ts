// The tool hub when servers die, restart, hang, refuse or do not exist; and the example server for new users.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMcpServersFile } from '../../src/tools/mcp-config.js';
import { createToolHub } from '../../src/tools/mcp-hub.js';
import { UnknownToolError, type ToolLimits } from '../../src/tools/types.js';
import { connectedPid, watchLogs } from '../mcp-servers/log-watch.js';
import { startHttpToolsServer, stdioToolsServerConfig, type HttpToolsServer } from '../mcp-servers/test-tools.js';

const LIMITS: ToolLimits = { timeoutMs: 20_000, maxResultChars: 1_000, connectTimeoutMs: 20_000 };
const SECRET = 'Bearer sekret-token-0123456789';
const noSignal = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { server, url: `http://127.0.0.1:${address.port}/mcp` };
}

/** The UnknownToolError the promise rejects with. */
async function refusal(promise: Promise<unknown>): Promise<UnknownToolError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof UnknownToolError)) throw new Error(`expected an UnknownToolError, got ${String(error)}`);
  return error;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('a stdio server', () => {
  it('logs its stderr at debug only, under its name, and writes TEST_TOOLS_CALL_LOG', async () => {
    const logs = watchLogs();
    const callLog = join(mkdtempSync(join(tmpdir(), 'mcp-hub-')), 'calls.jsonl');
    const hub = createToolHub({ child: stdioToolsServerConfig({ TEST_TOOLS_CALL_LOG: callLog }) }, LIMITS, logs.logger);
    try {
      const ready = logs.waitFor((entry) => typeof entry.stderr === 'string' && entry.stderr.startsWith('test-tools: listening'));
      await hub.status();
      expect(await ready).toMatchObject({ level: 20, server: 'child', msg: 'MCP server stderr' });
      expect(await hub.call('child', 'echo', { text: 'logged' }, noSignal())).toMatchObject({ content: 'echo: logged' });
      expect(
        readFileSync(callLog, 'utf8')
          .trim()
          .split('\n')
          .map((line): unknown => JSON.parse(line)),
      ).toEqual([{ name: 'echo', arguments: { text: 'logged' } }]);
      expect(logs.entries.filter((entry) => entry.stderr !== undefined).every((entry) => entry.level === 20)).toBe(true);
    } finally {
      await hub.close();
    }
  });

  it('is started again, and listed again, after its child is killed; close() ends the child', async () => {
    const logs = watchLogs();
    const hub = createToolHub({ child: stdioToolsServerConfig() }, LIMITS, logs.logger);
    expect(logs.entries).toHaveLength(0); // lazy: nothing started before first use
    await hub.status();
    const firstPid = connectedPid(logs.entries, 'child');
    expect(firstPid).toBeTypeOf('number');
    if (firstPid === undefined) return;

    const noticed = logs.waitFor(
      (entry) => entry.server === 'child' && entry.msg === 'MCP server connection closed; the next use reconnects',
    );
    process.kill(firstPid, 'SIGKILL');
    await noticed;
    expect(await hub.call('child', 'add', { a: 20, b: 22 }, noSignal())).toMatchObject({ content: '42', isError: false });
    const secondPid = connectedPid(logs.entries, 'child');
    expect(secondPid).toBeTypeOf('number');
    expect(secondPid).not.toBe(firstPid);
    const [again] = await hub.status();
    expect(again?.up).toBe(true);
    expect(again?.tools.map(({ name }) => name)).toContain('echo');

    await hub.close();
    expect(secondPid !== undefined && isAlive(secondPid)).toBe(false);
  });

  it('shares one connection between concurrent first uses', async () => {
    const logs = watchLogs();
    const hub = createToolHub({ child: stdioToolsServerConfig() }, LIMITS, logs.logger);
    try {
      const outcomes = await Promise.all([
        hub.status(),
        hub.resolve(['child/echo']),
        hub.call('child', 'echo', { text: 'a' }, noSignal()),
        hub.call('child', 'echo', { text: 'b' }, noSignal()),
      ]);
      expect(outcomes[2]).toMatchObject({ content: 'echo: a' });
      expect(logs.entries.filter((entry) => entry.msg === 'MCP server connected')).toHaveLength(1);
    } finally {
      await hub.close();
    }
  });

  it('lists its tools again when it says they changed (notifications/tools/list_changed)', async () => {
    const hub = createToolHub({ dynamic: stdioToolsServerConfig({ TEST_TOOLS_DYNAMIC: '1' }) }, LIMITS, watchLogs().logger);
    try {
      await expect(hub.resolve(['dynamic/late'])).rejects.toThrow(/has no tool "late"; it has: .*add_tool/);
      expect(await hub.call('dynamic', 'add_tool', { name: 'late' }, noSignal())).toMatchObject({ content: 'added late' });
      // The server sends the notification before the call's result, so the new list is already being fetched.
      const [late] = await hub.resolve(['dynamic/late']);
      expect(late).toMatchObject({ server: 'dynamic', tool: { name: 'late', description: 'Added at run time' } });
      expect(await hub.call('dynamic', 'late', {}, noSignal())).toMatchObject({ content: 'late', isError: false });
    } finally {
      await hub.close();
    }
  });
});

describe('a streamable HTTP server', () => {
  let http: HttpToolsServer;
  beforeAll(async () => {
    http = await startHttpToolsServer();
  });
  afterAll(() => http.close());

  it('is connected again after it forgot the session (a restart): one failed call, then calls work', async () => {
    const hub = createToolHub({ remote: { transport: 'http', url: http.url, headers: {} } }, LIMITS, watchLogs().logger);
    try {
      expect(await hub.call('remote', 'echo', { text: 'one' }, noSignal())).toMatchObject({ content: 'echo: one' });
      await http.dropSessions();
      const failed = await hub.call('remote', 'echo', { text: 'two' }, noSignal());
      expect(failed.isError).toBe(true);
      expect(failed.content).toMatch(
        /^the call to MCP server "remote" failed: .*Session not found.*\(HTTP 404\); it reconnects on the next use$/,
      );
      expect(await hub.call('remote', 'echo', { text: 'three' }, noSignal())).toMatchObject({ content: 'echo: three', isError: false });
    } finally {
      await hub.close();
    }
  });
});

describe('an unreachable server', () => {
  it('is reported down with the reason, at once, by status, resolve and call', async () => {
    const { server: closed, url } = await listen(() => undefined);
    await stop(closed);
    const hub = createToolHub(
      {
        gone: { transport: 'http', url, headers: {} },
        missing: { transport: 'stdio', command: 'mcp-test-command-that-does-not-exist', args: [], env: {} },
      },
      LIMITS,
      watchLogs().logger,
    );
    try {
      const started = performance.now();
      const statuses = await hub.status();
      expect(performance.now() - started).toBeLessThan(LIMITS.connectTimeoutMs);
      expect(statuses.map(({ name, transport, up, tools }) => ({ name, transport, up, tools }))).toEqual([
        { name: 'gone', transport: 'http', up: false, tools: [] },
        { name: 'missing', transport: 'stdio', up: false, tools: [] },
      ]);
      expect(statuses[0]?.error).toContain('ECONNREFUSED');
      expect(statuses[1]?.error).toContain('ENOENT');
      const refused = await refusal(hub.resolve(['gone/echo']));
      expect(refused.spec).toBe('gone/echo');
      expect(refused.message).toMatch(/^MCP server "gone" is not reachable: .*ECONNREFUSED/);
      const missing = await refusal(hub.resolve(['missing']));
      expect(missing.spec).toBe('missing');
      expect(missing.message).toMatch(/^MCP server "missing" is not reachable: .*ENOENT/);
      const outcome = await hub.call('missing', 'echo', {}, noSignal());
      expect(outcome.isError).toBe(true);
      expect(outcome.content).toMatch(/^MCP server "missing" is not reachable: .*ENOENT/);
    } finally {
      await hub.close();
    }
  });

  it('that never answers is given up after connectTimeoutMs', async () => {
    const { server: silent, url } = await listen(() => undefined);
    const hub = createToolHub(
      { silent: { transport: 'http', url, headers: {} } },
      { ...LIMITS, connectTimeoutMs: 300 },
      watchLogs().logger,
    );
    try {
      expect((await hub.status())[0]).toMatchObject({ up: false, error: 'it did not connect and list its tools within 300 ms' });
    } finally {
      await hub.close();
      await stop(silent);
    }
  });

  it('that never answers does not hold up a call that is cancelled meanwhile', async () => {
    let reachedServer = (): void => undefined;
    const reached = new Promise<void>((resolve) => (reachedServer = resolve));
    const { server: silent, url } = await listen(() => reachedServer());
    const hub = createToolHub({ silent: { transport: 'http', url, headers: {} } }, LIMITS, watchLogs().logger);
    try {
      const controller = new AbortController();
      const outcome = hub.call('silent', 'echo', { text: 'x' }, { signal: controller.signal });
      await reached; // the connect attempt is waiting on the server now
      controller.abort();
      expect(await outcome).toMatchObject({ content: 'the call was cancelled', isError: true });
    } finally {
      await hub.close();
      await stop(silent);
    }
  });

  it('keeps secrets out of its errors and logs, and is not tried again within the backoff', async () => {
    let requests = 0;
    // A broken server that quotes the credential back in its error page, whole and as the bare token.
    const { server: refusing, url } = await listen((request, response) => {
      requests += 1;
      const credential = request.headers.authorization ?? '';
      response
        .writeHead(500, { 'content-type': 'text/plain' })
        .end(`bad credential: ${credential} (token ${credential.split(' ').at(-1) ?? ''})`);
    });
    const logs = watchLogs();
    const hub = createToolHub({ refusing: { transport: 'http', url, headers: { authorization: SECRET } } }, LIMITS, logs.logger);
    try {
      const [first] = await hub.status();
      expect(first?.up).toBe(false);
      expect(first?.error).toContain('bad credential: [redacted]');
      expect(requests).toBeGreaterThan(0);
      const requestsAfterFirst = requests;
      const [second] = await hub.status();
      expect(second?.error).toMatch(/bad credential: \[redacted\].*\(next attempt in \d+ s\)$/);
      expect(requests).toBe(requestsAfterFirst);
      await expect(hub.resolve(['refusing'])).rejects.toThrow(/\[redacted\]/);
      const outcome = await hub.call('refusing', 'echo', {}, noSignal());
      for (const text of [first?.error, second?.error, outcome.content, logs.text()]) expect(text).not.toContain('sekret-token');
    } finally {
      await hub.close();
      await stop(refusing);
    }
  });
});

describe('the example server (examples/mcp-servers.json)', () => {
  it('answers through the hub', async () => {
    const servers = readMcpServersFile(fileURLToPath(new URL('../../examples/mcp-servers.json', import.meta.url)));
    expect(servers).toEqual({ demo: { transport: 'stdio', command: 'node', args: ['examples/mcp/demo-tools.mjs'], env: {} } });
    const hub = createToolHub(servers, LIMITS, watchLogs().logger);
    try {
      const tools = await hub.resolve(['demo']);
      expect(tools.map(({ tool }) => tool.name)).toEqual(['add', 'word_count']);
      expect(await hub.call('demo', 'add', { a: 2, b: 40 }, noSignal())).toMatchObject({ content: '42', isError: false });
      expect(await hub.call('demo', 'word_count', { text: ' three  small words ' }, noSignal())).toMatchObject({ content: '3' });
    } finally {
      await hub.close();
    }
  });
});
