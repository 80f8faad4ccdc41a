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

/**
 * Takes an item past the queue: offered each item pushed while the consumer waits
 * with nothing queued, it returns true once it has delivered the item by other
 * means (the consumer never sees it and goes on waiting), false to queue it.
 */
export type Bypass = (item: unknown) => boolean;

interface Waiter<T> {
  resolve: (result: IteratorResult<T>) => void;
  reject: (error: unknown) => void;
}

/**
 * The queue as a class: an idle subscription holds one of these for as long as it lives,
 * and methods on a prototype cost it nothing, where closures would cost each queue its own.
 */
class BoundedAsyncQueue<T> implements AsyncQueue<T>, AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  /** Per waiting item: whether it counts toward the capacity. */
  private readonly counted: boolean[] = [];
  private countedWaiting = 0;
  private drainedWaiters: (() => void)[] = [];
  /** Consumers waiting for an item: almost always one, so a growing array is made only for a second. */
  private waiter: Waiter<T> | undefined;
  private moreWaiting: Waiter<T>[] | undefined;
  private isEnded = false;
  private failure: { error: unknown } | undefined;
  private closed = false;
  /** Set by `bypassWhileWaiting`. */
  bypass: Bypass | undefined = undefined;

  constructor(
    private readonly onClose: () => void,
    private readonly bounds: AsyncQueueBounds<T> | undefined,
  ) {}

  get ended(): boolean {
    return this.isEnded;
  }

  get iterator(): AsyncIterableIterator<T> {
    return this;
  }

  push(item: T, { unbounded = false }: { unbounded?: boolean } = {}): void {
    if (this.isEnded) return;
    // Nothing queued and the consumer waiting: whatever it was handed before is already delivered.
    if (this.bypass !== undefined && this.waiter !== undefined && this.items.length === 0 && this.bypass(item)) return;
    const { items, bounds } = this;
    const last = items.length > 0 ? items[items.length - 1] : undefined;
    const joined = last === undefined ? undefined : bounds?.coalesce?.(last, item);
    if (joined !== undefined) {
      items[items.length - 1] = joined;
    } else {
      items.push(item);
      this.counted.push(!unbounded);
      if (!unbounded) this.countedWaiting += 1;
    }
    if (bounds && this.countedWaiting > bounds.capacity) this.overflow();
    else this.settleWaiting();
  }

  drained(): Promise<void> {
    if (this.items.length === 0 || this.isEnded) return Promise.resolve();
    return new Promise((resolve) => this.drainedWaiters.push(resolve));
  }

  overflow(): void {
    if (this.isEnded || !this.bounds) return;
    this.clear();
    this.items.push(this.bounds.overflow());
    this.counted.push(false);
    this.isEnded = true;
    this.settleWaiting();
  }

  end(error?: unknown): void {
    if (this.isEnded) return;
    this.isEnded = true;
    if (error !== undefined) this.failure = { error };
    this.settleWaiting();
    if (this.waiter === undefined && this.items.length === 0) this.close();
  }

  async next(): Promise<IteratorResult<T>> {
    const item = this.take();
    if (item !== undefined) return { value: item, done: false };
    if (this.isEnded) {
      this.close();
      if (this.failure) throw this.failure.error;
      return { value: undefined, done: true };
    }
    return new Promise((resolve, reject) => this.wait({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.stop();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<T>> {
    this.stop();
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the iterator protocol's throw() rejects with exactly what its caller passed
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  /** The consumer is done: nothing more is delivered, and whoever waits is told. */
  private stop(): void {
    this.isEnded = true;
    this.clear();
    this.settleWaiting();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }

  private notifyDrained(): void {
    if (this.items.length > 0 && !this.isEnded) return;
    const waiters = this.drainedWaiters;
    if (waiters.length === 0) return;
    this.drainedWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private take(): T | undefined {
    const item = this.items.shift();
    if (this.counted.shift() === true) this.countedWaiting -= 1;
    if (this.items.length === 0) this.notifyDrained();
    return item;
  }

  private clear(): void {
    this.items.length = 0;
    this.counted.length = 0;
    this.countedWaiting = 0;
  }

  private wait(waiter: Waiter<T>): void {
    if (this.waiter === undefined) this.waiter = waiter;
    else (this.moreWaiting ??= []).push(waiter);
  }

  /** The consumer that has waited longest, no longer waiting. */
  private nextWaiter(): Waiter<T> | undefined {
    const waiter = this.waiter;
    this.waiter = this.moreWaiting?.shift();
    return waiter;
  }

  private settleWaiting(): void {
    while (this.waiter !== undefined && (this.items.length > 0 || this.isEnded)) {
      const waiter = this.nextWaiter();
      if (!waiter) break;
      const item = this.take();
      if (item !== undefined) waiter.resolve({ value: item, done: false });
      else if (this.failure) waiter.reject(this.failure.error);
      else waiter.resolve({ value: undefined, done: true });
    }
    this.notifyDrained();
  }
}

/**
 * Offers `bypass` the items of `iterator` while its consumer waits (see Bypass), if it is
 * a queue of `createAsyncQueue`'s; false when it is not, and nothing changes.
 */
export function bypassWhileWaiting(iterator: unknown, bypass: Bypass): boolean {
  if (!(iterator instanceof BoundedAsyncQueue)) return false;
  iterator.bypass = bypass;
  return true;
}

export function createAsyncQueue<T>(onClose: () => void, bounds?: AsyncQueueBounds<T>): AsyncQueue<T> {
  return new BoundedAsyncQueue(onClose, bounds);
}
