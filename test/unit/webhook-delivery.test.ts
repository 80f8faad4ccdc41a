/**
 * The pure parts of webhooks (which addresses are refused, the payload, its
 * signature and headers), one POST against a local receiver (the address that
 * was checked is the one connected to), and the in-process queue's retries.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ipv6Groups, isPrivateAddress, isPrivateHost, webhookUrlProblem } from '../../src/webhooks/address.js';
import * as deliver from '../../src/webhooks/deliver.js';
import { createInProcessWebhookQueue } from '../../src/webhooks/webhook-queue.js';
import { makeRecord } from '../store/fixtures.js';
import { captureLogText } from '../support/logs.js';

const SECRET = 'unit-webhook-secret-0123456789';

describe('webhook addresses', () => {
  const privateAddresses = [
    ...['127.0.0.1', '127.255.255.254', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1'],
    ...['0.0.0.0', '224.0.0.1', '255.255.255.255', '198.18.0.1', '192.0.0.8'],
    ...['::1', '::', 'fe80::1', 'fe80::1%eth0', 'febf:ffff::1', 'fc00::1', 'fd12:3456::1', 'fec0::1', 'ff02::1', '100::1'],
    // IPv4-mapped, -compatible, NAT64 and 6to4 forms of private IPv4 addresses
    ...['::ffff:127.0.0.1', '::ffff:7f00:1', '::FFFF:10.0.0.1', '::ffff:192.168.0.1', '::ffff:169.254.169.254', '::127.0.0.1'],
    ...['64:ff9b::10.0.0.1', '64:ff9b::a9fe:a9fe', '64:ff9b:1::1', '2002:7f00:1::', '2002:c0a8:101::1'],
  ];
  const publicAddresses = [
    ...['8.8.8.8', '1.1.1.1', '172.15.255.255', '172.32.0.0', '100.63.255.255', '100.128.0.0', '169.253.255.255', '192.169.0.1'],
    ...[
      '2001:4860:4860::8888',
      '2606:4700:4700::1111',
      '2a00:1450:4001:81b::200e',
      '::ffff:8.8.8.8',
      '64:ff9b::8.8.8.8',
      '2002:808:808::1',
    ],
  ];
  it.each(privateAddresses)('refuses %s', (address) => expect(isPrivateAddress(address)).toBe(true));
  it.each(publicAddresses)('allows %s', (address) => expect(isPrivateAddress(address)).toBe(false));
  it('treats what is not an IP address as refused', () => expect(isPrivateAddress('example.com')).toBe(true));

  it('expands IPv6 addresses to their eight groups', () => {
    expect(ipv6Groups('::ffff:127.0.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(ipv6Groups('2001:db8::8:800:200c:417a')).toEqual([0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a]);
    expect(ipv6Groups('1::')).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(ipv6Groups('10.0.0.1')).toBeUndefined();
  });

  // Hosts as the URL parser spells them: decimal, hex and short IPv4 forms become dotted decimal.
  it.each([
    ...['http://localhost/', 'http://LOCALHOST./', 'http://api.localhost/', 'http://127.1/', 'http://2130706433/', 'http://0x7f.0.0.1/'],
    ...['http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://0/', 'http://10.0.0.1:8080/', 'http://[fd00::1]/'],
  ])('refuses the host of %s', (url) => expect(isPrivateHost(new URL(url).hostname)).toBe(true));
  it.each(['https://example.com/', 'http://8.8.8.8/', 'http://[2001:4860:4860::8888]/', 'http://localhost.example.com/'])(
    'leaves the host of %s to the delivery-time check',
    (url) => expect(isPrivateHost(new URL(url).hostname)).toBe(false),
  );

  it('accepts http(s) URLs without credentials, up to 2,000 characters', () => {
    expect(webhookUrlProblem('https://hooks.example.com/x?token=1')).toBeUndefined();
    expect(webhookUrlProblem('ftp://example.com/')).toBe('must be an http or https URL');
    expect(webhookUrlProblem('javascript:alert(1)')).toBe('must be an http or https URL');
    expect(webhookUrlProblem('http://user:pw@example.com/')).toMatch(/user name or password/);
    expect(webhookUrlProblem('http://token@example.com/')).toMatch(/user name or password/);
    expect(webhookUrlProblem('not a url')).toBe('is not a URL');
    expect(webhookUrlProblem(`https://example.com/${'a'.repeat(2_000)}`)).toMatch(/at most 2,000/);
    // Short as typed, long as stored: each space becomes %20.
    expect(webhookUrlProblem(`https://example.com/${' x'.repeat(700)}`)).toMatch(/at most 2,000 characters once encoded/);
  });
});

describe('webhook payload and signature', () => {
  const record = makeRecord({
    topic: 'Ünïcode tópic',
    status: 'COMPLETED',
    stopReason: 'max_rounds',
    usage: { inputTokens: 12, outputTokens: 30 },
    startedAt: '2025-03-01T10:00:01.000Z',
    finishedAt: '2025-03-01T10:05:00.000Z',
    webhookUrl: 'https://hooks.example.com/in',
  });

  it('gives one delivery id per discussion and final status, in UUID shape', () => {
    const id = deliver.webhookDeliveryId(record);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deliver.webhookDeliveryId({ ...record })).toBe(id);
    expect(deliver.webhookDeliveryId(makeRecord({ status: 'COMPLETED', finishedAt: record.finishedAt }))).not.toBe(id);
  });

  it('summarises the discussion with the GraphQL field names, null for what is unset', () => {
    const payload = deliver.buildWebhookPayload(record, 'delivery-1');
    expect(payload).toEqual({
      deliveryId: 'delivery-1',
      event: 'discussion.finished',
      discussion: {
        ...{ id: record.id, topic: record.topic, status: 'COMPLETED', stopReason: 'max_rounds', error: null, protocol: 'ROUND_ROBIN' },
        ...{ maxRounds: 3, currentRound: 0, turn: 0, messageCount: 0, usage: { inputTokens: 12, outputTokens: 30, totalTokens: 42 } },
        ...{ createdAt: record.createdAt, startedAt: record.startedAt, finishedAt: record.finishedAt },
      },
    });
    expect(deliver.buildWebhookPayload(makeRecord(), 'x').discussion.usage).toEqual({
      inputTokens: null,
      outputTokens: null,
      totalTokens: null,
    });
    expect(deliver.createWebhookDelivery(makeRecord())).toBeUndefined();
  });

  it('signs the exact body bytes with HMAC-SHA256 and sends the headers a receiver needs', () => {
    const delivery = deliver.createWebhookDelivery(record);
    if (!delivery) throw new Error('no delivery');
    expect(JSON.parse(delivery.body)).toEqual(deliver.buildWebhookPayload(record, delivery.deliveryId));
    const headers = deliver.webhookHeaders(delivery, 2, SECRET);
    const expected = `sha256=${createHmac('sha256', SECRET).update(Buffer.from(delivery.body, 'utf8')).digest('hex')}`;
    expect(timingSafeEqual(Buffer.from(headers['x-signature-256'] ?? ''), Buffer.from(expected))).toBe(true);
    expect(deliver.signBody(`${delivery.body} `, SECRET)).not.toBe(expected);
    expect(headers).toMatchObject({ 'content-type': 'application/json', 'x-delivery-id': delivery.deliveryId, 'x-delivery-attempt': '2' });
    expect(headers['content-length']).toBe(String(Buffer.byteLength(delivery.body)));
    expect(headers['user-agent']).toMatch(/webhook/);
    expect(deliver.webhookHeaders(delivery, 1, undefined)).not.toHaveProperty('x-signature-256');
  });
});

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 that answers each request with the next status (then 200), or never with `hang`. */
async function startReceiver(statuses: (number | 'hang')[] = []) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = statuses[received.length - 1] ?? 200;
      if (status !== 'hang') response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the receiver is not on a TCP port');
  const { port } = address;
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { received, port, url: `http://127.0.0.1:${port}`, close };
}

