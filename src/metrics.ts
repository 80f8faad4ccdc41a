/**
 * Prometheus metrics (prom-client), one registry per app: discussions by
 * status (counted by the store), turns by provider and outcome, failures by
 * kind, tokens in and out as the providers reported them, time to first token
 * and request duration, and Node's own process metrics. Labels are bounded:
 * statuses, providers, models, outcomes, kinds; never a discussion id or an
 * owner. `GET /metrics` serves them on the API's port and on a worker's
 * health port, behind `METRICS_TOKEN` when it is set.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CALLING_PROVIDERS, DISCUSSION_STATUSES, type DiscussionStatus, type ProviderName } from './domain.js';
import type { TurnMetrics } from './engine/dependencies.js';
import type { SlotWaitObserver } from './limits/provider-slots.js';
import type { Pricing } from './pricing/pricing.js';

export const METRICS_PATH = '/metrics';

// Seconds: providers answer in tens of milliseconds (a local model) to minutes (a long reply).
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

export type SubscriptionTransport = 'graphql-ws' | 'sse' | 'multipart';

export interface Metrics extends TurnMetrics, SlotWaitObserver {
  readonly registry: Registry;
  /** Reads how many calls wait for a PROVIDER_CONCURRENCY slot in this process, per provider, at each scrape. */
  watchProviderSlots(waiting: () => Partial<Record<ProviderName, number>>): void;
  /** Reads the turn queue's waiting jobs at each scrape. */
  watchQueue(waitingCount: () => Promise<number>): void;
  /** Reads how many discussions are in each status at each scrape (the store keeps the counts). */
  watchDiscussions(countByStatus: () => Promise<Record<DiscussionStatus, number>>): void;
  /** A turn job started this long after it was due. */
  turnStarted(startLagMs: number): void;
  /** A subscription began on `transport`; call the returned function when it ends. */
  subscriptionStarted(transport: SubscriptionTransport): () => void;
  /** Answers `GET /metrics` and returns true; false for any other request. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Distinct `model` label values per provider; the models after these are counted as `other`. */
export const MAX_MODELS_PER_PROVIDER = 50;

/**
 * A model name is the client's to choose (AgentInput.model): the first
 * MAX_MODELS_PER_PROVIDER of each provider keep their name as a label, and the
 * rest share `other`, so no client can grow the series without bound.
 */
function createModelLabels() {
  const seen = new Map<string, Set<string>>();
  return {
    label(provider: string, model: string): string {
      const models = seen.get(provider) ?? new Set<string>();
      seen.set(provider, models);
      if (models.has(model)) return model;
      if (models.size >= MAX_MODELS_PER_PROVIDER) return 'other';
      models.add(model);
      return model;
    },
  };
}

