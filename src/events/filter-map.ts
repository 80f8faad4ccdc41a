/**
 * Maps an async iterator, dropping items mapped to undefined. Written by hand,
 * not as an async generator, so that `return()` reaches the source at once even
 * while a `next()` is pending: an unsubscribing client releases its listener.
 */
export function filterMap<T, U>(source: AsyncIterator<T>, map: (item: T) => U | undefined): AsyncIterableIterator<U> {
  return {
    async next(): Promise<IteratorResult<U>> {
      for (;;) {
        const result = await source.next();
        if (result.done) return { value: undefined, done: true };
        const mapped = map(result.value);
        if (mapped !== undefined) return { value: mapped, done: false };
      }
    },
    async return(): Promise<IteratorResult<U>> {
      await source.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
