/**
 * The service alone in its process, for the streaming benchmark (bench/streaming.ts):
 * the app of src/app.ts in Redis mode under BENCH_KEY_PREFIX, driven over IPC.
 * It reads REDIS_URL, MOCK_TOKEN_DELAY_MS, WORKER_CONCURRENCY and ROLE; everything else is the service's default.
 */
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { takeGcPauses, watchGcPauses } from './gc-pauses.js';
import { handle, serveCommands } from './ipc.js';
import { readMemory } from './process-memory.js';
import { serverCommands } from './stream-protocol.js';
import { UNLIMITED_OWNER } from './stats.js';

let app: App | undefined;
watchGcPauses();

async function start(): Promise<{ url: string }> {
  // Only what the benchmark sets: the caller's AUTH_TOKENS or limits must not change what is measured.
  const { REDIS_URL, MOCK_TOKEN_DELAY_MS, WORKER_CONCURRENCY, ROLE } = process.env;
  const config = loadConfig({
    REDIS_URL,
    MOCK_TOKEN_DELAY_MS,
    WORKER_CONCURRENCY,
    ROLE,
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    ...UNLIMITED_OWNER,
  });
  app = await buildApp(config, { keyPrefix: process.env.BENCH_KEY_PREFIX ?? 'bench:', logger: createLogger('silent') });
  if (app.mode !== 'redis') throw new Error(`the app runs in ${app.mode} mode; the benchmark needs REDIS_URL`);
  return app.start();
}

function started(): App {
  if (!app) throw new Error('the app has not started');
  return app;
}

async function stop(): Promise<object> {
  const running = app;
  app = undefined;
  await running?.stop();
  return {};
}

serveCommands(
  [
    handle(serverCommands.start, start),
    handle(serverCommands.whenListening, async ({ discussionIds, count }) => {
      const running = started();
      await Promise.all(discussionIds.map((id) => running.whenListening(id, count)));
      return {};
    }),
    handle(serverCommands.memory, ({ gc }) => readMemory(gc)),
    handle(serverCommands.gcPauses, takeGcPauses),
    handle(serverCommands.stop, stop),
  ],
  async () => {
    await stop();
  },
);
