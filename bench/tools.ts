/**
 * `npm run bench:tools`: what one tool step adds to a MOCK turn. One app in memory mode with
 * the example MCP server (examples/mcp-servers.json, a stdio child), MOCK at 0 ms per token.
 * One-turn discussions run one after another, alternating a plain turn and a turn whose
 * MOCK agent calls demo/add once (model call, MCP call over stdio, persisted ToolCallEvent,
 * second model call). Each turn's own `durationMs` (from its start to its commit, measured by
 * the engine) is compared: median and p99 of each flavour, and their difference.
 *
 * BENCH_TOOLS_TURNS (default 300 of each) sets the count.
 */
import { loadavg } from 'node:os';
import { z } from 'zod';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { percentiles, UNLIMITED_OWNER } from './stats.js';

const TURNS = Number(process.env.BENCH_TOOLS_TURNS ?? 300);
const WARM_UP = 20;

const responseSchema = z.object({ data: z.record(z.string(), z.unknown()).nullable().optional(), errors: z.array(z.unknown()).optional() });
const createdSchema = z.object({ createDiscussion: z.object({ id: z.string() }) });
const stateSchema = z.object({
  discussion: z.object({
    status: z.string(),
    messages: z.object({
      edges: z.array(
        z.object({ node: z.object({ durationMs: z.number().nullable(), toolCalls: z.array(z.object({ tool: z.string() })) }) }),
      ),
    }),
  }),
});

async function graphql<T>(url: string, query: string, variables: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = responseSchema.parse(await response.json());
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return schema.parse(body.data);
}

/** Runs one discussion of one turn and returns that turn's durationMs. */
async function oneTurn(url: string, withTool: boolean): Promise<number> {
  const agent = withTool ? { name: 'Ada', provider: 'MOCK', tools: ['demo'] } : { name: 'Ada', provider: 'MOCK' };
  const topic = withTool ? 'What is 1 + 2? Ask demo/add {"a": 1, "b": 2}' : 'What is 1 + 2?';
  const { createDiscussion } = await graphql(
    url,
    'mutation($input: CreateDiscussionInput!) { createDiscussion(input: $input) { id } }',
    { input: { topic, agents: [agent], maxRounds: 1 } },
    createdSchema,
  );
  const { id } = createDiscussion;
  await graphql(url, 'mutation($id: ID!) { startDiscussion(id: $id) { id } }', { id }, z.unknown());
  for (;;) {
    const { discussion } = await graphql(
      url,
      'query($id: ID!) { discussion(id: $id) { status messages(first: 2) { edges { node { durationMs toolCalls { tool } } } } } }',
      { id },
      stateSchema,
    );
    const message = discussion.messages.edges[0]?.node;
    if (discussion.status === 'COMPLETED' && message?.durationMs != null) {
      if (message.toolCalls.length !== (withTool ? 1 : 0))
        throw new Error(`expected ${withTool ? 1 : 0} tool calls, got ${message.toolCalls.length}`);
      return message.durationMs;
    }
    if (discussion.status === 'FAILED') throw new Error(`discussion ${id} failed`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function main(): Promise<void> {
  const config = loadConfig({
    MOCK_TOKEN_DELAY_MS: '0',
    LOG_LEVEL: 'silent',
    MCP_SERVERS: 'examples/mcp-servers.json',
    ...UNLIMITED_OWNER,
  });
  const app = await buildApp(config, { logger: createLogger('silent') });
  const { url } = await app.start(0, '127.0.0.1');
  const load = loadavg()[0]?.toFixed(2);
  try {
    for (let index = 0; index < WARM_UP; index++) await oneTurn(url, index % 2 === 1);
    const plain: number[] = [];
    const tooled: number[] = [];
    for (let index = 0; index < TURNS * 2; index++) {
      const withTool = index % 2 === 1;
      (withTool ? tooled : plain).push(await oneTurn(url, withTool));
    }
    const { p50: plainMedian, p99: plainP99 } = percentiles(plain);
    const { p50: toolMedian, p99: toolP99 } = percentiles(tooled);
    console.log(`tool step on MOCK (memory mode, stdio MCP server, ${TURNS} turns each, load ${load} -> ${loadavg()[0]?.toFixed(2)})`);
    console.log(`  plain turn:            median ${plainMedian} ms, p99 ${plainP99} ms`);
    console.log(`  turn with 1 tool call: median ${toolMedian} ms, p99 ${toolP99} ms`);
    console.log(`  a tool step adds:      median ${toolMedian - plainMedian} ms, p99 ${toolP99 - plainP99} ms`);
  } finally {
    await app.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
