import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { bypassWhileWaiting } from '../events/async-queue.js';
import { ownUtf8 } from './ws-text-frame.js';

type MaybePromise<T> = T | Promise<T>;

const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise;

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/** Maps an async iterable with a function that may return a promise; `return()` reaches the source at once. */
function mapResults<T>(source: AsyncIterable<unknown>, map: (event: unknown) => MaybePromise<T>): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  return {
    async next(): Promise<IteratorResult<T>> {
      const result = await iterator.next();
      if (result.done) return { value: undefined, done: true };
      return { value: await map(result.value), done: false };
    },
    async return(): Promise<IteratorResult<T>> {
      await iterator.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * What makes two subscriptions' results for one event the same: the document,
 * the operation, the variables, and who asks (a field may read its context).
 */
export type ShareScope = (contextValue: unknown) => string | undefined;

/**
 * Writes one `next` message carrying this payload (a result's JSON, UTF-8)
 * straight to the subscriber's connection; false when it cannot now (the
 * connection closed, the subscription completed, or its writes are backed up).
 */
export type SendPayload = (payload: Buffer) => boolean;

/**
 * Executes each subscription event once per distinct subscription, not once per
 * subscriber: every socket or SSE stream that subscribed with the same document,
 * operation name, variables and scope gets the same result object for the same
 * event object (events of one discussion are one object per process, shared by
 * its subscribers). GraphQL semantics stay exact: the result is what executing
 * that document on that event gives; it is just computed once.
 *
 * Events that are not objects (a discussionUpdated id) or that are one
 * subscriber's own (a replayed entry, tokens joined for a slow consumer) are
 * executed for that subscriber alone. A scope of undefined shares nothing.
 *
 * Where the transport can write a payload itself (`sendPayloadOf`), a shared
 * result without errors skips the subscriber's own path (its async iterators,
 * the per-result hooks, the transport's loop) whenever that path is idle, its
 * source being a queue waiting for its consumer with nothing queued: the result
 * is serialized and encoded once and written to every such subscriber. Order holds, since
 * an idle path has written all it was handed. Results with errors, and every
 * result while the path is busy, go the usual way; the per-result hooks of the
 * other plugins (masking errors, counting them) act only on errors.
 */
export function useSharedSubscriptionResults({
  scopeOf,
  sendPayloadOf,
}: {
  scopeOf: ShareScope;
  /** How a transport writes a subscriber's results itself (graphql-ws does); undefined: it does not. */
  sendPayloadOf?: (contextValue: unknown) => SendPayload | undefined;
}): Plugin {
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  const resultsByEvent = new WeakMap<object, Map<string, MaybePromise<ExecutionResult>>>();

  const documentId = (document: DocumentNode): number => {
    let id = documentIds.get(document);
    if (id === undefined) {
      id = nextDocumentId++;
      documentIds.set(document, id);
    }
    return id;
  };

  const shareKey = (args: ExecutionArgs): string | undefined => {
    const scope = scopeOf(args.contextValue);
    if (scope === undefined) return undefined;
    return JSON.stringify([documentId(args.document), args.operationName ?? null, args.variableValues ?? null, scope]);
  };

  const executeEvent = (args: ExecutionArgs, key: string | undefined, event: unknown): MaybePromise<ExecutionResult> => {
    if (key === undefined || typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
    let results = resultsByEvent.get(event);
    if (!results) {
      results = new Map();
      resultsByEvent.set(event, results);
    }
    let result = results.get(key);
    if (result === undefined) {
      result = execute({ ...args, rootValue: event });
      results.set(key, result);
    }
    return result;
  };

  const payloads = new WeakMap<ExecutionResult, Buffer>();
  const payloadOf = (result: ExecutionResult): Buffer => {
    let payload = payloads.get(result);
    if (payload === undefined) {
      // Its own memory: a slow subscriber's queue can keep the event, and with it this, for a while.
      payload = ownUtf8(JSON.stringify(result));
      payloads.set(result, payload);
    }
    return payload;
  };

  /** A shared result without errors, written once as JSON for every subscriber's transport; false: it goes the usual way. */
  const sendDirectly = (args: ExecutionArgs, key: string, event: unknown, send: SendPayload): boolean => {
    if (typeof event !== 'object' || event === null) return false;
    const result = executeEvent(args, key, event);
    if (isPromise(result) || result.errors !== undefined) return false;
    return send(payloadOf(result));
  };

  const subscribeShared = async (args: ExecutionArgs) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const key = shareKey(args);
    const send = key === undefined ? undefined : sendPayloadOf?.(args.contextValue);
    if (key !== undefined && send) bypassWhileWaiting(source, (event) => sendDirectly(args, key, event, send));
    return mapResults(source, (event) => executeEvent(args, key, event));
  };

  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribeShared);
    },
  };
}
