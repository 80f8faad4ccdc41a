// One webhook delivery: the payload a finished discussion sends, its signature
// and headers, and one POST of it to an address that was checked (the
// connection goes to the very address that passed, with no second lookup).

import { createHash, createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { DiscussionRecord } from '../store/types.js';
import { isPrivateAddress, isPrivateHost } from './address.js';

export const WEBHOOK_EVENT = 'discussion.finished';
export const WEBHOOK_USER_AGENT = 'discussion-orchestrator-webhook/1';

/** What a queue keeps of a delivery: every attempt sends this same body to this URL. */
export interface WebhookDelivery {
  deliveryId: string;
  discussionId: string;
  url: string;
  /** The JSON text, exactly as sent and signed. */
  body: string;
}

/** The summary a finished discussion posts; the names are the GraphQL `Discussion` fields'. */
export interface WebhookPayload {
  deliveryId: string;
  event: typeof WEBHOOK_EVENT;
  discussion: {
    id: string;
    topic: string;
    status: string;
    stopReason: string | null;
    error: string | null;
    protocol: string;
    maxRounds: number;
    currentRound: number;
    turn: number;
    messageCount: number;
    usage: { inputTokens: number | null; outputTokens: number | null; totalTokens: number | null };
    createdAt: string;
    startedAt: string | null;
    finishedAt: string | null;
  };
}

/**
 * The same id for the same discussion ending the same way: every retry carries
 * it, and should the delivery be enqueued twice the queue keeps one. A UUID in
 * shape, made from a hash (a discussion reaches a final status once).
 */
export function webhookDeliveryId(record: Pick<DiscussionRecord, 'id' | 'status' | 'finishedAt'>): string {
  const hex = createHash('sha256')
    .update(`${WEBHOOK_EVENT}\n${record.id}\n${record.status}\n${record.finishedAt ?? ''}`)
    .digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function buildWebhookPayload(record: DiscussionRecord, deliveryId: string): WebhookPayload {
  const { inputTokens, outputTokens } = record.usage;
  return {
    deliveryId,
    event: WEBHOOK_EVENT,
    discussion: {
      id: record.id,
      topic: record.topic,
      status: record.status,
      stopReason: record.stopReason ?? null,
      error: record.error ?? null,
      protocol: record.protocol,
      maxRounds: record.maxRounds,
      currentRound: record.currentRound,
      turn: record.turn,
      messageCount: record.messageCount,
      usage: {
        inputTokens: inputTokens ?? null,
        outputTokens: outputTokens ?? null,
        totalTokens: inputTokens === undefined && outputTokens === undefined ? null : (inputTokens ?? 0) + (outputTokens ?? 0),
      },
      createdAt: record.createdAt,
      startedAt: record.startedAt ?? null,
      finishedAt: record.finishedAt ?? null,
    },
  };
}

/** The delivery of a discussion that has just ended, or undefined when it has no webhook. */
export function createWebhookDelivery(record: DiscussionRecord): WebhookDelivery | undefined {
  if (record.webhookUrl === undefined) return undefined;
  const deliveryId = webhookDeliveryId(record);
  return { deliveryId, discussionId: record.id, url: record.webhookUrl, body: JSON.stringify(buildWebhookPayload(record, deliveryId)) };
}

/** `sha256=<hex HMAC-SHA256 of the body's bytes>`, as the X-Signature-256 header carries it. */
export const signBody = (body: string, secret: string): string =>
  `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;

export function webhookHeaders(delivery: WebhookDelivery, attempt: number, secret: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(delivery.body, 'utf8')),
    'user-agent': WEBHOOK_USER_AGENT,
    'x-webhook-event': WEBHOOK_EVENT,
    'x-delivery-id': delivery.deliveryId,
    'x-delivery-attempt': String(attempt),
  };
  if (secret !== undefined) headers['x-signature-256'] = signBody(delivery.body, secret);
  return headers;
}

/** The target resolves to, or is, an address WEBHOOK_ALLOW_PRIVATE=true would be needed for: retrying cannot help. */
export class WebhookAddressError extends Error {
  constructor(what: string) {
    super(`${what} is a loopback, private or link-local address (set WEBHOOK_ALLOW_PRIVATE=true to allow it)`);
    this.name = 'WebhookAddressError';
  }
}

/** Every address of a name, as dns.lookup with `all` gives them; tests pass their own. */
export type ResolveAll = (
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const resolveWithSystem: ResolveAll = (hostname, options, callback) => dnsLookup(hostname, { ...options, all: true }, callback);

/** A lookup for the request that refuses private addresses: the connection is made to an address it returned, with no second lookup. */
function checkedLookup(allowPrivate: boolean, resolve: ResolveAll): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options, (error, addresses) => {
      if (error) return callback(error, []);
      const blocked = allowPrivate ? undefined : addresses.find((candidate) => isPrivateAddress(candidate.address));
      if (blocked) return callback(new WebhookAddressError(`the host resolves to ${blocked.address}, which`), []);
      const first = addresses[0];
      if (options.all) return callback(null, addresses);
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

export interface SendOptions {
  secret?: string;
  allowPrivate: boolean;
  /** The attempt this is, from 1 (sent as X-Delivery-Attempt). */
  attempt: number;
  timeoutMs: number;
  /** Aborts the request (shutdown). */
  signal?: AbortSignal;
  /** How names are resolved; the system's resolver by default. */
  resolve?: ResolveAll;
}

/** How one POST went: a 2xx, or why not and whether a retry could do better. */
export type SendOutcome = { ok: true; status: number } | { ok: false; retry: boolean; reason: string };

/** POSTs the delivery once. Never rejects: every failure is an outcome. */
export async function sendWebhook(delivery: WebhookDelivery, options: SendOptions): Promise<SendOutcome> {
  let url: URL;
  try {
    url = new URL(delivery.url);
  } catch {
    return { ok: false, retry: false, reason: 'the webhook URL does not parse' };
  }
  if (!options.allowPrivate && isPrivateHost(url.hostname)) {
    return { ok: false, retry: false, reason: new WebhookAddressError('the host').message };
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const { signal, timeoutMs } = options;
  let timedOut = false;
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const outgoing = request(
        url,
        // agent false: a connection of its own, closed after the answer (nothing idles in a pool after shutdown).
        {
          method: 'POST',
          headers: webhookHeaders(delivery, options.attempt, options.secret),
          lookup: checkedLookup(options.allowPrivate, options.resolve ?? resolveWithSystem),
          agent: false,
        },
        (response: IncomingMessage) => {
          // The answer's body is not read, only drained.
          response.resume();
          response.on('end', () => finish(() => resolve(response.statusCode ?? 0)));
          response.on('close', () => finish(() => reject(new Error('the answer was cut off'))));
        },
      );
      // A timer and a listener held here, not AbortSignal.timeout/any: a combined signal that nothing
      // references can be garbage-collected before it fires, leaving the request (and a shutdown) hanging.
      const timer = setTimeout(() => {
        timedOut = true;
        outgoing.destroy(new Error('timed out'));
      }, timeoutMs);
      const abort = () => outgoing.destroy(new Error('aborted'));
      signal?.addEventListener('abort', abort, { once: true });
      let settled = false;
      function finish(settle: () => void): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', abort);
        settle();
      }
      outgoing.on('error', (error) => finish(() => reject(error)));
      if (signal?.aborted) abort();
      else outgoing.end(delivery.body);
    });
    if (status >= 200 && status < 300) return { ok: true, status };
    return { ok: false, retry: true, reason: `the receiver answered HTTP ${status}` };
  } catch (error) {
    if (error instanceof WebhookAddressError) return { ok: false, retry: false, reason: error.message };
    if (timedOut) return { ok: false, retry: true, reason: `no answer within ${timeoutMs} ms` };
    if (signal?.aborted) return { ok: false, retry: true, reason: 'aborted by a shutdown' };
    return { ok: false, retry: true, reason: describeNetworkError(error) };
  }
}

/** A network error's code and message (such as "ECONNREFUSED"); never the URL, which a query string may make secret. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return 'the request failed';
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return code ?? error.name;
}
