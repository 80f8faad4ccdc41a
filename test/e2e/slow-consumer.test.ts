// A subscriber that stops reading: the server keeps a bounded buffer for it,
// closes its socket with 1013 past that, and the client resumes with `after`
// with no gap and no duplicate; the other subscribers never notice.

import { type IncomingMessage, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { z } from 'zod';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLOW_CONSUMER_CLOSE_CODE } from '../../src/http/graphql-ws.js';
import { createWsClient, disposeClients, mustGraphQL, subscribeSse, subscribeWs } from '../support/clients.js';
import { Collector } from '../support/collector.js';
import { createDiscussion, MESSAGE_ADDED, type MessageView, messageViewSchema, mockAgents } from '../support/documents.js';
import { readFrame, type RawMessage } from '../support/raw-ws.js';
import { startTestApp, type TestApp } from '../support/app.js';

const INJECT = `mutation($id: ID!, $content: String!) { injectMessage(discussionId: $id, content: $content, author: "Observer") { id } }`;
const BUFFER_EVENTS = 8;
/** Large messages fill the socket buffers between server and client quickly. */
const CONTENT = 'x'.repeat(15_000);
/** Far more than loopback's socket buffers hold: the slow client must be cut off well before. */
const MAX_INJECTS = 3_000;

const logLineSchema = z.looseObject({ msg: z.string().optional(), discussionId: z.string().optional() });
/** A `next` payload carrying one messageAdded. */
const messageAddedSchema = z.object({ data: z.object({ messageAdded: messageViewSchema }) });

/** Log lines as objects, so a test can wait for one. */
function captureLogs() {
  const lines = new Collector<z.output<typeof logLineSchema>>();
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(logLineSchema.parse(JSON.parse(line))) });
  return { lines, logger };
}

/**
 * A graphql-transport-ws client over a TCP socket the test can stop reading
 * (`pause`): the server's writes then back up as they would to a stalled phone.
 */
async function pausableSocket(httpUrl: string) {
  let tcp: Socket | undefined;
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', {
    createConnection: (options: { host?: string | null; port?: string | number | null }) =>
      (tcp = connect({ host: options.host ?? '127.0.0.1', port: Number(options.port) })),
  });
  const messages = new Collector<RawMessage>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
  );
  socket.on('message', (data) => messages.push(readFrame(data).message));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await messages.waitFor((received) => received.some((message) => message.type === 'connection_ack'), { what: 'connection_ack' });
  const tcpSocket = () => tcp ?? expect.fail('the WebSocket opened without the test socket');
  return {
    messages,
    closed,
    subscribe: (id: string, query: string, variables: Record<string, unknown>) =>
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } })),
    pause: () => tcpSocket().pause(),
    resume: () => tcpSocket().resume(),
  };
}

/** The messageAdded payloads a raw socket received, in order. */
const messagesOf = (received: RawMessage[]): MessageView[] =>
  received.flatMap((message) => {
    if (message.type !== 'next') return [];
    const parsed = messageAddedSchema.safeParse(message.payload);
    return parsed.success ? [parsed.data.data.messageAdded] : [];
  });

