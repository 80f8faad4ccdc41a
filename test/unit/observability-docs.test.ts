/**
 * The Grafana dashboard and the alerting rules in docs/ are built on metrics
 * that exist: every metric their PromQL names is one the real app serves at
 * `GET /metrics` (scraped after a discussion that commits, fails and counts
 * tokens, and a GraphQL error), every label they match or group on is on that
 * metric's samples, and docs/observability.md documents every metric. A renamed
 * metric or label fails here.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { startFakeVendor, type FakeVendor } from '../fake-vendor/server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { mustGraphQL, postGraphQL } from '../support/clients.js';
import { readTranscript } from '../support/distributed.js';
import { START, createDiscussion, mockAgents } from '../support/documents.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** Labels Prometheus puts on every series it scrapes, and the one series it makes itself for each target. */
const TARGET_LABELS = ['job', 'instance'];
const SYNTHETIC = new Map([['up', new Set(TARGET_LABELS)]]);
const SUFFIXES = ['_bucket', '_sum', '_count'];
const OPERATORS = new Set(['and', 'or', 'unless', 'offset', 'bool']);
const GROUPINGS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const MATCHERS = new Set(['=', '!=', '=~', '!~']);

/** What one scrape serves: the families its `# TYPE` lines declare, and the label names seen on each sample name. */
interface Served {
  families: Set<string>;
  samples: Map<string, Set<string>>;
}

function parseScrape(text: string): Served {
  const served: Served = { families: new Set(SYNTHETIC.keys()), samples: new Map(SYNTHETIC) };
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) \S+$/.exec(line);
    if (type?.[1]) served.families.add(type[1]);
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+$/.exec(line);
    if (!sample?.[1]) continue;
    const labels = served.samples.get(sample[1]) ?? new Set(TARGET_LABELS);
    for (const [, name = ''] of (sample[2] ?? '').matchAll(/(\w+)="(?:[^"\\]|\\.)*"/g)) labels.add(name);
    served.samples.set(sample[1], labels);
  }
  return served;
}

/** A histogram's or summary's family name for `_bucket`, `_sum` and `_count` samples; any other name as it is. */
function baseName(metric: string, served: Served): string {
  const suffix = SUFFIXES.find((end) => metric.endsWith(end) && served.families.has(metric.slice(0, -end.length)));
  return suffix ? metric.slice(0, -suffix.length) : metric;
}

/** A metric a selector names, with the labels its `{…}` matches on; and the labels a `by (…)` or `on (…)` names. */
interface Scan {
  selectors: { metric: string; labels: string[] }[];
  groupings: { labels: string[]; metrics: string[] }[];
}

/**
 * Just enough of PromQL to find metric names and labels: strings, Grafana's `$variables`, numbers and durations,
 * range brackets, operators, identifiers. An identifier before `(` or `by`/`without` is a function or an
 * aggregation, and one inside `{…}` before a matcher is a label.
 */
export function scanPromQL(expr: string): Scan {
  const tokens = expr.match(/"(?:[^"\\]|\\.)*"|\$\{?\w+\}?|\d[\w.]*|[a-zA-Z_:][\w:]*|\[[^\]]*\]|=~|!~|!=|==|>=|<=|\S/g) ?? [];
  const closing = new Map<number, number>();
  const opening = new Map<number, number>();
  const open: number[] = [];
  tokens.forEach((token, index) => {
    if (token === '(') open.push(index);
    const start = token === ')' ? open.pop() : undefined;
    if (start === undefined) return;
    closing.set(start, index);
    opening.set(index, start);
  });
  const selectors: { metric: string; labels: string[]; at: number }[] = [];
  const scopes: { labels: string[]; from: number; to: number }[] = [];
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index] ?? '';
    const next = tokens[index + 1];
    if (!/^[a-zA-Z_:]/.test(token) || OPERATORS.has(token)) continue;
    if (GROUPINGS.has(token) && next === '(') {
      const end = closing.get(index + 1) ?? tokens.length;
      const labels = tokens.slice(index + 2, end).filter((label) => label !== ',');
      // `sum by (x) (…)` groups what follows, `sum (…) by (x)` what precedes; `on (x)` both sides of an operator.
      const after = tokens[end + 1] === '(' ? closing.get(end + 1) : undefined;
      const before = tokens[index - 1] === ')' ? opening.get(index - 1) : undefined;
      if (token !== 'by' && token !== 'without') scopes.push({ labels, from: 0, to: tokens.length });
      else if (after !== undefined) scopes.push({ labels, from: end + 1, to: after });
      else if (before !== undefined) scopes.push({ labels, from: before, to: index - 1 });
      else throw new Error(`${token} (${labels.join(', ')}) groups nothing in ${expr}`);
      index = end;
    } else if (next !== '(' && next !== 'by' && next !== 'without') {
      const labels: string[] = [];
      let end = index;
      if (next === '{') {
        for (end = index + 2; end < tokens.length && tokens[end] !== '}'; end += 1) {
          const label = tokens[end] ?? '';
          if (MATCHERS.has(tokens[end + 1] ?? '')) labels.push(label);
        }
      }
      selectors.push({ metric: token, labels, at: index });
      index = end;
    }
  }
  // A grouping's metrics are the selectors inside its parentheses.
  return {
    selectors: selectors.map(({ metric, labels }) => ({ metric, labels })),
    groupings: scopes.map(({ labels, from, to }) => ({
      labels,
      metrics: [...new Set(selectors.filter(({ at }) => from <= at && at <= to).map(({ metric }) => metric))],
    })),
  };
}

