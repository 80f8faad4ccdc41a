/** Prints the streaming benchmark's parts: the service's figure, the raw baseline's, and their ratio, side by side. */
import { percentiles } from './stats.js';
import type { GroupReport, MemoryFigures } from './stream-protocol.js';
import type { FlowOptions, FlowResult, FlowSide } from './streaming-flow.js';
import type { IdleResult, IdleSide } from './streaming-idle.js';
import type { OverloadOptions, OverloadResult, OverloadSide } from './streaming-overload.js';
import type { LoadSpan } from './streaming-processes.js';

type Cell = number | string;
interface Row {
  service: Cell;
  raw: Cell;
  'service/raw': Cell;
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const mebibytes = (bytes: number): string => fixed(bytes / 2 ** 20, 1);
const percent = (fraction: number): string => `${fixed(fraction * 100, 2)}%`;
const perSecond = (count: number, milliseconds: number): number =>
  milliseconds > 0 ? Math.round((count * 1000) / milliseconds) : Number.NaN;
const ratio = (service: number, raw: number): string => (raw !== 0 ? fixed(service / raw, 2) : 'n/a');
const loadText = ({ before, after }: LoadSpan): string => `${fixed(before, 2)} -> ${fixed(after, 2)}`;
const cpuText = ({ cpu }: FlowSide): string => `${fixed(cpu.server * 100, 0)}% / ${fixed(cpu.clients * 100, 0)}%`;

const scavengesText = ({ gc }: FlowSide): string =>
  `${gc.minor.count}, ${fixed(gc.minor.p50, 1)} / ${fixed(gc.minor.p99, 1)} / ${fixed(gc.minor.max, 1)}`;
const loopDelayText = ({ gc: { loopDelay } }: FlowSide): string =>
  `${fixed(loopDelay.p50, 1)} / ${fixed(loopDelay.p99, 1)} / ${fixed(loopDelay.max, 1)}`;
/** The share of the measured window the side's main thread spent paused for GC, every kind. */
const gcShare = ({ gc, report }: FlowSide): number =>
  report.windowMs > 0 ? (gc.minor.totalMs + gc.otherMs) / report.windowMs : Number.NaN;

function row(service: number, raw: number, digits = 0): Row {
  return { service: fixed(service, digits), raw: fixed(raw, digits), 'service/raw': ratio(service, raw) };
}
const plain = (service: Cell, raw: Cell): Row => ({ service, raw, 'service/raw': '' });

function printProblems(label: string, report: GroupReport): void {
  for (const problem of report.problems.slice(0, 5)) console.log(`  ! ${label}: ${problem}`);
}

function latencyMs(report: GroupReport, pick: 'p50' | 'p99' | 'max'): number {
  return report.latency ? report.latency[pick] : Number.NaN;
}

export function printThroughput(result: FlowResult, options: FlowOptions): void {
  const { service, raw } = result;
  const { discussions, subscribers } = options.setting;
  console.log(
    `\nPart 1, throughput: ${discussions} discussions x ${subscribers} tokenStreamed subscribers (a graphql-ws socket each), 3 MOCK agents, ` +
      `ROUND_ROBIN, ${options.rounds} rounds, MOCK_TOKEN_DELAY_MS=0. Raw: ${discussions} channels x ${subscribers} ws sockets, ` +
      `${result.framesPerChannel} one-word frames per channel published as fast as possible. Rates over the clients' window (start to last receipt).`,
  );
  const words = perSecond(service.report.words, service.report.windowMs);
  const rawWords = perSecond(raw.report.words, raw.report.windowMs);
  console.table({
    'text tokens (words) delivered/s': row(words, rawWords),
    'characters delivered/s': row(
      perSecond(service.report.characters, service.report.windowMs),
      perSecond(raw.report.characters, raw.report.windowMs),
    ),
    'token events delivered/s': row(
      perSecond(service.report.events, service.report.windowMs),
      perSecond(raw.report.events, raw.report.windowMs),
    ),
    'words per event': row(service.report.words / service.report.events, raw.report.words / raw.report.events, 2),
    'window s': row(service.report.windowMs / 1000, raw.report.windowMs / 1000, 2),
    'text delivered': plain(percent(service.report.deliveredFraction), percent(raw.report.deliveredFraction)),
    'RSS peak MB (server, broadcaster)': row(service.rss.peak / 2 ** 20, raw.rss.peak / 2 ** 20, 1),
    'CPU of one core (server / clients)': plain(cpuText(service), cpuText(raw)),
    'GC scavenges: count, pause p50 / p99 / max ms': plain(scavengesText(service), scavengesText(raw)),
    'GC paused, % of the window (every kind)': plain(percent(gcShare(service)), percent(gcShare(raw))),
    'event loop delay p50 / p99 / max ms': plain(loopDelayText(service), loopDelayText(raw)),
    'load average 1m': plain(loadText(service.load), loadText(raw.load)),
  });
  const achieved = words / rawWords;
  console.log(`Goal: service >= 0.6 x raw in text tokens/s: ${fixed(achieved, 2)} x raw, ${achieved >= 0.6 ? 'met' : 'NOT met'}.`);
  printProblems('part 1 service', service.report);
  printProblems('part 1 raw', raw.report);
}

const warmUpText = ({ warmUpRounds }: FlowOptions): string =>
  warmUpRounds > 0 ? ` after ${warmUpRounds} unmeasured warm-up round(s) on each side` : ', cold';

/** Goal 2 for one pair of runs: 100% of the text, and the service's p99 within max(25 ms, 2 x the raw p99). */
function latencyVerdict({ service, raw }: FlowResult): { p99: number; rawP99: number; bound: number; met: boolean } {
  const rawP99 = latencyMs(raw.report, 'p99');
  const bound = Math.max(25, 2 * rawP99);
  const p99 = latencyMs(service.report, 'p99');
  return { p99, rawP99, bound, met: p99 <= bound && service.report.deliveredFraction === 1 };
}

/** The pairs' median, as the benchmark's other percentiles take it (nearest rank). */
const median = (values: readonly number[]): number => percentiles(values).p50;

export function printLatency(result: FlowResult, options: FlowOptions, pair = { index: 1, of: 1 }): void {
  const { service, raw } = result;
  const { discussions, subscribers } = options.setting;
  const pairText = pair.of > 1 ? ` (pair ${pair.index} of ${pair.of})` : '';
  console.log(
    `\nPart 2${pairText}, latency under load: ${discussions} running discussions x ${subscribers} graphql-ws subscribers${options.workerProcess ? ' (turns in a worker process of their own, the API measured)' : ''}, MOCK_TOKEN_DELAY_MS=${options.tokenDelayMs}, ` +
      `${options.rounds} rounds${warmUpText(options)}. Raw: ${discussions} channels x ${subscribers} ws sockets, one frame per ${options.tokenDelayMs} ms per channel. ` +
      "Added latency = client receipt of a raw frame's text - arrival of that frame at a plain ioredis subscriber in the clients' process.",
  );
  console.table({
    'added latency p50 ms': row(latencyMs(service.report, 'p50'), latencyMs(raw.report, 'p50'), 2),
    'added latency p99 ms': row(latencyMs(service.report, 'p99'), latencyMs(raw.report, 'p99'), 2),
    'added latency max ms': row(latencyMs(service.report, 'max'), latencyMs(raw.report, 'max'), 2),
    '(frame, subscriber) pairs timed': row(service.report.latency?.count ?? 0, raw.report.latency?.count ?? 0),
    'frames never delivered': plain(service.report.unmatchedFrames, raw.report.unmatchedFrames),
    'messages streamed, never committed': plain(service.report.uncommittedMessages, raw.report.uncommittedMessages),
    'text delivered': plain(percent(service.report.deliveredFraction), percent(raw.report.deliveredFraction)),
    'RSS peak MB (server, broadcaster)': row(service.rss.peak / 2 ** 20, raw.rss.peak / 2 ** 20, 1),
    'CPU of one core (server / clients)': plain(cpuText(service), cpuText(raw)),
    'GC scavenges: count, pause p50 / p99 / max ms': plain(scavengesText(service), scavengesText(raw)),
    'GC paused, % of the window (every kind)': plain(percent(gcShare(service)), percent(gcShare(raw))),
    'event loop delay p50 / p99 / max ms': plain(loopDelayText(service), loopDelayText(raw)),
    'load average 1m': plain(loadText(service.load), loadText(raw.load)),
  });
  const { bound, met } = latencyVerdict(result);
  console.log(`Goal: 100% of the text and service p99 <= max(25 ms, 2 x raw p99) = ${fixed(bound, 2)} ms: ${met ? 'met' : 'NOT met'}.`);
  printProblems('part 2 service', service.report);
  printProblems('part 2 raw', raw.report);
}

/**
 * Part 2 over several pairs of runs (service, then raw, each pair in fresh processes): the machine's
 * speed drifts between and within runs, so one pair's verdict can flip with it. Each pair is judged on
 * its own; the summary gives how many met the goal and the medians across pairs.
 */
export function printLatencyPairs(results: readonly FlowResult[]): void {
  if (results.length < 2) return;
  const verdicts = results.map(latencyVerdict);
  const met = verdicts.filter((verdict) => verdict.met).length;
  const p99 = median(verdicts.map((verdict) => verdict.p99));
  const rawP99 = median(verdicts.map((verdict) => verdict.rawP99));
  const ratios = median(verdicts.map((verdict) => verdict.p99 / verdict.rawP99));
  console.log(
    `\nPart 2 over ${results.length} pairs: goal met in ${met} of ${results.length}. ` +
      `Service p99 ${verdicts.map((verdict) => fixed(verdict.p99, 1)).join(', ')} ms (median ${fixed(p99, 2)}); ` +
      `raw p99 ${verdicts.map((verdict) => fixed(verdict.rawP99, 1)).join(', ')} ms (median ${fixed(rawP99, 2)}); ` +
      `median of the pairs' service/raw p99 ratios ${fixed(ratios, 2)}.`,
  );
}

function slowText(side: OverloadSide): string {
  const { closeCode, closeReason } = side.slow;
  if (closeCode === null) return 'still open';
  return `closed ${closeCode}${closeReason ? ` (${closeReason})` : ''}`;
}

const retainedMb = ({ heapUsed, external }: MemoryFigures): number => (heapUsed + external) / 2 ** 20;

function serverEndText(side: OverloadSide): string {
  const { closedAfterMs, state } = side.serverSide;
  if (closedAfterMs === undefined) return state ?? 'open throughout';
  return `closed after ${fixed(closedAfterMs / 1000, 1)} s (${state ?? '?'})`;
}

export function printOverload(result: OverloadResult, options: OverloadOptions): void {
  const { service, raw } = result;
  console.log(
    `\nPart 3, overload memory: one subscriber that reads nothing (TCP socket paused) and ${options.watchers} normal ones, each subscribed to ` +
      `${options.discussions} busy discussions at a time (chains of 50-round discussions at MOCK_TOKEN_DELAY_MS=0) for ${fixed(options.slowMs / 1000, 0)} s; ` +
      "raw: the same bytes on one channel (the service's frame rate and size). RSS sampled every second; the slow socket's fate read when it resumes reading.",
  );
  console.table({
    'busy stream s': row(service.durationMs / 1000, raw.durationMs / 1000, 1),
    'raw frames published/s': row(perSecond(service.frames, service.durationMs), perSecond(raw.frames, raw.durationMs)),
    'text characters published/s': row(perSecond(service.characters, service.durationMs), perSecond(raw.characters, raw.durationMs)),
    'RSS start MB (server, broadcaster)': row(service.rss.start / 2 ** 20, raw.rss.start / 2 ** 20, 1),
    'RSS peak MB': row(service.rss.peak / 2 ** 20, raw.rss.peak / 2 ** 20, 1),
    'RSS end MB': row(service.rss.end / 2 ** 20, raw.rss.end / 2 ** 20, 1),
    'RSS growth (peak - start) MB': row((service.rss.peak - service.rss.start) / 2 ** 20, (raw.rss.peak - raw.rss.start) / 2 ** 20, 1),
    'retained after GC, start MB (heap+external)': row(retainedMb(service.retained.before), retainedMb(raw.retained.before), 1),
    'retained after GC, end MB (heap+external)': row(retainedMb(service.retained.after), retainedMb(raw.retained.after), 1),
    'slow socket, server end': plain(serverEndText(service), serverEndText(raw)),
    'slow socket, read at the end': plain(slowText(service), slowText(raw)),
    'slow socket backlog read at the end MB': plain(mebibytes(service.slow.bytesDrained), mebibytes(raw.slow.bytesDrained)),
    'watchers: text delivered': plain(percent(service.watchers.deliveredFraction), percent(raw.watchers.deliveredFraction)),
    'load average 1m': plain(loadText(service.load), loadText(raw.load)),
  });
  console.log(`Service RSS every second (MB): ${service.rss.samples.map((sample) => mebibytes(sample)).join(' ')}`);
  console.log(`Raw RSS every second (MB): ${raw.rss.samples.map((sample) => mebibytes(sample)).join(' ')}`);
  printProblems('part 3 service watchers', service.watchers);
  printProblems('part 3 raw watchers', raw.watchers);
}

export function printIdle(result: IdleResult): void {
  const { service, multiplexed, raw } = result;
  const kibPer = (side: IdleSide, pick: keyof MemoryFigures) => (side.after[pick] - side.before[pick]) / 1024 / side.subscriptions;
  const perSocket = multiplexed.subscriptionsPerSocket;
  console.log(
    `\nPart 4, idle subscriptions: ${service.subscriptions} tokenStreamed subscriptions over graphql-ws on created, never started ` +
      `discussions, first with a socket each, then ${perSocket} on each socket (as an app's graphql-ws client multiplexes them); ` +
      `raw: ${raw.subscriptions} idle ws sockets. Memory after full GCs (--expose-gc), before and after opening them.`,
  );
  const perSubscription = (label: string, pick: keyof MemoryFigures): Record<string, Row> => ({
    [`${label} KiB per subscription, a socket each`]: row(kibPer(service, pick), kibPer(raw, pick), 2),
    [`${label} KiB per subscription, ${perSocket} per socket`]: row(kibPer(multiplexed, pick), kibPer(raw, pick), 2),
  });
  console.table({
    'RSS before MB': row(service.before.rss / 2 ** 20, raw.before.rss / 2 ** 20, 1),
    'RSS after MB': row(service.after.rss / 2 ** 20, raw.after.rss / 2 ** 20, 1),
    ...perSubscription('RSS', 'rss'),
    'heapUsed before MB': row(service.before.heapUsed / 2 ** 20, raw.before.heapUsed / 2 ** 20, 1),
    'heapUsed after MB': row(service.after.heapUsed / 2 ** 20, raw.after.heapUsed / 2 ** 20, 1),
    ...perSubscription('heapUsed', 'heapUsed'),
    ...perSubscription('external', 'external'),
    'load average 1m': plain(loadText(service.load), loadText(raw.load)),
  });
  const verdict = (kib: number) => `${fixed(kib, 2)} KiB, ${kib <= 8 ? 'met' : 'NOT met'}`;
  for (const [label, side] of [
    ['a socket each', service],
    [`${perSocket} per socket`, multiplexed],
  ] as const) {
    console.log(
      `Goal: <= 8 KiB per subscription, ${label}: by RSS ${verdict(kibPer(side, 'rss'))}; by heap ${verdict(kibPer(side, 'heapUsed'))}.`,
    );
  }
}