describe('a subscriber that cannot keep up', () => {
  let app: TestApp;
  const logs = captureLogs();

  beforeAll(async () => {
    app = await startTestApp({ env: { SUBSCRIBER_BUFFER_EVENTS: String(BUFFER_EVENTS) }, logger: logs.logger });
  });
  afterAll(async () => {
    await app.close();
  });

  it('is closed with 1013 past its buffer while others keep up, and resumes with `after` with no gap and no duplicate', async () => {
    const id = await createDiscussion(app.url, { topic: 'Backpressure', agents: mockAgents(2) });
    const slow = await pausableSocket(app.url);
    slow.subscribe('slow', MESSAGE_ADDED, { id, after: '0-0' });
    const fast = createWsClient(app.url);
    try {
      const watcher = await subscribeWs(fast, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', messageViewSchema);
      await app.app.whenListening(id, 2);

      // One message read by both, then the slow client stops reading.
      await mustGraphQL(app.url, INJECT, { id, content: 'Before the stall.' });
      await slow.messages.waitFor((received) => messagesOf(received).length === 1, { what: 'the first message' });
      slow.pause();

      const cutOff = () =>
        logs.lines.values.some((line) => line.msg === 'a subscriber fell behind: its stream ended' && line.discussionId === id);
      let injected = 1;
      while (!cutOff()) {
        if (injected >= MAX_INJECTS) expect.fail(`the slow subscriber was not cut off after ${injected} messages`);
        await mustGraphQL(app.url, INJECT, { id, content: `${injected} ${CONTENT}` });
        injected += 1;
      }
      // The reader that keeps up got every one of them, in order.
      const all = await watcher.collector.waitForCount(injected, { timeoutMs: 20_000 });
      expect(all.map((message) => message.content.split(' ')[0])).toEqual([
        'Before',
        ...Array.from({ length: injected - 1 }, (_, index) => String(index + 1)),
      ]);

      // Reading again, the slow client gets what was already on its way, then the close.
      slow.resume();
      const { code, reason } = await slow.closed;
      expect(code).toBe(SLOW_CONSUMER_CLOSE_CODE);
      expect(reason).toMatch(/after/);
      const before = messagesOf(slow.messages.values);
      expect(before.length).toBeLessThan(injected);
      const lastCursor = before.at(-1)?.cursor ?? expect.fail('the slow client read nothing');

      // It resumes after the last cursor it read: every message it missed, once, in order.
      const resumed = await subscribeWs(fast, MESSAGE_ADDED, { id, after: lastCursor }, 'messageAdded', messageViewSchema);
      const rest = await resumed.collector.waitForCount(injected - before.length, { timeoutMs: 20_000 });
      expect([...before, ...rest].map((message) => message.id)).toEqual(all.map((message) => message.id));
      await mustGraphQL(app.url, INJECT, { id, content: 'After the resume.' });
      await resumed.collector.waitFor((values) => values.at(-1)?.content === 'After the resume.', { what: 'a live message' });
      expect(resumed.collector.values).toHaveLength(injected - before.length + 1);
    } finally {
      await disposeClients([fast]);
    }
  });

  it('replays a log longer than its buffer to a reader that keeps up, page by page, without cutting it off', async () => {
    const id = await createDiscussion(app.url, { topic: 'A long replay', agents: mockAgents(2) });
    const contents = Array.from({ length: BUFFER_EVENTS * 3 }, (_, index) => `message ${index}`);
    for (const content of contents) await mustGraphQL(app.url, INJECT, { id, content });
    const sse = await subscribeSse(app.url, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', messageViewSchema);
    await sse.collector.waitForCount(contents.length, { timeoutMs: 20_000 });
    await mustGraphQL(app.url, INJECT, { id, content: 'live' });
    await sse.collector.waitForCount(contents.length + 1, { timeoutMs: 20_000 });
    expect(sse.collector.values.map((message) => message.content)).toEqual([...contents, 'live']);
    expect(sse.collector.errors).toEqual([]);
  });

  it('over SSE, ends the stream past its buffer with a RATE_LIMITED error that says how to resume', async () => {
    const id = await createDiscussion(app.url, { topic: 'Backpressure over SSE', agents: mockAgents(2) });
    const slow = await pausableSse(app.url, MESSAGE_ADDED, { id });
    await app.app.whenListening(id, 1);
    slow.pause();
    const marks = logs.lines.values.length;
    const cutOff = () =>
      logs.lines.values.slice(marks).some((line) => line.msg === 'a subscriber fell behind: its stream ended' && line.discussionId === id);
    let injected = 0;
    while (!cutOff()) {
      if (injected >= MAX_INJECTS) expect.fail(`the slow SSE reader was not cut off after ${injected} messages`);
      await mustGraphQL(app.url, INJECT, { id, content: `${injected} ${CONTENT}` });
      injected += 1;
    }
    slow.resume();
    const events = await slow.ended;
    const last = events.at(-1);
    expect(last?.event).toBe('complete');
    const error = events.at(-2);
    expect(error?.event).toBe('next');
    const errorSchema = z.object({
      data: z.null(),
      errors: z.tuple([z.object({ message: z.string(), extensions: z.looseObject({ code: z.string(), reason: z.string() }) })]),
    });
    const [slowError] = errorSchema.parse(error?.data).errors;
    expect(slowError.message).toMatch(/after/);
    expect(slowError.extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'SLOW_CONSUMER' });
    // Everything before the error is whole messages, in order: the cut dropped events, never split one.
    const received = events.slice(0, -2).map((event) => messageAddedSchema.parse(event.data).data.messageAdded);
    expect(received.length).toBeLessThan(injected);
    expect(received.map((message) => message.content.split(' ')[0])).toEqual(received.map((_, index) => String(index)));
  });
});

/** One SSE event of graphql-sse's distinct connections mode. */
interface SseEvent {
  event: string;
  data: unknown;
}

/** A GraphQL-over-SSE subscription over a TCP socket the test can stop reading. */
async function pausableSse(httpUrl: string, query: string, variables: Record<string, unknown>) {
  let tcp: Socket | undefined;
  const url = new URL(httpUrl);
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        createConnection: () => (tcp = connect({ host: url.hostname, port: Number(url.port) })),
      },
      resolve,
    );
    request.once('error', reject);
    request.end(JSON.stringify({ query, variables }));
  });
  expect(response.statusCode).toBe(200);
  const ended = (async () => {
    let text = '';
    for await (const chunk of response) text += String(chunk);
    return text
      .split('\n\n')
      .filter((block) => block.startsWith('event:'))
      .map((block): SseEvent => {
        const lines = block.split('\n');
        const event = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length) ?? '';
        const data = lines.find((line) => line.startsWith('data: '))?.slice('data: '.length);
        const parsed: unknown = data ? JSON.parse(data) : undefined;
        return { event, data: parsed };
      });
  })();
  const tcpSocket = () => tcp ?? expect.fail('the request went out without the test socket');
  return { ended, pause: () => tcpSocket().pause(), resume: () => tcpSocket().resume() };
}
