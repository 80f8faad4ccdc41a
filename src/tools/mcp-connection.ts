// One MCP server's connection: made on first use, shared, dropped when it dies, remade on the next use.
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ToolListChangedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { untilAborted } from '../until-aborted.js';
import { mapTool } from './mcp-result.js';
import type { McpServerConfig, McpServerStatus, McpToolInfo, ToolLimits } from './types.js';

const CLIENT_INFO = { name: 'discussion-orchestrator', version: '0.1.0' };
/** After a failed connect, the next attempt waits 1 s, then 2, 4, … up to 30 s, so a dead server is not hammered. */
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;
/** A server that pages its tool list for ever is broken, not large. */
const MAX_TOOL_PAGES = 100;
/** Shorter env and header values are too common as plain words to scrub from messages. */
const MIN_SECRET_LENGTH = 6;
const MAX_REASON_CHARS = 300;

/** A connected server and its tools as listed now. */
export interface ReadyServer {
  client: Client;
  tools: McpToolInfo[];
}

export interface ServerConnection {
  readonly name: string;
  readonly config: McpServerConfig;
  /** Connected and listed, connecting first if need be. Rejects with an Error whose message is safe to show. */
  ready(): Promise<ReadyServer>;
  status(): Promise<McpServerStatus>;
  /** Forgets this client after it failed under a call, so the next use connects again. */
  drop(client: Client, reason: string): void;
  /** An error's message with this server's secrets (env, header and URL values) taken out. */
  describe(error: unknown): string;
  close(): Promise<void>;
}

interface Live extends ReadyServer {
  /** A re-listing after notifications/tools/list_changed; users wait for it so they see the new list. */
  refreshing?: Promise<void>;
}

export function createServerConnection(name: string, config: McpServerConfig, limits: ToolLimits, logger: Logger): ServerConnection {
  const secrets = secretsOf(config);
  let live: Live | undefined;
  let connecting: Promise<ReadyServer> | undefined;
  let attempt: AbortController | undefined;
  let lastTools: McpToolInfo[] = [];
  let lastError: string | undefined;
  let failures = 0;
  let retryAt = 0;
  let closed = false;
  const closing = new Set<Promise<void>>();

  const describe = (error: unknown): string => scrub(messageOf(error), secrets).slice(0, MAX_REASON_CHARS);

  const closeQuietly = (client: Client): void => {
    const done = client
      .close()
      .catch((error: unknown) => logger.debug({ server: name, error: describe(error) }, 'MCP client close failed'))
      .finally(() => closing.delete(done));
    closing.add(done);
  };

  const forget = (client: Client, reason: string): boolean => {
    if (live?.client !== client) return false;
    live = undefined;
    lastError = reason;
    return true;
  };

  const createTransport = (): Transport => {
    switch (config.transport) {
      case 'stdio': {
        const { command, args, env, cwd } = config;
        // The SDK merges env over its short safe list (getDefaultEnvironment), never the whole of process.env.
        const transport = new StdioClientTransport({ command, args, env, cwd, stderr: 'pipe' });
        const stderr = transport.stderr;
        if (stderr instanceof Readable) {
          // Debug only: a server's stderr may hold anything, its own secrets included.
          createInterface({ input: stderr }).on('line', (line) => logger.debug({ server: name, stderr: line }, 'MCP server stderr'));
        }
        return transport;
      }
      case 'http':
        return new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers: config.headers } });
      default: {
        const unexpected: never = config;
        throw new Error(`unknown MCP transport ${JSON.stringify(unexpected)}`);
      }
    }
  };

  const refresh = (current: Live): void => {
    const relist = async (): Promise<void> => {
      try {
        const tools = await listAllTools(current.client, { timeout: limits.connectTimeoutMs });
        if (live !== current) return;
        current.tools = tools;
        lastTools = tools;
        logger.info({ server: name, tools: tools.length }, 'MCP server tools listed again');
      } catch (error) {
        logger.warn({ server: name, error: describe(error) }, 'MCP server tools could not be listed again; keeping the old list');
      }
    };
    const next: Promise<void> = (current.refreshing ?? Promise.resolve()).then(relist).finally(() => {
      if (current.refreshing === next) current.refreshing = undefined;
    });
    current.refreshing = next;
  };

  const connect = async (): Promise<ReadyServer> => {
    const controller = new AbortController();
    attempt = controller;
    const timer = setTimeout(() => controller.abort(), limits.connectTimeoutMs);
    const client = new Client(CLIENT_INFO);
    client.onclose = () => {
      if (forget(client, 'the connection closed')) logger.warn({ server: name }, 'MCP server connection closed; the next use reconnects');
    };
    // Most errors here also fail a request (handled by its caller) or close the transport (onclose above).
    client.onerror = (error) => logger.debug({ server: name, error: describe(error) }, 'MCP transport error');
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      if (live?.client === client) refresh(live);
    });
    try {
      const transport = createTransport();
      const options = { signal: controller.signal, timeout: limits.connectTimeoutMs };
      await untilAborted(client.connect(transport, options), controller.signal);
      const tools = await untilAborted(listAllTools(client, options), controller.signal);
      if (closed) throw new Error('the MCP servers are closed');
      live = { client, tools };
      lastTools = tools;
      lastError = undefined;
      failures = 0;
      const pid = transport instanceof StdioClientTransport ? transport.pid : undefined;
      logger.info({ server: name, transport: config.transport, pid, tools: tools.length }, 'MCP server connected');
      return { client, tools };
    } catch (error) {
      const reason = closed
        ? 'the MCP servers are closed'
        : controller.signal.aborted
          ? `it did not connect and list its tools within ${limits.connectTimeoutMs} ms`
          : describe(error);
      failures += 1;
      retryAt = Date.now() + Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
      lastError = reason;
      closeQuietly(client);
      if (!closed) logger.warn({ server: name, error: reason }, 'MCP server unreachable');
      // The cause stays behind on purpose: it may carry the secrets `reason` had scrubbed.
      // eslint-disable-next-line preserve-caught-error
      throw new Error(reason);
    } finally {
      clearTimeout(timer);
      if (attempt === controller) attempt = undefined;
    }
  };

  const ready = async (): Promise<ReadyServer> => {
    if (closed) throw new Error('the MCP servers are closed');
    if (live !== undefined) {
      const current = live;
      if (current.refreshing === undefined) return { client: current.client, tools: current.tools };
      await current.refreshing;
      return ready();
    }
    if (connecting === undefined) {
      // Within the backoff, answer at once with the last failure rather than trying (or waiting) again.
      if (lastError !== undefined && failures > 0 && Date.now() < retryAt) {
        const seconds = Math.ceil((retryAt - Date.now()) / 1000);
        throw new Error(`${lastError} (next attempt in ${seconds} s)`);
      }
      connecting = connect().finally(() => {
        connecting = undefined;
      });
    }
    return connecting;
  };

  return {
    name,
    config,
    ready,
    describe,
    async status() {
      try {
        const { tools } = await ready();
        return { name, transport: config.transport, up: true, tools };
      } catch (error) {
        // ready() rejects with reasons already scrubbed.
        return { name, transport: config.transport, up: false, error: messageOf(error), tools: lastTools };
      }
    },
    drop(client, reason) {
      if (!forget(client, reason)) return;
      logger.warn({ server: name, error: reason }, 'MCP server dropped after a failed call; the next use reconnects');
      closeQuietly(client);
    },
    async close() {
      closed = true;
      attempt?.abort();
      await connecting?.catch(() => undefined);
      const current = live;
      // Forgotten first: an HTTP transport reports its own close() as a close, which is no failure here.
      live = undefined;
      if (current !== undefined) closeQuietly(current.client);
      await Promise.all([...closing]);
    },
  };
}