/** What is wrong with one expression against a scrape: unknown metrics, samples never served, unknown labels. */
function problemsOf(where: string, expr: string, served: Served): string[] {
  const { selectors, groupings } = scanPromQL(expr);
  if (selectors.length === 0) return [`${where}: no metric found in ${expr}`];
  const problems: string[] = [];
  const labelsOf = (metric: string) => served.samples.get(metric) ?? new Set<string>();
  for (const { metric, labels } of selectors) {
    if (!served.families.has(baseName(metric, served))) problems.push(`${where}: ${metric} is not a registered metric`);
    else if (!served.samples.has(metric)) problems.push(`${where}: no ${metric} sample in the scrape`);
    else problems.push(...labels.filter((name) => !labelsOf(metric).has(name)).map((label) => `${where}: ${metric} has no label ${label}`));
  }
  for (const { labels, metrics } of groupings) {
    for (const metric of metrics.filter((name) => served.samples.has(name))) {
      for (const label of labels.filter((name) => !labelsOf(metric).has(name))) problems.push(`${where}: ${metric} has no label ${label}`);
    }
  }
  return [...new Set(problems)];
}

const datasourceSchema = z.object({ type: z.literal('prometheus'), uid: z.literal('${datasource}') });
const dashboardSchema = z.object({
  schemaVersion: z.number().min(36),
  uid: z.string().min(1),
  title: z.string().min(1),
  panels: z.array(
    z.object({
      id: z.number(),
      type: z.string(),
      title: z.string().min(1),
      datasource: datasourceSchema.optional(),
      targets: z.array(z.object({ refId: z.string(), expr: z.string().min(1), datasource: datasourceSchema })).optional(),
    }),
  ),
  templating: z.object({
    list: z.array(z.object({ name: z.string(), type: z.string(), query: z.unknown(), definition: z.string().optional() })),
  }),
});
const ruleSchema = z.object({ alert: z.string(), expr: z.string() }).loose();
const rulesSchema = z.object({ groups: z.array(z.object({ name: z.string(), rules: z.array(ruleSchema) })) });
const alertSchema = z.object({
  for: z.string().regex(/^\d+[smh]$/),
  labels: z.object({ severity: z.enum(['warning', 'critical']) }),
  annotations: z.object({ summary: z.string().min(1), description: z.string().min(1) }),
});

const dashboard = dashboardSchema.parse(JSON.parse(read('docs/grafana/orchestrator.json')));
const rules = rulesSchema.parse(parse(read('docs/alerts.yml'))).groups.flatMap((group) => group.rules);
const page = read('docs/observability.md');
const registered = [...read('src/metrics.ts').matchAll(/name: '(orchestrator_\w+)'/g)].map(([, name = '']) => name);

/** Every PromQL expression of the dashboard, named by its panel; `label_values(selector, label)` as `selector` and its label. */
function dashboardExpressions(): { where: string; expr: string }[] {
  const panels = dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}" ${target.refId}`, expr: target.expr })),
  );
  const variables = dashboard.templating.list.flatMap(({ name, definition }) => {
    const match = /^label_values\((.+),\s*(\w+)\)$/.exec(definition ?? '');
    return match ? [{ where: `variable ${name}`, expr: `sum by (${match[2] ?? ''}) (${match[1] ?? ''})` }] : [];
  });
  return [...panels, ...variables];
}

describe('the PromQL scanner', () => {
  it('finds metric names, matcher labels and grouping labels, and skips functions, strings and variables', () => {
    const expr = `histogram_quantile(0.95, sum by (provider, le) (rate(a_seconds_bucket{kind="rate_limited", job=~"$job"}[$__rate_interval])))
      / on (provider) sum(rate(b_total[5m] offset 15m)) by (model) > 0 and absent(up == 1)`;
    expect(scanPromQL(expr)).toEqual({
      selectors: [
        { metric: 'a_seconds_bucket', labels: ['kind', 'job'] },
        { metric: 'b_total', labels: [] },
        { metric: 'up', labels: [] },
      ],
      groupings: [
        { labels: ['provider', 'le'], metrics: ['a_seconds_bucket'] },
        { labels: ['provider'], metrics: ['a_seconds_bucket', 'b_total', 'up'] },
        { labels: ['model'], metrics: ['b_total'] },
      ],
    });
  });
});

