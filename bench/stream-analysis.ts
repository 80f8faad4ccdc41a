/**
 * What the streaming benchmark's clients make of their receipts: the text each
 * subscriber assembled, checked against the expected text, and the latency of
 * each raw token frame as its text reached a subscriber.
 *
 * The service may coalesce several raw frames into one event, so frames and
 * events are matched by character offset within their message, not by index:
 * a raw frame whose text ends at offset `e` counts as delivered when a
 * subscriber's text of that message (its deltas in index order) first reaches
 * `e` characters.
 */
import { percentiles } from './stats.js';
import type { GroupReport } from './stream-protocol.js';
import { countWords } from './token-frames.js';

/** One delta as a subscriber received it. */
export interface Receipt {
  index: number;
  delta: string;
  /** `performance.now()` at receipt. */
  at: number;
}

/** What one subscriber (of one discussion or raw channel) received. */
export interface ReceivedStream {
  /** The discussion id (the raw channel's, for the raw baseline). */
  readonly discussionId: string;
  /** Receipts by message id, in arrival order. */
  readonly receipts: Map<string, Receipt[]>;
  readonly events: number;
  readonly lastAt: number;
}

/** A raw token frame as the plain Redis subscriber saw it. */
export interface ReferenceFrame {
  index: number;
  length: number;
  at: number;
}

export interface ReferenceView {
  /** Frames by message id, and the message ids of each discussion. */
  readonly frames: Map<string, ReferenceFrame[]>;
  readonly messagesOf: Map<string, Set<string>>;
  readonly count: number;
  readonly characters: number;
  readonly firstAt: number;
  readonly lastAt: number;
}

/** What the received text is compared with. */
export type Expectation =
  /** Committed text per discussion: message id to content. */
  { kind: 'transcripts'; contents: Map<string, Map<string, string>> } | { kind: 'published'; charactersPerChannel: number };

const byIndex = <T extends { index: number }>(items: readonly T[]): T[] => [...items].sort((a, b) => a.index - b.index);

/** A message's text as a subscriber assembled it: its deltas in index order (indexes need not be contiguous). */
export function assemble(receipts: readonly Receipt[]): { text: string; duplicates: number } {
  let text = '';
  let duplicates = 0;
  let previous: number | undefined;
  for (const receipt of byIndex(receipts)) {
    if (receipt.index === previous) duplicates += 1;
    previous = receipt.index;
    text += receipt.delta;
  }
  return { text, duplicates };
}

function commonPrefixLength(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  let position = 0;
  while (position < length && a.charCodeAt(position) === b.charCodeAt(position)) position += 1;
  return position;
}

/**
 * Latency of each raw frame of one message for one subscriber: the receipt that
 * brought the subscriber's text to the frame's end offset, minus the frame's
 * arrival at the reference. Returns how many frames were never covered.
 */
export function matchFrames(frames: readonly ReferenceFrame[], receipts: readonly Receipt[], latencies: number[]): number {
  const ordered = byIndex(receipts);
  let next = 0;
  let delivered = 0;
  let reachedAt = Number.NaN;
  let frameEnd = 0;
  let unmatched = 0;
  for (const frame of byIndex(frames)) {
    frameEnd += frame.length;
    while (delivered < frameEnd && next < ordered.length) {
      const receipt = ordered[next++];
      if (!receipt) break;
      delivered += receipt.delta.length;
      // Text arrives in order; should a later index come first, its text counts from the later time.
      reachedAt = Number.isNaN(reachedAt) ? receipt.at : Math.max(reachedAt, receipt.at);
    }
    if (delivered >= frameEnd) latencies.push(reachedAt - frame.at);
    else unmatched += 1;
  }
  return unmatched;
}

interface Tally {
  events: number;
  characters: number;
  words: number;
  expected: number;
  matched: number;
  mismatches: number;
  duplicates: number;
  lastAt: number;
  unmatchedFrames: number;
  /** Messages whose tokens arrived but which were never committed. */
  uncommitted: Set<string>;
  problems: string[];
}