/** Every page of the server's tool list. */
async function listAllTools(client: Client, options: { signal?: AbortSignal; timeout: number }): Promise<McpToolInfo[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page += 1) {
    const result = await client.listTools(cursor === undefined ? undefined : { cursor }, options);
    tools.push(...result.tools);
    if (result.nextCursor === undefined || result.nextCursor === '') return tools.map(mapTool);
    cursor = result.nextCursor;
  }
  throw new Error(`its tool list goes on for more than ${MAX_TOOL_PAGES} pages`);
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof StreamableHTTPError && error.code !== undefined && error.code > 0) return `${error.message} (HTTP ${error.code})`;
  // fetch() says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is in its cause.
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause === undefined || error.message.includes(cause) ? error.message : `${error.message}: ${cause}`;
}

function secretsOf(config: McpServerConfig): string[] {
  switch (config.transport) {
    case 'stdio':
      return Object.values(config.env).filter((value) => value.length >= MIN_SECRET_LENGTH);
    case 'http': {
      const url = new URL(config.url);
      const fromUrl = [url.username, url.password, ...url.searchParams.values()];
      return [...Object.values(config.headers), ...fromUrl].filter((value) => value.length >= MIN_SECRET_LENGTH);
    }
    default: {
      const unexpected: never = config;
      return [String(unexpected)];
    }
  }
}

/**
 * Every secret, and each long enough word of it (a server's answer may quote the bare token of
 * `Bearer <token>`), as written and URL-encoded, longest first so a whole value goes before its parts.
 */
function scrub(message: string, secrets: readonly string[]): string {
  const words = secrets.flatMap((secret) => [secret, ...secret.split(/\s+/).filter((word) => word.length >= MIN_SECRET_LENGTH)]);
  const forms = [...new Set(words.flatMap((word) => [word, encodeURIComponent(word)]))].sort((a, b) => b.length - a.length);
  return forms.reduce((text, secret) => text.split(secret).join('[redacted]'), message);
}
