// A vendor's 429 tells how long to wait (Retry-After). The SDKs honour it for their own retry,
// but other calls to the same vendor, on this worker and on others, would still go out and be
// refused too: each adapter reports the wait here, so that PROVIDER_CONCURRENCY's scheduler
// (src/limits/provider-slots.ts) pauses new calls to that provider everywhere.

/** Hears that the vendor asked for a pause of this many milliseconds. */
export type RateLimitListener = (retryAfterMs: number) => void;

/** The wait a 429's headers ask for: `retry-after-ms` (OpenAI, Anthropic), else `retry-after` in seconds or as an HTTP date. */
export function readRetryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const milliseconds = Number(headers.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(milliseconds) && milliseconds > 0) return milliseconds;
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds > 0 ? seconds * 1_000 : undefined;
  const date = Date.parse(value);
  return Number.isFinite(date) && date > now ? date - now : undefined;
}

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The global fetch, telling `listener` the wait of every 429 that names one; undefined without a listener (the SDK's own fetch). */
export function fetchWatchingRateLimits(listener: RateLimitListener | undefined): Fetch | undefined {
  if (!listener) return undefined;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (response.status === 429) {
      const wait = readRetryAfterMs(response.headers);
      if (wait !== undefined) listener(wait);
    }
    return response;
  };
}
