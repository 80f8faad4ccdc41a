/**
 * A push/pull queue exposed as an async iterator. Unlike an async generator,
 * `return()` settles at once even while a `next()` is waiting, so a client that
 * unsubscribes never leaves a listener behind.
 *
 * It is bounded when given a capacity: items the consumer has not pulled yet
 * may be joined (`coalesce` the last waiting item with the new one), and once
 * more than `capacity` pushed items wait, they are dropped for one final
 * `overflow` item and the queue ends. A consumer that cannot keep up costs
 * bounded memory. Items pushed `unbounded` do not count: their producer paces
 * itself with `drained()` instead (a replay reads the log page by page).
 */
export interface AsyncQueue<T> {
  push(item: T, options?: { unbounded?: boolean }): void;
  /** Resolves once the consumer has taken every waiting item, or the queue ended. */
  drained(): Promise<void>;
  /** Drops what waits for the `overflow` item and ends, as when the capacity is passed (a bounded queue only). */
  overflow(): void;
  /** Ends the iterator after the items already queued; with an error, fails it instead. */
  end(error?: unknown): void;
  readonly ended: boolean;
  iterator: AsyncIterableIterator<T>;
}

export interface AsyncQueueBounds<T> {
  /** Items that may wait for the consumer; past it, the queue overflows. */
  capacity: number;
  /** The item that replaces the waiting ones when they overflow; the queue ends after it. */
  overflow: () => T;
  /** Joins a new item into the last waiting one, or undefined to queue it after. */
  coalesce?: (last: T, next: T) => T | undefined;
}

export function createAsyncQueue<T>(onClose: () => void, bounds?: AsyncQueueBounds<T>): AsyncQueue<T> {
  const items: T[] = [];
  /** Per waiting item: whether it counts toward the capacity. */
  const counted: boolean[] = [];
  let countedWaiting = 0;
  let drainedWaiters: (() => void)[] = [];
  const waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    onClose();
  };

  const notifyDrained = () => {
    if (items.length > 0 && !ended) return;
    const waiters = drainedWaiters;
    drainedWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const take = (): T | undefined => {
    const item = items.shift();
    if (counted.shift() === true) countedWaiting -= 1;
    if (items.length === 0) notifyDrained();
    return item;
  };

  const clear = () => {
    items.length = 0;
    counted.length = 0;
    countedWaiting = 0;
  };

  const overflow = () => {
    if (ended || !bounds) return;
    clear();
    items.push(bounds.overflow());
    counted.push(false);
    ended = true;
    settleWaiting();
  };

  const settleWaiting = () => {
    while (waiting.length > 0 && (items.length > 0 || ended)) {
      const waiter = waiting.shift();
      if (!waiter) break;
      const item = take();
      if (item !== undefined) waiter.resolve({ value: item, done: false });
      else if (failure) waiter.reject(failure.error);
      else waiter.resolve({ value: undefined, done: true });
    }
    notifyDrained();
  };

  const iterator: AsyncIterableIterator<T> = {
    async next() {
      const item = take();
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
      clear();
      settleWaiting();
      close();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error: unknown) {
      ended = true;
      clear();
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
    push(item, { unbounded = false } = {}) {
      if (ended) return;
      const last = items.length > 0 ? items[items.length - 1] : undefined;
      const joined = last === undefined ? undefined : bounds?.coalesce?.(last, item);
      if (joined !== undefined) {
        items[items.length - 1] = joined;
      } else {
        items.push(item);
        counted.push(!unbounded);
        if (!unbounded) countedWaiting += 1;
      }
      if (bounds && countedWaiting > bounds.capacity) overflow();
      else settleWaiting();
    },
    overflow,
    drained() {
      if (items.length === 0 || ended) return Promise.resolve();
      return new Promise((resolve) => drainedWaiters.push(resolve));
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