describe('docs/grafana/orchestrator.json and docs/alerts.yml against a real scrape', () => {
  let fake: FakeVendor | undefined;
  let server: TestApp | undefined;
  let served: Served = { families: new Set(), samples: new Map() };

  beforeAll(async () => {
    fake = await startFakeVendor();
    server = await startTestApp({ redis: true, env: { ...fake.environment(), MCP_SERVERS: 'examples/mcp-servers.json' } });
    const { url } = server;
    // Ada (the fake vendor) commits a reply with usage, then is refused: every turn metric gets a series.
    // Bob (MOCK) calls the demo MCP server's tool the topic names: the tool metrics get theirs.
    fake.script('openai-compatible', { chunks: ['Counted.'], usage: { inputTokens: 10, outputTokens: 2 } }, { status: 401 });
    const agents = [
      { name: 'Ada', persona: 'Architect', provider: 'OPENAI_COMPATIBLE' },
      { ...mockAgents(2)[1], tools: ['demo'] },
    ];
    const id = await createDiscussion(url, { topic: 'Metrics for the docs, and demo/add {"a": 1, "b": 2}', agents, maxRounds: 2 });
    await mustGraphQL(url, START, { id });
    await vi.waitFor(
      async () => {
        const { status } = await readTranscript(url, id);
        if (status !== 'COMPLETED') throw new Error(`the discussion is ${status}`);
      },
      { timeout: 30_000, interval: 100 },
    );
    // A document that does not validate: yoga counts an error result.
    expect((await postGraphQL(url, '{ noSuchField }')).errors?.length).toBe(1);
    const response = await fetch(new URL('/metrics', url));
    expect(response.status).toBe(200);
    served = parseScrape(await response.text());
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('the scrape has the series the checks below rely on', () => {
    expect(served.samples.get('orchestrator_turn_failures_total')).toEqual(new Set([...TARGET_LABELS, 'provider', 'kind']));
    expect(served.samples.get('graphql_envelop_error_result')).toEqual(new Set([...TARGET_LABELS, 'operationType', 'phase']));
    expect(served.samples.get('orchestrator_llm_time_to_first_token_seconds_bucket')).toContain('le');
  });

  it('every metric and label the dashboard queries is served', () => {
    const expressions = dashboardExpressions();
    expect(expressions.length).toBeGreaterThanOrEqual(20);
    expect(expressions.flatMap(({ where, expr }) => problemsOf(where, expr, served))).toEqual([]);
  });

  it('every metric and label the alerts query is served', () => {
    expect(rules.length).toBeGreaterThanOrEqual(8);
    expect(rules.flatMap(({ alert, expr }) => problemsOf(`alert ${alert}`, expr, served))).toEqual([]);
  });

  it('the dashboard charts every orchestrator_* metric the app serves', () => {
    const charted = new Set(
      dashboardExpressions().flatMap(({ expr }) => scanPromQL(expr).selectors.map((s) => baseName(s.metric, served))),
    );
    const ours = [...served.families].filter((name) => name.startsWith('orchestrator_'));
    expect(ours.length).toBeGreaterThanOrEqual(8);
    expect(ours.filter((name) => !charted.has(name))).toEqual([]);
  });

  it('docs/observability.md documents every orchestrator_* metric, registered in src/metrics.ts or served', () => {
    expect(registered.length).toBeGreaterThanOrEqual(8);
    const ours = new Set([...registered, ...[...served.families].filter((name) => name.startsWith('orchestrator_'))]);
    expect([...ours].filter((name) => !page.includes(`\`${name}\``))).toEqual([]);
    expect(registered.filter((name) => !served.families.has(name))).toEqual([]);
  });
});

describe('the dashboard and the alerting rules are complete', () => {
  it('the dashboard picks its Prometheus data source, job and instance from variables', () => {
    const variables = new Map(dashboard.templating.list.map((variable) => [variable.name, variable.type]));
    expect(Object.fromEntries(variables)).toMatchObject({ datasource: 'datasource', job: 'query', instance: 'query' });
    const queries = dashboard.panels.filter((panel) => panel.type !== 'row');
    expect(queries.filter((panel) => !panel.datasource || !panel.targets?.length).map((panel) => panel.title)).toEqual([]);
    const unscoped = dashboardExpressions().filter(
      ({ where, expr }) => where.startsWith('panel') && !expr.includes('job=~"$job", instance=~"$instance"'),
    );
    expect(unscoped.map(({ where }) => where)).toEqual([]);
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);
  });

  it('every alert has a for, a severity label and a summary and description, and is explained in docs/observability.md', () => {
    const incomplete = rules.filter((rule) => !alertSchema.safeParse(rule).success).map((rule) => rule.alert);
    expect(incomplete).toEqual([]);
    expect(rules.map((rule) => rule.alert).filter((name) => !page.includes(`### ${name}`))).toEqual([]);
  });
});