const receivers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});
const receiver = async (statuses?: (number | 'hang')[]) => {
  const started = await startReceiver(statuses);
  receivers.push(started);
  return started;
};

const deliveryTo = (url: string): deliver.WebhookDelivery => ({ deliveryId: 'd-1', discussionId: 'disc-1', url, body: '{"a":"ü"}' });
/** A resolver that answers every name with these addresses. */
const resolveTo =
  (...addresses: string[]): deliver.ResolveAll =>
  (_hostname, _options, callback) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

describe('sendWebhook', () => {
  const options = { allowPrivate: true, attempt: 1, timeoutMs: 5_000, secret: SECRET };

  it('POSTs the exact body and counts a 2xx as delivered, anything else as worth a retry', async () => {
    const target = await receiver([500]);
    expect(await deliver.sendWebhook(deliveryTo(`${target.url}/hook`), options)).toEqual({
      ok: false,
      retry: true,
      reason: 'the receiver answered HTTP 500',
    });
    expect(await deliver.sendWebhook(deliveryTo(`${target.url}/hook`), options)).toEqual({ ok: true, status: 200 });
    expect(target.received.map((request) => request.body)).toEqual(['{"a":"ü"}', '{"a":"ü"}']);
    expect(target.received[1]?.headers['x-signature-256']).toBe(deliver.signBody('{"a":"ü"}', SECRET));
  });

  it('refuses a private host, literal or resolved, before anything is sent', async () => {
    const target = await receiver();
    const refused = { ok: false, retry: false, reason: expect.stringMatching(/WEBHOOK_ALLOW_PRIVATE/) as unknown };
    expect(await deliver.sendWebhook(deliveryTo(target.url), { ...options, allowPrivate: false })).toEqual(refused);
    const byName = deliveryTo(`http://receiver.example:${target.port}/`);
    expect(await deliver.sendWebhook(byName, { ...options, allowPrivate: false, resolve: resolveTo('127.0.0.1') })).toEqual(refused);
    // One private address among public ones is enough to refuse.
    expect(await deliver.sendWebhook(byName, { ...options, allowPrivate: false, resolve: resolveTo('8.8.8.8', '127.0.0.1') })).toEqual(
      refused,
    );
    expect(target.received).toEqual([]);
  });

  it('connects to the address it checked, with the name in the Host header', async () => {
    const target = await receiver();
    const byName = deliveryTo(`http://receiver.example:${target.port}/`);
    expect(await deliver.sendWebhook(byName, { ...options, resolve: resolveTo('127.0.0.1') })).toEqual({ ok: true, status: 200 });
    expect(target.received[0]?.headers.host).toBe(`receiver.example:${target.port}`);
  });

  it('gives up on an attempt after the timeout, at a shutdown, and on a refused connection, all worth a retry', async () => {
    const silent = await receiver(['hang', 'hang']);
    const timedOut = await deliver.sendWebhook(deliveryTo(silent.url), { ...options, timeoutMs: 200 });
    expect(timedOut).toEqual({ ok: false, retry: true, reason: 'no answer within 200 ms' });
    const shutdown = new AbortController();
    const held = deliver.sendWebhook(deliveryTo(silent.url), { ...options, signal: shutdown.signal, timeoutMs: 60_000 });
    await vi.waitFor(() => expect(silent.received).toHaveLength(2), { timeout: 20_000, interval: 10 });
    shutdown.abort();
    expect(await held).toEqual({ ok: false, retry: true, reason: 'aborted by a shutdown' });
    const closed = await receiver();
    await closed.close();
    expect(await deliver.sendWebhook(deliveryTo(closed.url), options)).toEqual({ ok: false, retry: true, reason: 'ECONNREFUSED' });
  });
});

