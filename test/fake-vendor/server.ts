/**
 * A local stand-in for the LLM vendors: one node:http server on 127.0.0.1
 * that speaks Anthropic Messages, OpenAI Chat Completions (also as an
 * "OpenAI-compatible" server under /compatible/v1) and Gemini
 * streamGenerateContent faithfully enough for the real SDKs, scripted per
 * request. Point an SDK (or the app, via `environment()`) at it:
 *
 *   const fake = await startFakeVendor();
 *   fake.script('anthropic', { status: 429, retryAfter: 1 }, { chunks: ['Hi', '!'] });
 *   // … run the code under test against fake.anthropicBaseUrl …
 *   expect(fake.requestsFor('anthropic')).toHaveLength(2);
 *   await fake.close();
 *
 * To hold a reply open on purpose (a turn still streaming when the test
 * stops, pauses or kills something), script it with a gate:
 *
 *   const gate = fake.gate();
 *   fake.script('openai-compatible', { chunks: ['Half ', 'a thought'], gate, afterGate: [' and the rest.'] });
 *   await gate.reached(); // the chunks are out; the reply waits for the test
 *   gate.release();       // or stop the turn: the stream ends when the client goes away
 *
 * Each generation request takes the next scripted response of its vendor, or
 * the default reply when the queue is empty. Token counting and model listing
 * are answered without taking from the queue. Anything else is answered 404,
 * recorded in `unexpected` and logged.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { anthropicWire } from './anthropic-wire.js';
import { geminiWire } from './gemini-wire.js';
import { openaiWire } from './openai-wire.js';
import type { FakeGate, FakeResponse, FakeVendorName, RecordedRequest, ReplyContext, ResolvedResponse, WireFormat } from './types.js';

export type { FakeGate, FakeResponse, FakeUsage, FakeVendorName, RecordedRequest } from './types.js';

export const DEFAULT_CHUNKS = ['Hello', ' from', ' the', ' fake', ' vendor.'];
export const DEFAULT_USAGE = { inputTokens: 12, outputTokens: 5 };

/** Keys that `environment()` hands out; the fake accepts any key. */
export const FAKE_API_KEYS = {
  anthropic: 'test-anthropic-key',
  openai: 'test-openai-key',
  gemini: 'test-gemini-key',
} as const;

const VENDORS: readonly FakeVendorName[] = ['anthropic', 'openai', 'openai-compatible', 'gemini'];

const WIRE_FORMATS: Record<FakeVendorName, WireFormat> = {
  anthropic: anthropicWire,
  openai: openaiWire,
  'openai-compatible': openaiWire,
  gemini: geminiWire,
};

const DEFAULT_STOP_REASONS: Record<FakeVendorName, string> = {
  anthropic: 'end_turn',
  openai: 'stop',
  'openai-compatible': 'stop',
  gemini: 'STOP',
};

/** The stop reason of a reply that asks for tools (Gemini has none of its own). */
const TOOL_STOP_REASONS: Record<FakeVendorName, string> = {
  anthropic: 'tool_use',
  openai: 'tool_calls',
  'openai-compatible': 'tool_calls',
  gemini: 'STOP',
};

