import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

type MaybePromise<T> = T | Promise<T>;

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
 */
export function useSharedSubscriptionResults({ scopeOf }: { scopeOf: ShareScope }): Plugin {
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
    const run = () => execute({ ...args, rootValue: event });
    if (key === undefined || typeof event !== 'object' || event === null) return run();
    let results = resultsByEvent.get(event);
    if (!results) {
      results = new Map();
      resultsByEvent.set(event, results);
    }
    let result = results.get(key);
    if (result === undefined) {
      result = run();
      results.set(key, result);
    }
    return result;
  };

  const subscribeShared = async (args: ExecutionArgs) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const key = shareKey(args);
    return mapResults(source, (event) => executeEvent(args, key, event));
  };

  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribeShared);
    },
  };
}
