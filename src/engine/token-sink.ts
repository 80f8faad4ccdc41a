/**
 * Writes a reply's deltas in order, one write at a time. Deltas that arrive
 * while a write is under way are joined into the next one, so a slow Redis or
 * a burst of chunks yields fewer, larger token events and never loses text.
 */
export interface TokenSink {
  push(delta: string): void;
  /** Resolves once everything pushed has been written. */
  flush(): Promise<void>;
}

export function createTokenSink(write: (delta: string, index: number) => Promise<void>): TokenSink {
  let pending = '';
  let index = 0;
  let writing: Promise<void> | undefined;
  /** The last failed write's error, boxed because it may be any value; a rejection without a reason is none. */
  let failure: { error: unknown } | undefined;

  const drain = async (): Promise<void> => {
    while (pending.length > 0) {
      const delta = pending;
      pending = '';
      await write(delta, index);
      index += 1;
    }
  };

  return {
    push(delta) {
      pending += delta;
      writing ??= drain()
        .catch((error: unknown) => {
          failure = error === undefined ? undefined : { error };
        })
        .finally(() => {
          writing = undefined;
        });
    },
    async flush() {
      while (writing) await writing;
      if (failure !== undefined) throw failure.error;
    },
  };
}