export interface FakeVendor {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** For the Anthropic SDK and the claude binary: the host, without /v1. */
  readonly anthropicBaseUrl: string;
  /** For the OpenAI SDK: …/v1. */
  readonly openaiBaseUrl: string;
  /** OpenAI's format with its own script queue: …/compatible/v1. */
  readonly openaiCompatibleBaseUrl: string;
  /** For @google/genai `httpOptions.baseUrl`: the host (the SDK adds /v1beta). */
  readonly geminiBaseUrl: string;
  /** Every request, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Requests to paths the fake does not speak. */
  readonly unexpected: readonly RecordedRequest[];
  /** Queues responses for the vendor's next generation requests, in order. */
  script(vendor: FakeVendorName, ...responses: FakeResponse[]): void;
  /** Replaces the reply used when a vendor's queue is empty (default: `{}`). */
  setDefaultResponse(response: FakeResponse): void;
  /** Scripted responses not yet used. */
  pending(vendor: FakeVendorName): number;
  /** The generation, token-count and model-list requests one vendor received. */
  requestsFor(vendor: FakeVendorName): RecordedRequest[];
  /** A new, closed gate for `FakeResponse.gate`: streams wait at it until the test releases it. */
  gate(): FakeGate;
  /** Resolves once `count` requests (of `vendor`, if given) have arrived. */
  waitForRequests(count: number, vendor?: FakeVendorName): Promise<RecordedRequest[]>;
  /** Base URLs and test keys as the app's environment variables, for loadConfig(). */
  environment(): Record<string, string>;
  /** Clears queues, the default response and recorded requests. */
  reset(): void;
  /** Ends every open stream and stops listening. */
  close(): Promise<void>;
}

export interface FakeVendorOptions {
  /** Where unexpected paths are reported (default console.warn). */
  log?: (line: string) => void;
}

type RouteAction = 'generate' | 'count-tokens' | 'models';

interface Route {
  vendor: FakeVendorName;
  action: RouteAction;
  stream: boolean;
  model: string;
}

function readString(body: unknown, key: string): string | undefined {
  if (typeof body !== 'object' || body === null || !(key in body)) return undefined;
  const value: unknown = Reflect.get(body, key);
  return typeof value === 'string' ? value : undefined;
}

function matchRoute(method: string, path: string, headers: IncomingMessage['headers'], body: unknown): Route | undefined {
  const model = readString(body, 'model') ?? 'unknown';
  const streamRequested = typeof body === 'object' && body !== null && Reflect.get(body, 'stream') === true;
  if (method === 'POST' && path === '/v1/messages') return { vendor: 'anthropic', action: 'generate', stream: streamRequested, model };
  if (method === 'POST' && path === '/v1/messages/count_tokens')
    return { vendor: 'anthropic', action: 'count-tokens', stream: false, model };
  if (method === 'GET' && path === '/v1/models') {
    const vendor = headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
    return { vendor, action: 'models', stream: false, model };
  }
  if (method === 'POST' && path === '/v1/chat/completions') return { vendor: 'openai', action: 'generate', stream: streamRequested, model };
  if (method === 'POST' && path === '/compatible/v1/chat/completions') {
    return { vendor: 'openai-compatible', action: 'generate', stream: streamRequested, model };
  }
  if (method === 'GET' && path === '/compatible/v1/models') return { vendor: 'openai-compatible', action: 'models', stream: false, model };
  if (method === 'GET' && path === '/v1beta/models') return { vendor: 'gemini', action: 'models', stream: false, model };
  const gemini = /^\/v1beta\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/.exec(path);
  if (method === 'POST' && gemini?.[1] !== undefined) {
    const action = gemini[2] === 'countTokens' ? 'count-tokens' : 'generate';
    return { vendor: 'gemini', action, stream: gemini[2] === 'streamGenerateContent', model: decodeURIComponent(gemini[1]) };
  }
  return undefined;
}

function resolveResponse(vendor: FakeVendorName, response: FakeResponse): ResolvedResponse {
  return {
    ...response,
    chunks: response.chunks ?? DEFAULT_CHUNKS,
    usage: response.usage === undefined ? DEFAULT_USAGE : response.usage,
    stopReason: response.stopReason ?? (response.toolCalls?.length ? TOOL_STOP_REASONS : DEFAULT_STOP_REASONS)[vendor],
  };
}

function parseBody(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(Buffer.isBuffer(part) ? part : Buffer.from(String(part)));
  return Buffer.concat(parts).toString('utf8');
}

/** Writes a streamed body chunk by chunk, waiting for each to flush, and notices when the client leaves. */
class StreamWriter {
  private gone = false;
  readonly closed: Promise<{ completed: boolean }>;

