/**
 * An unbounded push/pull queue exposed as an async iterator. Unlike an async
 * generator, `return()` settles at once even while a `next()` is waiting, so a
 * client that unsubscribes never leaves a listener behind.
 */
export interface AsyncQueue<T> {
  push(item: T): void;
  /** Ends the iterator after the items already queued; with an error, fails it instead. */
  end(error?: unknown): void;
  readonly ended: boolean;
  iterator: AsyncIterableIterator<T>;
}

export function createAsyncQueue<T>(onClose: () => void): AsyncQueue<T> {
  const items: T[] = [];
  const waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    onClose();
  };

  const settleWaiting = () => {
    while (waiting.length > 0 && (items.length > 0 || ended)) {
      const waiter = waiting.shift();
      if (!waiter) break;
      const item = items.shift();
      if (item !== undefined) waiter.resolve({ value: item, done: false });
      else if (failure) waiter.reject(failure.error);
      else waiter.resolve({ value: undefined, done: true });
    }
  };

  const iterator: AsyncIterableIterator<T> = {
    async next() {
      const item = items.shift();
      if (item !== undefined) return { value: item, done: false };
      if (ended) {
        close();
        if (failure) throw failure.error;
        return { value: undefined, done: true };
      }
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return() {
      ended = true;
      items.length = 0;
      settleWaiting();
      close();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error: unknown) {
      ended = true;
      items.length = 0;
      settleWaiting();
      close();
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the iterator protocol's throw() rejects with exactly what its caller passed
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };

  return {
    push(item) {
      if (ended) return;
      items.push(item);
      settleWaiting();
    },
    end(error) {
      if (ended) return;
      ended = true;
      if (error !== undefined) failure = { error };
      settleWaiting();
      if (waiting.length === 0 && items.length === 0) close();
    },
    get ended() {
      return ended;
    },
    iterator,
  };
}
