import { AsyncLocalStorage } from 'node:async_hooks';
import { context, createContextKey, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';

/** W3C trace context (`traceparent`, `tracestate`) as it travels in a queued job's data. */
export type TraceCarrier = Record<string, string>;

// The carrier a job arrived with: the turns it schedules carry the same one, so every turn a
// request caused is a child of that request's span instead of a chain of ever deeper children.
const ORIGIN = createContextKey('orchestrator.trace-origin');

/** The active trace context to put in a job, or undefined when there is none (tracing off, or no span). */
export function injectTraceCarrier(): TraceCarrier | undefined {
  const active = context.active();
  const origin = active.getValue(ORIGIN);
  if (isCarrier(origin)) return origin;
  const carrier: TraceCarrier = {};
  propagation.inject(active, carrier);
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/** Runs `work` in the trace context a job carried: its spans are children of the span that enqueued it. */
export function withTraceCarrier<T>(carrier: TraceCarrier | undefined, work: () => T): T {
  if (!carrier) return work();
  const extracted = propagation.extract(ROOT_CONTEXT, carrier).setValue(ORIGIN, carrier);
  return context.with(extracted, work);
}

const isCarrier = (value: unknown): value is TraceCarrier =>
  typeof value === 'object' && value !== null && Object.values(value).every((item) => typeof item === 'string');

/** The turn a line of log is about. */
interface TurnScope {
  discussionId: string;
  turn: number;
}

const turnScope = new AsyncLocalStorage<TurnScope>();

/** Runs one turn's work: every log line written meanwhile names the discussion and the turn. */
export const inTurnScope = <T>(scope: TurnScope, work: () => T): T => turnScope.run(scope, work);

/**
 * pino's mixin: the discussion and turn being worked on, and the trace and span
 * ids when a span is recording, so a turn's lines can be found from its trace and back.
 */
export function logContext(): Record<string, unknown> {
  const scope = turnScope.getStore();
  const span = trace.getActiveSpan()?.spanContext();
  const traced = span && trace.isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
  return scope ? { discussionId: scope.discussionId, turn: scope.turn, ...traced } : traced;
}