  constructor(private readonly response: ServerResponse) {
    this.closed = new Promise((resolve) => {
      response.once('close', () => {
        this.gone = true;
        resolve({ completed: response.writableFinished });
      });
    });
  }

  get isGone(): boolean {
    return this.gone || this.response.destroyed;
  }

  write(text: string): Promise<void> {
    if (this.isGone) return Promise.resolve();
    return new Promise((resolve) => this.response.write(text, () => resolve()));
  }

  pause(milliseconds: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, milliseconds);
      void this.closed.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Drops the connection mid-body, as a proxy or a crashed backend would. */
  cut(): void {
    this.response.destroy();
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** A gate for `FakeResponse.gate`: streams wait at it until `release()`. */
export function createGate(): FakeGate {
  const arrivals: RecordedRequest[] = [];
  const changes = new EventEmitter();
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    arrivals,
    reached: (count = 1) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (arrivals.length < count) return;
          changes.off('arrived', check);
          resolve([...arrivals]);
        };
        changes.on('arrived', check);
        check();
      }),
    release: () => open(),
    pass: (request) => {
      arrivals.push(request);
      changes.emit('arrived');
      return opened;
    },
  };
}

async function streamReply(format: WireFormat, context: ReplyContext, response: ServerResponse, writer: StreamWriter): Promise<void> {
  const { chunks, delayMs, cutAfter, hang, inBandError, gate, afterGate = [] } = context.response;
  response.writeHead(200, format.streamHeaders);
  response.flushHeaders();
  for (const frame of format.opening(context)) await writer.write(frame);
  const lastChunkEnds = hang !== true && inBandError === undefined && cutAfter === undefined;
  // With a gate the reply goes on after it: no chunk before the gate may end it.
  const texts = gate === undefined ? chunks : [...chunks, ...afterGate];
  let endCarried = false;
  for (const [index, text] of texts.entries()) {
    if (cutAfter !== undefined && index >= cutAfter) return writer.cut();
    if (gate !== undefined && index === chunks.length) {
      await Promise.race([gate.pass(context.request), writer.closed]);
    }
    if (delayMs !== undefined && delayMs > 0) await writer.pause(delayMs);
    if (writer.isGone) return;
    endCarried = lastChunkEnds && index === texts.length - 1 && (gate === undefined || index >= chunks.length);
    await writer.write(format.chunk(text, { index, last: endCarried }, context));
  }
  if (gate !== undefined && texts.length === chunks.length) {
    await Promise.race([gate.pass(context.request), writer.closed]);
    if (writer.isGone) return;
  }
  if (cutAfter !== undefined) return writer.cut();
  if (inBandError !== undefined) {
    await writer.write(format.inBandError(inBandError, context));
    response.end();
    return;
  }
  if (hang === true) {
    await writer.closed;
    return;
  }
  for (const frame of format.closing(context, endCarried)) await writer.write(frame);
  response.end();
}

