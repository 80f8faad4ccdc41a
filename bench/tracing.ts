/**
 * The tracing part of `npm run bench`: the same K x S scenario on an app with
 * tracing off and on (OTLP/HTTP to a local receiver that counts the spans),
 * alternated after a warm-up run so both see the same machine, and the ratio
 * of their median turns/s.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createRedisReference } from './redis-reference.js';
import { runScenario, type ScenarioResult } from './scenario.js';
import { percentiles, type BenchSetting, UNLIMITED_OWNER } from './stats.js';

export interface TracingBenchOptions {
  redisUrl: string;
  keyPrefix: string;
  setting: BenchSetting;
  maxRounds: number;
  timeoutMs: number;
  /** Runs of each flavour, alternated: off, on, off, on, … */
  repeats: number;
}

export interface TracingRun {
  traced: boolean;
  result: ScenarioResult;
  /** Spans the receiver got during the run (the exporter flushes when the app stops). */
  spans: number;
}

/** An OTLP/HTTP endpoint that accepts every export and counts its spans (by their `spanId`s). */
async function startSpanCounter(): Promise<{ endpoint: string; spans(): number; close(): Promise<void> }> {
  let spans = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      spans += Buffer.concat(chunks).toString('utf8').split('"spanId"').length - 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the span counter is not listening on a TCP port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    spans: () => spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function runTracingBench(options: TracingBenchOptions): Promise<TracingRun[]> {
  const { redisUrl, keyPrefix, setting, maxRounds, timeoutMs, repeats } = options;
  const counter = await startSpanCounter();
  const reference = await createRedisReference(redisUrl, keyPrefix);
  const runs: TracingRun[] = [];
  try {
    // Run -1 warms the process up (the JIT, Redis' scripts) and is not reported.
    for (let index = -1; index < repeats * 2; index++) {
      const traced = index >= 0 && index % 2 === 1;
      const config = loadConfig({
        REDIS_URL: redisUrl,
        MOCK_TOKEN_DELAY_MS: '0',
        LOG_LEVEL: 'silent',
        ...(traced ? { OTEL_EXPORTER_OTLP_ENDPOINT: counter.endpoint } : {}),
        ...UNLIMITED_OWNER,
      });
      const app = await buildApp(config, { keyPrefix, logger: createLogger('silent') });
      const before = counter.spans();
      try {
        const { url } = await app.start(0, '127.0.0.1');
        const result = await runScenario(
          { app, httpUrl: url, wsUrl: url.replace(/^http/, 'ws'), reference, maxRounds, timeoutMs },
          setting,
        );
        if (index >= 0) runs.push({ traced, result, spans: 0 });
      } finally {
        await app.stop();
      }
      const run = runs.at(-1);
      if (run && index >= 0) run.spans = counter.spans() - before;
    }
  } finally {
    await reference.close();
    await counter.close();
  }
  return runs;
}

const turnsPerSecond = ({ result }: TracingRun): number => (result.turns * 1000) / result.wallMs;

export function printTracingBench(runs: readonly TracingRun[]): void {
  console.table(
    runs.map((run) => ({
      tracing: run.traced ? 'on' : 'off',
      turns: run.result.turns,
      'turns/s': Math.round(turnsPerSecond(run)),
      'spans exported': run.spans,
      'p99 ms': Number(run.result.latencyFromRedis.p99.toFixed(2)),
      'wall s': Number((run.result.wallMs / 1000).toFixed(2)),
    })),
  );
  const median = (traced: boolean) => percentiles(runs.filter((run) => run.traced === traced).map(turnsPerSecond)).p50;
  const off = median(false);
  const on = median(true);
  console.log(
    `Tracing: median ${Math.round(off)} turns/s off, ${Math.round(on)} on: ratio on/off ${(on / off).toFixed(3)} ` +
      `(${((1 - on / off) * 100).toFixed(1)}% overhead), same process, runs alternated.`,
  );
}
