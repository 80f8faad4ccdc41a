// The behaviour every ChatModel adapter must show against its vendor's wire
// format: the real vendor SDK (or the claude binary) talks to the local fake
// vendor. Each adapter's test file runs this suite with its own options, and
// keeps only what is its vendor's alone: converters, mappers, the request it
// sends, odd wire details.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderErrorKind } from '../../src/providers/errors.js';
import type { ChatModel } from '../../src/providers/types.js';
import { startFakeVendor, type FakeResponse, type FakeVendor, type FakeVendorName, type RecordedRequest } from '../fake-vendor/server.js';
import { abortAfterFirstDelta, collectParts, createChatRequest, errorOf, finishOf, textOf } from '../fake-vendor/stream-parts.js';

export interface FakeVendorSetup {
  /** A new server for every test instead of one per file, reset before each test. */
  freshPerTest?: boolean;
  /** Where the server reports paths it does not speak. */
  log?: (line: string) => void;
}

/** Starts the fake vendor around the enclosing suite; the accessor returns the current server. */
export function useFakeVendor({ freshPerTest = false, log }: FakeVendorSetup = {}): () => FakeVendor {
  let current: FakeVendor | undefined;
  const start = async (): Promise<void> => {
    current = await startFakeVendor(log === undefined ? {} : { log });
  };
  const stop = async (): Promise<void> => {
    await current?.close();
    current = undefined;
  };
  if (freshPerTest) {
    beforeEach(start);
    afterEach(stop);
  } else {
    beforeAll(start);
    afterAll(stop);
    beforeEach(() => current?.reset());
  }
  return () => {
    if (current === undefined) throw new Error('the fake vendor is not running');
    return current;
  };
}

export interface ChatModelContractOptions {
  /** The running fake vendor (from `useFakeVendor`), which the vendor's own tests share. */
  fake: () => FakeVendor;
  /** The adapter under test, pointed at the fake, retrying at most `maxRetries` times. */
  createModel: (maxRetries: number) => ChatModel;
  /** The key the adapter sends; no error message may contain it. */
  apiKey: string;
  /** The vendor's generation requests (default: every request of its wire format). */
  generationRequests?: () => RecordedRequest[];
  reply: {
    /** The model the request names. */
    model: string;
    /** What the vendor must have received: the request in its own shape, and anything else the reply must leave behind. */
    checkRequest: (request: RecordedRequest) => void | Promise<void>;
  };
  /** The vendor's stop reason for a reply cut at the token limit. */
  lengthStopReason: string;
  /** Where the vendor says how long to wait before retrying: only names the test. */
  retryDelayCarrier: string;
  /** The status the vendor answers when it is overloaded, and the message we make of it. */
  overloaded: { status: number; message: string };
  unauthorized: {
    /** The body's message, quoting the key; omitted: the fake's own body for the status, which must quote it. */
    message?: string;
    /** Vendor wording from that body that must not reach our message. */
    vendorText: string;
    /** The vendor's client retries a 401 itself, so only with retries off is there exactly one request. */
    retriedByVendor?: boolean;
  };
  /** The in-band error the vendor sends mid-stream (its own type name) and the kind it maps to. */
  inBandError: { type: string; kind: ProviderErrorKind };
  /** The stream tells input tokens at its start (Anthropic's message_start), so a cancelled reply still reports them. */
  inputTokensKnownBeforeEnd: boolean;
  /** Scenarios this vendor cannot show, each with the reason; they are not run for it (no skipped test stands in). */
  exceptions?: {
    missingUsage?: string;
    streamCutAfterText?: string;
  };
}

function itUnlessExcepted(reason: string | undefined, name: string, test: () => Promise<void>): void {
  if (reason === undefined) it(name, test);
}

function onlyOne(requests: readonly RecordedRequest[]): RecordedRequest {
  const [request] = requests;
  if (request === undefined || requests.length !== 1) throw new Error(`expected one request, got ${requests.length}`);
  return request;
}

