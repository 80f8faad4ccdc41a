// Finding a position in the memory store's log, which is ordered by cursor.

import { compareCursors } from './types.js';
import type { LogEntry } from './types.js';

/**
 * The index of the first entry whose cursor is greater than `cursor` (or, with
 * `inclusive`, greater or equal): a binary search, the log being ordered.
 */
export function firstIndexAfter(log: readonly LogEntry[], cursor: string, inclusive = false): number {
  let low = 0;
  let high = log.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const entry = log[middle];
    const comparison = entry === undefined ? 1 : compareCursors(entry.cursor, cursor);
    if (comparison > 0 || (inclusive && comparison === 0)) high = middle;
    else low = middle + 1;
  }
  return low;
}