function tallyText(stream: ReceivedStream, expectation: Expectation, tally: Tally, reference?: ReferenceView): void {
  const texts = new Map<string, string>();
  for (const [messageId, receipts] of stream.receipts) {
    const { text, duplicates } = assemble(receipts);
    texts.set(messageId, text);
    tally.duplicates += duplicates;
    tally.characters += text.length;
    tally.words += countWords(text);
  }
  if (expectation.kind === 'published') {
    const received = [...texts.values()].reduce((sum, text) => sum + text.length, 0);
    tally.expected += expectation.charactersPerChannel;
    tally.matched += Math.min(received, expectation.charactersPerChannel);
    return;
  }
  const committed = expectation.contents.get(stream.discussionId) ?? new Map<string, string>();
  for (const [messageId, content] of committed) {
    const text = texts.get(messageId) ?? '';
    tally.expected += content.length;
    const prefix = commonPrefixLength(text, content);
    tally.matched += prefix;
    if (text === content) continue;
    tally.mismatches += 1;
    const published = reference ? `; Redis carried ${reference.frames.get(messageId)?.length ?? 0} token frame(s) of it` : '';
    tally.problems.push(
      `${stream.discussionId}: message ${messageId} committed with ${content.length} characters, ${text.length} received, ` +
        `the first ${prefix} of them matching${published}`,
    );
  }
  // A turn restarted after its worker died, or still streaming when the wait timed out (that is reported by itself).
  for (const messageId of texts.keys()) if (!committed.has(messageId)) tally.uncommitted.add(messageId);
}

/** Each distinct problem once, with how many times it was seen. */
function distinct(problems: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const problem of problems) counts.set(problem, (counts.get(problem) ?? 0) + 1);
  return [...counts].map(([problem, count]) => (count > 1 ? `${problem} (x${count})` : problem));
}

function tallyLatency(stream: ReceivedStream, reference: ReferenceView, latencies: number[], tally: Tally): void {
  for (const messageId of reference.messagesOf.get(stream.discussionId) ?? []) {
    const frames = reference.frames.get(messageId) ?? [];
    tally.unmatchedFrames += matchFrames(frames, stream.receipts.get(messageId) ?? [], latencies);
  }
}

export function analyseGroup(
  streams: readonly ReceivedStream[],
  { markAt, expectation, reference, problems }: { markAt: number; expectation: Expectation; reference?: ReferenceView; problems: string[] },
): GroupReport {
  const tally: Tally = {
    events: 0,
    characters: 0,
    words: 0,
    expected: 0,
    matched: 0,
    mismatches: 0,
    duplicates: 0,
    lastAt: markAt,
    unmatchedFrames: 0,
    uncommitted: new Set<string>(),
    problems: [...problems],
  };
  const latencies: number[] = [];
  for (const stream of streams) {
    tally.events += stream.events;
    tally.lastAt = Math.max(tally.lastAt, stream.lastAt);
    tallyText(stream, expectation, tally, reference);
    if (reference) tallyLatency(stream, reference, latencies, tally);
  }
  if (tally.expected === 0) tally.problems.push('no text was expected: nothing was published or committed');
  const latency = latencies.length > 0 ? percentiles(latencies) : undefined;
  return {
    subscribers: streams.length,
    events: tally.events,
    characters: tally.characters,
    words: tally.words,
    windowMs: tally.lastAt - markAt,
    deliveredFraction: tally.expected > 0 ? tally.matched / tally.expected : 0,
    mismatches: tally.mismatches,
    duplicates: tally.duplicates,
    latency,
    unmatchedFrames: tally.unmatchedFrames,
    referenceFrames: reference?.count ?? 0,
    referenceCharacters: reference?.characters ?? 0,
    referenceSpanMs: reference && reference.count > 1 ? reference.lastAt - reference.firstAt : 0,
    uncommittedMessages: tally.uncommitted.size,
    problems: distinct(tally.problems).slice(0, 20),
  };
}
