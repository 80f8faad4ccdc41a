import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { RuntimeOptions } from '../../src/runtime.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestApp {
  app: App;
  url: string;
  keyPrefix: string;
  close(): Promise<void>;
}

/** Deletes every key under a prefix (tests share one Redis and clean up after themselves). */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/**
 * The real app on a free port: memory mode, or Redis mode against the real
 * server with its own key prefix. MOCK tokens stream with no delay unless the
 * test asks for one.
 */
export async function startTestApp({
  redis = false,
  env = {},
  keyPrefix = `test:${randomUUID()}:`,
  keepKeys = false,
  logger,
  webhookRetry,
}: {
  redis?: boolean;
  env?: Record<string, string>;
  keyPrefix?: string;
  keepKeys?: boolean;
  logger?: Logger;
  /** A short webhook backoff for the tests that wait for retries. */
  webhookRetry?: RuntimeOptions['webhookRetry'];
} = {}): Promise<TestApp> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    MOCK_TOKEN_DELAY_MS: '0',
    SHUTDOWN_GRACE_MS: '0',
    // Tests of other behaviour create and drive hundreds of discussions; the limits' own tests set these.
    RATE_LIMIT_PER_MINUTE: '1000000',
    MAX_RUNNING_PER_OWNER: '1000000',
    ...(redis ? { REDIS_URL: TEST_REDIS_URL } : {}),
    ...env,
  });
  const app = await buildApp(config, { keyPrefix, webhookRetry, logger: logger ?? pino({ level: config.logLevel }) });
  const { url } = await app.start(0, '127.0.0.1');
  return {
    app,
    url,
    keyPrefix,
    async close() {
      await app.stop();
      if (redis && !keepKeys) await deleteKeys(TEST_REDIS_URL, keyPrefix);
    },
  };
}

/** The two modes every end-to-end behaviour is checked in. */
export const BOTH_MODES = [
  { mode: 'memory', redis: false },
  { mode: 'redis', redis: true },
] as const;
