// MCP servers for tests, built with the SDK's own server side: the same tools over stdio (a child process) and streamable HTTP.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { McpServerConfig } from '../../src/tools/types.js';

export interface TestToolsOptions {
  /** Called for every call a tool of this server gets, before it runs. */
  onCall?: (name: string, args: unknown) => void;
  /** Called when a call still running is cancelled by the client (notifications/cancelled). */
  onCancelled?: (name: string) => void;
  /** The `counter` tool's count; share one between server instances (one per HTTP session) to count per endpoint. */
  counter?: { value: number };
  /** Adds `add_tool { name }`, which registers a tool at run time so the server sends notifications/tools/list_changed. */
  dynamicTools?: boolean;
}

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

/** The test tools: echo, add, slow, fail, big, counter (names fixed: other tests rely on them). */
export function createTestToolsServer(options: TestToolsOptions = {}): McpServer {
  const { onCall, onCancelled, counter = { value: 0 }, dynamicTools = false } = options;
  const server = new McpServer({ name: 'test-tools', version: '1.0.0' });

  server.registerTool(
    'echo',
    {
      description: 'Says the text back',
      inputSchema: { text: z.string().describe('What to say back') },
      annotations: { idempotentHint: true, readOnlyHint: true },
    },
    (args) => {
      onCall?.('echo', args);
      return text(`echo: ${args.text}`);
    },
  );
  server.registerTool(
    'add',
    { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() }, annotations: { idempotentHint: true } },
    (args) => {
      onCall?.('add', args);
      return text(String(args.a + args.b));
    },
  );
  server.registerTool(
    'slow',
    {
      description: 'Waits ms milliseconds, or until the call is cancelled when ms is not given',
      inputSchema: { ms: z.number().int().min(0).optional() },
    },
    async (args, extra) => {
      onCall?.('slow', args);
      const finished = await waitUnlessCancelled(args.ms, extra.signal);
      if (finished === 'cancelled') onCancelled?.('slow');
      return text(finished === 'cancelled' ? 'cancelled' : 'slept');
    },
  );
  server.registerTool('fail', { description: 'Always fails', inputSchema: {} }, (args) => {
    onCall?.('fail', args);
    throw new Error('the tool failed on purpose');
  });
  server.registerTool('big', { description: 'Returns that many characters', inputSchema: { chars: z.number().int().min(0) } }, (args) => {
    onCall?.('big', args);
    return text('x'.repeat(args.chars));
  });
  server.registerTool(
    'counter',
    { description: 'Counts its calls', inputSchema: {}, annotations: { idempotentHint: false, readOnlyHint: false } },
    (args) => {
      onCall?.('counter', args);
      counter.value += 1;
      return text(String(counter.value));
    },
  );
  if (dynamicTools) {
    server.registerTool(
      'add_tool',
      { description: 'Registers a tool that answers with its own name', inputSchema: { name: z.string().min(1) } },
      (args) => {
        onCall?.('add_tool', args);
        // registerTool sends notifications/tools/list_changed before this call's result goes out.
        server.registerTool(args.name, { description: `Added at run time`, inputSchema: {} }, () => text(args.name));
        return text(`added ${args.name}`);
      },
    );
  }
  return server;
}

/** Resolves after `ms`, or when the signal aborts (never otherwise when ms is undefined). */
function waitUnlessCancelled(ms: number | undefined, signal: AbortSignal): Promise<'slept' | 'cancelled'> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve('cancelled');
    const timer = ms === undefined ? undefined : setTimeout(() => resolve('slept'), ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve('cancelled');
      },
      { once: true },
    );
  });
}

/** How the e2e tests launch the stdio server: Node with tsx, on test/mcp-servers/stdio-tools.ts. */
export function stdioToolsServerConfig(env: Record<string, string> = {}): McpServerConfig {
  const entry = fileURLToPath(new URL('./stdio-tools.ts', import.meta.url));
  return { transport: 'stdio', command: process.execPath, args: ['--import', 'tsx', entry], env };
}

export interface HttpToolsServer {
  /** The MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
  /** Every tools/call a tool got, in order. */
  calls: { name: string; arguments: unknown }[];
  /** Tool names whose call was cancelled while running. */
  cancelled: string[];
  /** Resolves once `times` calls of that tool have arrived in all (at once if they have). */
  waitForCall(name: string, times?: number): Promise<void>;
  /** Resolves once `times` calls of that tool have been cancelled in all (at once if they have). */
  waitForCancelled(name: string, times?: number): Promise<void>;
  /** Forgets every session, as a restarted server would: the clients' next requests get 404. */
  dropSessions(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The test tools over streamable HTTP on 127.0.0.1, one McpServer per session. Stateful (session ids) so that a
 * client's notifications/cancelled reaches the server instance running the call.
 */
export async function startHttpToolsServer(options: Pick<TestToolsOptions, 'dynamicTools'> = {}): Promise<HttpToolsServer> {
  const calls: HttpToolsServer['calls'] = [];
  const cancelled: string[] = [];
  const waiters = new Set<() => void>();
  const notify = (): void => waiters.forEach((check) => check());
  const waitUntil = (condition: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (!condition()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });

  const counter = { value: 0 };
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();
  const toolsOptions: TestToolsOptions = {
    ...options,
    counter,
    onCall: (name, args) => {
      calls.push({ name, arguments: args });
      notify();
    },
    onCancelled: (name) => {
      cancelled.push(name);
      notify();
    },
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (session === undefined) {
        response
          .writeHead(404, { 'content-type': 'application/json' })
          .end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
        return;
      }
      return session.transport.handleRequest(request, response);
    }
    // No session yet: this must be an initialize request, which opens one.
    const server = createTestToolsServer(toolsOptions);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => void sessions.set(id, { transport, server }),
    });
    await server.connect(transport);
    await transport.handleRequest(request, response);
    if (transport.sessionId === undefined) await server.close();
  };

  const httpServer = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const address = httpServer.address();
  if (address === null || typeof address === 'string') throw new Error('the test tools server has no TCP address');

  const dropSessions = async (): Promise<void> => {
    const open = [...sessions.values()];
    sessions.clear();
    await Promise.all(open.map(({ server }) => server.close()));
  };

  return {
    url: `http://127.0.0.1:${address.port}/mcp`,
    calls,
    cancelled,
    waitForCall: (name, times = 1) => waitUntil(() => calls.filter((call) => call.name === name).length >= times),
    waitForCancelled: (name, times = 1) => waitUntil(() => cancelled.filter((cancelledName) => cancelledName === name).length >= times),
    dropSessions,
    close: async () => {
      await dropSessions();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve, reject) => httpServer.close((error) => (error === undefined ? resolve() : reject(error))));
    },
  };
}
