import type { ExecutionResult, GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { isGraphQLError } from '../schema/errors.js';

type ResultProcessEvent = Parameters<NonNullable<Plugin['onResultProcess']>>[0];
/** yoga's ResultProcessor, which its index does not export. */
type ResultProcessor = Parameters<ResultProcessEvent['setResultProcessor']>[0];

/** How often an idle stream sends an empty part, as Apollo's protocol asks, so proxies keep it open. */
export const MULTIPART_HEARTBEAT_MS = 5_000;

const BOUNDARY = 'graphql';
const CONTENT_TYPE = `multipart/mixed; boundary="${BOUNDARY}"; subscriptionSpec="1.0"`;
const PART_HEAD = `\r\n--${BOUNDARY}\r\ncontent-type: application/json; charset=utf-8\r\n\r\n`;
const END = `\r\n--${BOUNDARY}--\r\n`;

/** Whether the request asks for Apollo's multipart subscriptions (`multipart/mixed;subscriptionSpec=1.0`). */
function wantsMultipartSubscription(request: Request): boolean {
  const accept = request.headers.get('accept') ?? '';
  return accept
    .toLowerCase()
    .replace(/\s/g, '')
    .split(',')
    .some((type) => type.startsWith('multipart/mixed;') && type.split(';').includes('subscriptionspec=1.0'));
}

/** An error as the wire shows it: yoga's internals (`http`, `unexpected`) left out, like yoga's own processors do. */
function wireError(error: GraphQLError) {
  const { message, locations, path, extensions } = error.toJSON();
  const { http: _http, unexpected: _unexpected, ...rest } = extensions ?? {};
  return { message, locations, path, extensions: Object.keys(rest).length > 0 ? rest : undefined };
}

function payloadPart(result: ExecutionResult): string {
  const { http: _http, ...extensions } = result.extensions ?? {};
  const payload = {
    data: result.data,
    errors: result.errors?.map(wireError),
    extensions: Object.keys(extensions).length > 0 ? extensions : undefined,
  };
  return PART_HEAD + JSON.stringify({ payload });
}

/**
 * Streams a subscription as Apollo's multipart HTTP protocol: each result is
 * a part `{"payload": result}`, an idle stream sends `{}` every
 * MULTIPART_HEARTBEAT_MS, and an error that ends the stream is a last part
 * `{"payload": null, "errors": [...]}`. Pull-based like yoga's SSE body, so a
 * client that does not read stops the pulling and the subscriber's bounded
 * queue takes over.
 */
function processMultipartSubscription(heartbeatMs: number): ResultProcessor {
  return (result, fetchAPI) => {
    if (!isAsyncIterable(result)) throw new TypeError('a multipart subscription needs an async iterable result');
    const iterator: AsyncIterator<ExecutionResult> = result[Symbol.asyncIterator]();
    const encoder = new fetchAPI.TextEncoder();
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    let sentSinceBeat = false;
    const stopBeating = () => clearInterval(heartbeat);
    const body = new fetchAPI.ReadableStream<Uint8Array>({
      start(controller) {
        heartbeat = setInterval(() => {
          if (!sentSinceBeat) controller.enqueue(encoder.encode(`${PART_HEAD}{}`));
          sentSinceBeat = false;
        }, heartbeatMs);
        heartbeat.unref();
      },
      async pull(controller) {
        try {
          const step = await iterator.next();
          if (step.done === true) {
            stopBeating();
            controller.enqueue(encoder.encode(END));
            controller.close();
            return;
          }
          sentSinceBeat = true;
          controller.enqueue(encoder.encode(payloadPart(step.value)));
        } catch (error) {
          // The masking plugin has already coded and masked what reaches a client; anything else is not shown.
          stopBeating();
          const errors = [
            isGraphQLError(error) ? wireError(error) : { message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
          ];
          controller.enqueue(encoder.encode(PART_HEAD + JSON.stringify({ payload: null, errors }) + END));
          controller.close();
        }
      },
      async cancel() {
        // The client hung up: end the subscription, which unsubscribes its listener.
        stopBeating();
        await iterator.return?.();
      },
    });
    return new fetchAPI.Response(body, { status: 200, headers: { 'content-type': CONTENT_TYPE, 'cache-control': 'no-cache' } });
  };
}

/**
 * Apollo Client's HttpLink sends subscriptions as multipart HTTP, which yoga
 * answers with 406 (its multipart processor is for incremental delivery only).
 * This serves them when no other transport the client accepts (SSE) was
 * chosen.
 */
export function useMultipartSubscriptions({ heartbeatMs = MULTIPART_HEARTBEAT_MS }: { heartbeatMs?: number } = {}): Plugin {
  const processor = processMultipartSubscription(heartbeatMs);
  return {
    onResultProcess({ request, result, resultProcessor, setResultProcessor, acceptableMediaTypes }) {
      if (!isAsyncIterable(result)) return;
      acceptableMediaTypes.push('multipart/mixed');
      if (resultProcessor === undefined && wantsMultipartSubscription(request)) {
        setResultProcessor(processor, 'multipart/mixed');
      }
    },
  };
}
