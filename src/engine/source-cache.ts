// A replay reads its source again and again: the recordings for every call, the transcript
// before every turn. A source has ended before it can be replayed, so what it holds no longer
// changes; a process keeps the reads of the last few sources it replayed.

/** The number of sources whose reads a process keeps, per kind of read. */
const CACHED_SOURCES = 16;

/**
 * `read` of a discussion id, kept for the `limit` ids read last (the oldest goes first).
 * Concurrent reads of one id share one; a read that failed is not kept, so the next one reads again.
 */
export function createSourceCache<T>(read: (discussionId: string) => Promise<T>, limit = CACHED_SOURCES) {
  const reads = new Map<string, Promise<T>>();
  return (discussionId: string): Promise<T> => {
    const cached = reads.get(discussionId);
    if (cached) return cached;
    const loading = read(discussionId);
    loading.catch(() => reads.delete(discussionId));
    reads.set(discussionId, loading);
    const oldest = reads.keys().next().value;
    if (reads.size > limit && oldest !== undefined) reads.delete(oldest);
    return loading;
  };
}