const logLine = z.looseObject({ level: z.number(), msg: z.string() });

const captureLogs = () => captureLogText('debug');

describe('the in-process webhook queue', () => {
  const retry = { retryDelayMs: 5, attempts: 3 };

  it('retries with backoff until a 2xx, with the same body and delivery id; gives up with a warning that keeps secrets out', async () => {
    const target = await receiver([500, 503, 200, 500, 500, 500]);
    const logs = captureLogs();
    const queue = createInProcessWebhookQueue({ secret: SECRET, allowPrivate: true, logger: logs.logger, retry });
    queue.startWorker();
    const record = makeRecord({
      status: 'COMPLETED',
      finishedAt: '2025-03-01T10:05:00.000Z',
      webhookUrl: `${target.url}/p?token=query-token`,
    });
    await queue.finished(record);
    await vi.waitFor(() => expect(target.received).toHaveLength(3), { timeout: 20_000, interval: 10 });
    expect(target.received.map((request) => request.headers['x-delivery-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(target.received.map((request) => `${String(request.headers['x-delivery-id'])} ${request.body}`)).size).toBe(1);

    const failing = makeRecord({
      status: 'FAILED',
      finishedAt: '2025-03-01T10:06:00.000Z',
      webhookUrl: `${target.url}/secret-path?token=query-token`,
    });
    await queue.finished(failing);
    await vi.waitFor(() => expect(logs.text()).toMatch(/giving up/), { timeout: 20_000, interval: 10 });
    await queue.close();
    expect(target.received).toHaveLength(6);
    const gaveUp = logs.lines.map((line) => logLine.parse(JSON.parse(line))).find((line) => line.level === 40);
    expect(gaveUp).toMatchObject({
      discussionId: failing.id,
      deliveryId: deliver.webhookDeliveryId(failing),
      attempts: 3,
      target: target.url,
    });
    for (const secret of [SECRET, 'query-token', 'secret-path']) expect(logs.text()).not.toContain(secret);
  });

  it('keeps one delivery of a delivery id enqueued twice', async () => {
    const target = await receiver();
    const logs = captureLogs();
    const queue = createInProcessWebhookQueue({ allowPrivate: true, logger: logs.logger, retry });
    const record = makeRecord({ status: 'STOPPED', webhookUrl: target.url });
    await queue.finished(record);
    await queue.finished({ ...record });
    queue.startWorker();
    // A later delivery, sent after the duplicate would have been: once it is in, so would the duplicate be.
    await queue.finished(makeRecord({ status: 'STOPPED', webhookUrl: target.url }));
    await vi.waitFor(() => expect(logs.lines.filter((line) => line.includes('webhook delivered'))).toHaveLength(2), { timeout: 20_000 });
    await queue.close();
    expect(target.received.map((request) => request.headers['x-delivery-id'])).toEqual([
      deliver.webhookDeliveryId(record),
      expect.any(String),
    ]);
  });
});