function modelList(vendor: FakeVendorName): unknown {
  switch (vendor) {
    case 'anthropic':
      return {
        data: [{ type: 'model', id: 'claude-sonnet-4-5', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' }],
        has_more: false,
        first_id: 'claude-sonnet-4-5',
        last_id: 'claude-sonnet-4-5',
      };
    case 'openai':
    case 'openai-compatible':
      return { object: 'list', data: [{ id: 'gpt-4.1-mini', object: 'model', created: 1_700_000_000, owned_by: 'system' }] };
    case 'gemini':
      return {
        models: [
          {
            name: 'models/gemini-2.5-flash',
            displayName: 'Gemini 2.5 Flash',
            supportedGenerationMethods: ['generateContent', 'countTokens'],
          },
        ],
      };
    default: {
      const unexpected: never = vendor;
      return unexpected;
    }
  }
}

export async function startFakeVendor(options: FakeVendorOptions = {}): Promise<FakeVendor> {
  const log = options.log ?? ((line: string) => console.warn(line));
  const queues = new Map<FakeVendorName, FakeResponse[]>(VENDORS.map((vendor) => [vendor, []]));
  const requests: RecordedRequest[] = [];
  const unexpected: RecordedRequest[] = [];
  const arrivals = new EventEmitter();
  let defaultResponse: FakeResponse = {};

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const writer = new StreamWriter(response);
    const raw = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://fake-vendor');
    const method = request.method ?? 'GET';
    const body = parseBody(raw);
    const route = matchRoute(method, url.pathname, request.headers, body);
    const record: RecordedRequest = {
      vendor: route?.vendor ?? 'unknown',
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      body,
      receivedAt: performance.now(),
      closed: writer.closed,
      drop: () => writer.cut(),
    };
    requests.push(record);
    arrivals.emit('arrived');
    if (route === undefined) {
      unexpected.push(record);
      log(`fake-vendor: unexpected ${method} ${url.pathname}`);
      sendJson(response, 404, { error: { message: `fake-vendor does not serve ${method} ${url.pathname}` } });
    } else if (route.action === 'models') {
      sendJson(response, 200, modelList(route.vendor));
    } else if (route.action === 'count-tokens') {
      sendJson(
        response,
        200,
        route.vendor === 'gemini' ? { totalTokens: DEFAULT_USAGE.inputTokens } : { input_tokens: DEFAULT_USAGE.inputTokens },
      );
    } else {
      const scripted = queues.get(route.vendor)?.shift() ?? defaultResponse;
      const context: ReplyContext = { request: record, response: resolveResponse(route.vendor, scripted), model: route.model };
      const format = WIRE_FORMATS[route.vendor];
      if (context.response.status !== undefined && context.response.status !== 200) {
        const error = format.error(context);
        sendJson(response, error.status, error.body, error.headers);
      } else if (!route.stream) {
        sendJson(response, 200, format.complete(context));
      } else {
        await streamReply(format, context, response, writer);
      }
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`fake-vendor: handler failed: ${error instanceof Error ? error.message : String(error)}`);
      response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake-vendor: the server has no TCP address');
  const url = `http://127.0.0.1:${address.port}`;

  const requestsFor = (vendor: FakeVendorName): RecordedRequest[] => requests.filter((request) => request.vendor === vendor);
  const matching = (vendor?: FakeVendorName): RecordedRequest[] => (vendor === undefined ? [...requests] : requestsFor(vendor));

  return {
    url,
    anthropicBaseUrl: url,
    openaiBaseUrl: `${url}/v1`,
    openaiCompatibleBaseUrl: `${url}/compatible/v1`,
    geminiBaseUrl: url,
    requests,
    unexpected,
    script: (vendor, ...responses) => {
      queues.get(vendor)?.push(...responses);
    },
    setDefaultResponse: (response) => {
      defaultResponse = response;
    },
    pending: (vendor) => queues.get(vendor)?.length ?? 0,
    requestsFor,
    gate: createGate,
    waitForRequests: (count, vendor) =>
      new Promise((resolve) => {
        const check = (): void => {
          const seen = matching(vendor);
          if (seen.length < count) return;
          arrivals.off('arrived', check);
          resolve(seen);
        };
        arrivals.on('arrived', check);
        check();
      }),
    environment: () => ({
      ANTHROPIC_API_KEY: FAKE_API_KEYS.anthropic,
      ANTHROPIC_BASE_URL: url,
      OPENAI_API_KEY: FAKE_API_KEYS.openai,
      OPENAI_BASE_URL: `${url}/v1`,
      GEMINI_API_KEY: FAKE_API_KEYS.gemini,
      GEMINI_BASE_URL: url,
      OPENAI_COMPATIBLE_BASE_URL: `${url}/compatible/v1`,
    }),
    reset: () => {
      for (const queue of queues.values()) queue.length = 0;
      requests.length = 0;
      unexpected.length = 0;
      defaultResponse = {};
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
