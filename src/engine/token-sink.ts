/**
 * Writes a reply's deltas in order, one write at a time, at most one write per
 * `coalesceMs`. Deltas that arrive while a write is under way, or sooner than
 * that after the last one began, are joined into the next write: a fast model
 * or a slow Redis yields fewer, larger token events and never loses text, and
 * a slow model's tokens still go out one by one, at once.
 */
export interface TokenSink {
  push(delta: string): void;
  /** Writes what is pending now, and resolves once everything pushed has been written. */
  flush(): Promise<void>;
}

/** One write: the joined delta, its position among the message's token events, and where it starts in the text. */
export interface TokenWrite {
  delta: string;
  index: number;
  offset: number;
}

export interface TokenSinkOptions {
  /** The least time between the starts of two writes; 0 writes again as soon as the last write ends. */
  coalesceMs?: number;
}

export function createTokenSink(write: (token: TokenWrite) => Promise<void>, { coalesceMs = 0 }: TokenSinkOptions = {}): TokenSink {
  let pending = '';
  let index = 0;
  let offset = 0;
  let writing: Promise<void> | undefined;
  /** Ends the wait before the next write early: flush() wants everything out now. */
  let hurry: (() => void) | undefined;
  let flushing = false;
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  /** The last failed write's error, boxed because it may be any value; a rejection without a reason is none. */
  let failure: { error: unknown } | undefined;

  /** How long the next write waits; clamped, so a wall clock set back cannot hold the stream. */
  const waitBeforeWrite = (): number => (flushing ? 0 : Math.min(coalesceMs, lastWriteAt + coalesceMs - Date.now()));

  const waitForTurn = async (wait: number): Promise<void> => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      hurry = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    hurry = undefined;
  };

  const drain = async (): Promise<void> => {
    while (pending.length > 0) {
      // No wait, no await: the first delta of a stream is written in the same tick it arrives.
      const wait = waitBeforeWrite();
      if (wait > 0) await waitForTurn(wait);
      const delta = pending;
      pending = '';
      lastWriteAt = Date.now();
      await write({ delta, index, offset });
      index += 1;
      offset += delta.length;
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
      flushing = true;
      hurry?.();
      try {
        while (writing) await writing;
      } finally {
        flushing = false;
      }
      if (failure !== undefined) throw failure.error;
    },
  };
}
