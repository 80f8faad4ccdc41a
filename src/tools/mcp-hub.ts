// The MCP servers of this process behind the ToolHub contract: lazy shared connections, calls that never throw.
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { untilAborted } from '../until-aborted.js';
import { createServerConnection, type ReadyServer, type ServerConnection } from './mcp-connection.js';
import { convertCallResult, cutContent } from './mcp-result.js';
import {
  UnknownToolError,
  type McpServerConfig,
  type ResolvedTool,
  type ToolCallOptions,
  type ToolCallOutcome,
  type ToolHub,
  type ToolLimits,
} from './types.js';

const CLOSED = 'the MCP servers are closed (the service is shutting down)';
const CANCELLED = 'the call was cancelled';
// McpError.code is a plain number; the SDK's enum values, as numbers, to compare it with.
const REQUEST_TIMEOUT: number = ErrorCode.RequestTimeout;
const CONNECTION_CLOSED: number = ErrorCode.ConnectionClosed;

const notConfigured = (server: string): string => `no MCP server named "${server}" is configured (MCP_SERVERS)`;
const notReachable = (server: string, reason: string): string => `MCP server "${server}" is not reachable: ${reason}`;

interface ToolSpec {
  spec: string;
  server: string;
  /** Undefined: every tool of the server. */
  tool?: string;
}

/** Connects to nothing until first used; `close()` ends every connection and stdio child. */
export function createToolHub(servers: Record<string, McpServerConfig>, limits: ToolLimits, logger: Logger): ToolHub {
  const connections = new Map<string, ServerConnection>(
    Object.entries(servers).map(([name, config]) => [name, createServerConnection(name, config, limits, logger)]),
  );
  let closing: Promise<void> | undefined;

  const resolve = async (specs: readonly string[]): Promise<ResolvedTool[]> => {
    const parsed = specs.map(parseSpec);
    const first = parsed[0];
    if (first === undefined) return [];
    if (closing !== undefined) throw new UnknownToolError(first.spec, CLOSED);

    // Connect every named server at once, then report problems in the order the specs were written.
    const named = new Set(parsed.map(({ server }) => server));
    const readiness = new Map<string, Promise<ReadyServer | Error>>();
    for (const server of named) {
      const ready = connections.get(server)?.ready();
      if (ready !== undefined) readiness.set(server, ready.catch(asError));
    }
    const settled = new Map<string, ReadyServer | Error>();
    for (const [server, ready] of readiness) settled.set(server, await ready);

    const resolved = new Map<string, ResolvedTool>();
    for (const { spec, server, tool } of parsed) {
      if (server === '' || tool === '') {
        throw new UnknownToolError(spec, `"${spec}" is not a tool spec: write "server" for all its tools or "server/tool" for one`);
      }
      const ready = settled.get(server);
      if (ready === undefined) throw new UnknownToolError(spec, notConfigured(server));
      if (ready instanceof Error) throw new UnknownToolError(spec, notReachable(server, ready.message));
      const chosen = tool === undefined ? ready.tools : ready.tools.filter(({ name }) => name === tool);
      if (tool !== undefined && chosen.length === 0) {
        const available = ready.tools.length === 0 ? 'it has no tools' : `it has: ${ready.tools.map(({ name }) => name).join(', ')}`;
        throw new UnknownToolError(spec, `MCP server "${server}" has no tool "${tool}"; ${available}`);
      }
      for (const info of chosen) resolved.set(`${server}/${info.name}`, { server, tool: info });
    }
    return [...resolved.values()];
  };

  const call = async (
    server: string,
    tool: string,
    args: Record<string, unknown>,
    { signal }: ToolCallOptions,
  ): Promise<ToolCallOutcome> => {
    const started = performance.now();
    const finish = (content: string, isError: boolean): ToolCallOutcome => ({
      ...cutContent(content, limits.maxResultChars),
      isError,
      durationMs: Math.round(performance.now() - started),
    });
    if (closing !== undefined) return finish(CLOSED, true);
    const connection = connections.get(server);
    if (connection === undefined) return finish(notConfigured(server), true);
    if (signal.aborted) return finish(CANCELLED, true);

    let ready: ReadyServer;
    try {
      ready = await untilAborted(connection.ready(), signal);
    } catch (error) {
      return finish(signal.aborted ? CANCELLED : notReachable(server, asError(error).message), true);
    }
    try {
      // The SDK sends notifications/cancelled when the signal aborts or the timeout passes, so the server stops too.
      const answer = await ready.client.callTool({ name: tool, arguments: args }, undefined, { signal, timeout: limits.timeoutMs });
      const { content, isError } = convertCallResult(answer);
      return finish(content, isError);
    } catch (error) {
      if (signal.aborted) return finish(CANCELLED, true);
      if (closing !== undefined) return finish(CLOSED, true);
      if (error instanceof McpError) {
        if (error.code === REQUEST_TIMEOUT) return finish(`the tool did not answer within ${limits.timeoutMs} ms (TOOL_TIMEOUT_MS)`, true);
        if (error.code === CONNECTION_CLOSED) {
          return finish(`the connection to MCP server "${server}" closed during the call; it reconnects on the next use`, true);
        }
        // A JSON-RPC error answer (servers not built on the TS SDK answer unknown tools this way): the connection is fine.
        return finish(`MCP server "${server}" answered the call with an error: ${connection.describe(error)}`, true);
      }
      // Anything else failed in the transport (a POST refused, a dead pipe): start afresh on the next use.
      const reason = connection.describe(error);
      connection.drop(ready.client, reason);
      return finish(`the call to MCP server "${server}" failed: ${reason}; it reconnects on the next use`, true);
    }
  };

  return {
    serverNames: () => [...connections.keys()],
    status: () => Promise.all([...connections.values()].map((connection) => connection.status())),
    resolve,
    call,
    config: (server) => connections.get(server)?.config,
    close() {
      closing ??= Promise.all([...connections.values()].map((connection) => connection.close())).then(() => {
        logger.debug({ servers: connections.size }, 'MCP servers closed');
      });
      return closing;
    },
  };
}

function parseSpec(spec: string): ToolSpec {
  const slash = spec.indexOf('/');
  return slash < 0 ? { spec, server: spec } : { spec, server: spec.slice(0, slash), tool: spec.slice(slash + 1) };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
