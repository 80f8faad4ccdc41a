/**
 * Iterates `source` until it ends or `signal` aborts, whichever comes first.
 * Aborting ends the loop at once even while the vendor has a read pending, so
 * a stopped turn never waits for the SDK to notice; the SDK's own iterator is
 * then closed in the background (it has the same signal and drops the socket).
 * Errors from the source propagate unless the signal has already aborted.
 */
export async function* takeUntilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  if (signal.aborted) return;
  const iterator = source[Symbol.asyncIterator]();
  // One listener settles whichever read is pending. Not Promise.race against one promise of the abort: each race
  // would leave a reaction on it, holding that read's chunk until the stream ends (hundreds of bytes per chunk).
  let settlePending: ((result: 'aborted') => void) | undefined;
  const onAbort = () => settlePending?.('aborted');
  signal.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    while (true) {
      // Aborted while the consumer held the last chunk.
      if (signal.aborted) return;
      const next = iterator.next();
      const result = await new Promise<IteratorResult<T> | 'aborted'>((resolve, reject) => {
        settlePending = resolve;
        next.then(resolve, reject);
      });
      settlePending = undefined;
      if (result === 'aborted') {
        // the pending read settles (usually as an abort error) once the SDK sees the signal
        next.catch(() => undefined);
        return;
      }
      if (result.done === true) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } catch (error) {
    finished = true;
    if (signal.aborted) return;
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!finished && iterator.return) {
      iterator.return().catch(() => undefined);
    }
  }
}

/**
 * The promise's value, or undefined as soon as `signal` aborts. Some SDKs
 * sleep through their retry delays without watching the signal; a stopped
 * turn must not wait for that. A later rejection of the abandoned promise is
 * swallowed.
 */
export async function raceAbort<T>(promise: PromiseLike<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    Promise.resolve(promise).catch(() => undefined);
    return undefined;
  }
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    // the race keeps a handler on the promise, so its later rejection is not unhandled
    return await Promise.race([promise, aborted]);
  } catch (error) {
    if (signal.aborted) return undefined;
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Waits for an SDK's stream to open, then iterates it; both steps end at once
 * when `signal` aborts (then nothing more is yielded and nothing is thrown).
 */
export async function* streamUntilAborted<T>(opening: PromiseLike<AsyncIterable<T>>, signal: AbortSignal): AsyncGenerator<T> {
  const source = await raceAbort(opening, signal);
  if (source === undefined) return;
  yield* takeUntilAborted(source, signal);
}

/** Resolves after `milliseconds`, or early (without error) when `signal` aborts. */
export function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, milliseconds);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The pauses of one stream, one after another, each ending early (without error) when `signal` aborts, as
 * `sleep` does: one abort listener serves them all, where `sleep` adds and removes one each time (a MOCK
 * stream pauses once a token). `close` removes it when the stream ends.
 */
export function createPauses(signal: AbortSignal): { pause(milliseconds: number): Promise<void>; close(): void } {
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const onAbort = () => {
    clearTimeout(timer);
    wake?.();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    pause: (milliseconds) =>
      new Promise((resolve) => {
        if (signal.aborted) return resolve();
        wake = resolve;
        timer = setTimeout(resolve, milliseconds);
      }),
    close: () => signal.removeEventListener('abort', onAbort),
  };
}

/** Compile-time exhaustiveness for a switch over vendor data; at run time a newer, unknown variant is ignored. */
export function ignoreUnknown(value: never): void {
  void value;
}