export function describeChatModelContract(vendor: FakeVendorName, options: ChatModelContractOptions): void {
  const { fake, createModel, apiKey, exceptions = {} } = options;
  const requests = options.generationRequests ?? (() => fake().requestsFor(vendor));
  const script = (...responses: FakeResponse[]): void => fake().script(vendor, ...responses);
  const streamParts = async (maxRetries = 0) => collectParts(createModel(maxRetries).stream(createChatRequest()));

  describe('ChatModel contract', () => {
    describe('a reply', () => {
      it('streams the text deltas, then finish with the reported usage', async () => {
        script({ chunks: ['Because', ' columns', ' line up.'], usage: { inputTokens: 42, outputTokens: 9 } });
        const parts = await collectParts(createModel(0).stream(createChatRequest({ model: options.reply.model })));

        expect(textOf(parts)).toBe('Because columns line up.');
        expect(parts.filter((part) => part.type === 'text-delta')).toHaveLength(3);
        expect(finishOf(parts)).toEqual({ finishReason: 'stop', usage: { inputTokens: 42, outputTokens: 9 } });
        await options.reply.checkRequest(onlyOne(requests()));
      });

      itUnlessExcepted(exceptions.missingUsage, 'leaves usage undefined when the vendor reports none', async () => {
        script({ usage: null });
        expect(finishOf(await streamParts()).usage).toEqual({ inputTokens: undefined, outputTokens: undefined });
      });

      it(`ends with length when the vendor stops with ${options.lengthStopReason}`, async () => {
        script({ chunks: ['Cut', ' short'], stopReason: options.lengthStopReason, usage: { inputTokens: 20, outputTokens: 2 } });
        const parts = await streamParts();
        expect(textOf(parts)).toBe('Cut short');
        expect(finishOf(parts)).toEqual({ finishReason: 'length', usage: { inputTokens: 20, outputTokens: 2 } });
      });
    });

    describe('HTTP errors', () => {
      it(`retries a 429 after the delay in ${options.retryDelayCarrier}, then succeeds`, async () => {
        script({ status: 429, retryAfter: 1 }, { chunks: ['Second', ' try'] });
        const parts = await streamParts(1);
        expect(textOf(parts)).toBe('Second try');
        expect(finishOf(parts).finishReason).toBe('stop');
        const [first, second] = requests();
        expect(requests()).toHaveLength(2);
        // the client's own backoff would be shorter than the second the vendor asked for
        expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(900);
      });

      it('reports a 429 as rate limited once retries are used up', async () => {
        script({ status: 429, retryAfter: 1 }, { status: 429, retryAfter: 1 });
        expect(errorOf(await streamParts(0))).toMatchObject({ kind: 'rate_limited', retryable: true, status: 429 });
        expect(requests()).toHaveLength(1);
      });

      it(`reports ${options.overloaded.status} as overloaded once retries are used up`, async () => {
        script({ status: options.overloaded.status });
        const error = errorOf(await streamParts());
        expect(error).toMatchObject({ kind: 'overloaded', retryable: true, status: options.overloaded.status });
        expect(error.message).toBe(options.overloaded.message);
      });

      const { message, vendorText, retriedByVendor = false } = options.unauthorized;
      const unauthorizedName = retriedByVendor ? 'with retries off, sends a 401 once' : 'does not retry a 401';
      it(`${unauthorizedName} and keeps the key and the vendor’s text out of the message`, async () => {
        script(message === undefined ? { status: 401 } : { status: 401, message });
        const error = errorOf(await streamParts(retriedByVendor ? 0 : 2));
        expect(error).toMatchObject({ kind: 'authentication', retryable: false, status: 401 });
        expect(requests()).toHaveLength(1);
        expect(error.message).not.toContain(apiKey);
        expect(error.message).not.toContain(vendorText);
      });

      it('reports a 500 as a server error', async () => {
        script({ status: 500 });
        expect(errorOf(await streamParts())).toMatchObject({ kind: 'server', retryable: true, status: 500 });
      });
    });

    describe('a broken stream', () => {
      itUnlessExcepted(exceptions.streamCutAfterText, 'does not retry a stream cut after some text: an error part ends it', async () => {
        script({ chunks: ['One', ' two', ' three'], cutAfter: 2 });
        const parts = await streamParts(2);
        expect(textOf(parts)).toBe('One two');
        expect(errorOf(parts)).toMatchObject({ kind: 'network', retryable: true });
        expect(requests()).toHaveLength(1);
      });

      it(`ends with an error part on an in-band ${options.inBandError.type}, without the key`, async () => {
        script({ chunks: ['Partial'], inBandError: options.inBandError.type, message: `Something went wrong ${apiKey}` });
        const parts = await streamParts(2);
        expect(textOf(parts)).toBe('Partial');
        const error = errorOf(parts);
        expect(error).toMatchObject({ kind: options.inBandError.kind, retryable: true });
        expect(error.message).not.toContain(apiKey);
        expect(requests()).toHaveLength(1);
      });
    });

    describe('cancellation', () => {
      it('cancels a hanging stream at once and the vendor sees the connection close', async () => {
        script({ chunks: ['Partial'], hang: true, usage: { inputTokens: 30, outputTokens: 99 } });
        const { parts, millisecondsAfterAbort } = await abortAfterFirstDelta((signal) =>
          createModel(0).stream(createChatRequest({ signal })),
        );
        expect(textOf(parts)).toBe('Partial');
        // output tokens are only counted at the end, which never came
        const inputTokens = options.inputTokensKnownBeforeEnd ? 30 : undefined;
        expect(finishOf(parts)).toEqual({ finishReason: 'cancelled', usage: { inputTokens, outputTokens: undefined } });
        expect(millisecondsAfterAbort).toBeLessThan(1_000);
        await expect(requests()[0]?.closed).resolves.toEqual({ completed: false });
      });

      it('stops at once when the signal aborts while waiting to retry', async () => {
        script({ status: 429, retryAfter: 20 });
        const controller = new AbortController();
        const stream = createModel(1).stream(createChatRequest({ signal: controller.signal }));
        void fake()
          .waitForRequests(1, vendor)
          .then(() => controller.abort());
        const started = performance.now();
        expect(finishOf(await collectParts(stream)).finishReason).toBe('cancelled');
        expect(performance.now() - started).toBeLessThan(5_000);
        expect(requests()).toHaveLength(1);
      });

      it('ends with finish cancelled when the signal is already aborted', async () => {
        const controller = new AbortController();
        controller.abort();
        const parts = await collectParts(createModel(0).stream(createChatRequest({ signal: controller.signal })));
        expect(finishOf(parts).finishReason).toBe('cancelled');
        expect(requests()).toHaveLength(0);
      });
    });
  });
}