export function createMetrics({ token, pricing }: { token?: string; pricing?: Pricing } = {}): Metrics {
  const registry = new Registry();
  const models = createModelLabels();
  collectDefaultMetrics({ register: registry });
  const turns = new Counter({
    name: 'orchestrator_turns_total',
    help: 'Agent turns by provider and outcome (committed, failed or cancelled).',
    labelNames: ['provider', 'outcome'] as const,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'orchestrator_turn_failures_total',
    help: 'Failed agent turns by provider and error kind (rate_limited, overloaded, authentication, …).',
    labelNames: ['provider', 'kind'] as const,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'orchestrator_llm_tokens_total',
    help: 'Tokens the providers reported, by direction (input or output).',
    labelNames: ['provider', 'model', 'direction'] as const,
    registers: [registry],
  });
  const cost = new Counter({
    name: 'orchestrator_llm_cost_usd_total',
    help: 'What the reported tokens cost in US dollars at the price table (PRICING_FILE overrides it); calls of an unpriced model are not added.',
    labelNames: ['provider', 'model'] as const,
    registers: [registry],
  });
  const firstToken = new Histogram({
    name: 'orchestrator_llm_time_to_first_token_seconds',
    help: 'From the provider request to its first text.',
    labelNames: ['provider', 'model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'orchestrator_llm_request_duration_seconds',
    help: 'From the provider request to the end of its reply, by outcome.',
    labelNames: ['provider', 'model', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });

  const toolCalls = new Counter({
    name: 'orchestrator_tool_calls_total',
    help: 'MCP tool calls agents made, by server and outcome (ok, error, reused after a crash).',
    labelNames: ['server', 'outcome'] as const,
    registers: [registry],
  });
  const toolDuration = new Histogram({
    name: 'orchestrator_tool_call_duration_seconds',
    help: 'How long a tool call took, from the request to its result (calls that ran: not reused ones).',
    labelNames: ['server'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });

  const subscriptions = new Gauge({
    name: 'orchestrator_subscriptions_active',
    help: 'GraphQL subscriptions open now, by transport (graphql-ws, sse, multipart).',
    labelNames: ['transport'] as const,
    registers: [registry],
  });
  for (const transport of ['graphql-ws', 'sse', 'multipart'] as const) subscriptions.set({ transport }, 0);
  let waitingCount: (() => Promise<number>) | undefined;
  new Gauge({
    name: 'orchestrator_turn_queue_waiting',
    help: 'Turn jobs due to run that no worker has taken yet (delayed ones, such as a human’s wait, are not counted).',
    registers: [registry],
    async collect() {
      if (waitingCount) this.set(await waitingCount().catch(() => Number.NaN));
    },
  });
  let countByStatus: (() => Promise<Record<DiscussionStatus, number>>) | undefined;
  new Gauge({
    name: 'orchestrator_discussions',
    help: 'Discussions that exist, by status; the same numbers from every process sharing the storage.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      if (!countByStatus) return;
      const counts = await countByStatus().catch(() => undefined);
      for (const status of DISCUSSION_STATUSES) this.set({ status }, counts?.[status] ?? Number.NaN);
    },
  });
  let slotsWaiting: (() => Partial<Record<ProviderName, number>>) | undefined;
  new Gauge({
    name: 'orchestrator_provider_calls_waiting',
    help: 'Provider calls waiting in this process for a PROVIDER_CONCURRENCY slot (or a 429 pause), by provider.',
    labelNames: ['provider'] as const,
    registers: [registry],
    collect() {
      const waiting = slotsWaiting?.() ?? {};
      for (const provider of CALLING_PROVIDERS) this.set({ provider }, waiting[provider] ?? 0);
    },
  });
  const slotWait = new Histogram({
    name: 'orchestrator_provider_call_wait_seconds',
    help: 'How long a provider call waited for a PROVIDER_CONCURRENCY slot or a 429 pause, by outcome (granted, aborted); calls that did not wait are not counted.',
    labelNames: ['provider', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  // a series per provider from the start, so that a rate over it reads 0 rather than nothing
  for (const provider of CALLING_PROVIDERS) slotWait.zero({ provider, outcome: 'granted' });
  const startLag = new Histogram({
    name: 'orchestrator_turn_start_lag_seconds',
    help: 'From the time a turn job was due to the time a worker started it.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  return {
    registry,
    watchQueue(count) {
      waitingCount = count;
    },
    watchDiscussions(count) {
      countByStatus = count;
    },
    watchProviderSlots(waiting) {
      slotsWaiting = waiting;
    },
    waited(provider, milliseconds, outcome) {
      slotWait.observe({ provider, outcome }, milliseconds / 1000);
    },
    turnStarted(startLagMs) {
      startLag.observe(startLagMs / 1000);
    },
    subscriptionStarted(transport) {
      subscriptions.inc({ transport });
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        subscriptions.dec({ transport });
      };
    },
    turnEnded({ provider, model: requested, outcome, failureKind, inputTokens, outputTokens, timeToFirstTokenMs, durationMs }) {
      const model = models.label(provider, requested);
      turns.inc({ provider, outcome });
      if (outcome === 'failed') failures.inc({ provider, kind: failureKind ?? 'unknown' });
      if (inputTokens !== undefined) tokens.inc({ provider, model, direction: 'input' }, inputTokens);
      if (outputTokens !== undefined) tokens.inc({ provider, model, direction: 'output' }, outputTokens);
      const usd = pricing?.costOf(provider, requested, { inputTokens, outputTokens });
      if (usd !== undefined) cost.inc({ provider, model }, usd);
      if (timeToFirstTokenMs !== undefined) firstToken.observe({ provider, model }, timeToFirstTokenMs / 1000);
      duration.observe({ provider, model, outcome }, durationMs / 1000);
    },
    toolCalled({ server, outcome, durationMs }) {
      toolCalls.inc({ server, outcome });
      if (outcome !== 'reused') toolDuration.observe({ server }, durationMs / 1000);
    },
    handle(request, response) {
      if (URL.parse(request.url ?? '/', 'http://metrics')?.pathname !== METRICS_PATH || request.method !== 'GET') return false;
      const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (token !== undefined && (given === undefined || !sameSecret(given, token))) {
        response
          .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
          .end('send METRICS_TOKEN as "Authorization: Bearer <token>"\n');
        return true;
      }
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
      );
      return true;
    },
  };
}
