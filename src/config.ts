import { z } from 'zod';

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const optionalUrl = optionalString.pipe(z.url({ protocol: /^https?$/ }).optional());

const commaList = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const integer = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const environmentSchema = z.object({
  PORT: integer(4000, 0, 65535),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  REDIS_KEY_PREFIX: z.string().trim().max(100).regex(/^[\w:.-]*$/, 'letters, digits and _ : . - only').default(''),
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AUTH_TOKENS: commaList,
  CORS_ORIGINS: commaList,
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalUrl,
  ANTHROPIC_MODEL: z.string().trim().min(1).default('claude-sonnet-4-6'),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.string().trim().min(1).default('gpt-4.1-mini'),
  GEMINI_API_KEY: optionalString,
  GEMINI_BASE_URL: optionalUrl,
  GEMINI_MODEL: z.string().trim().min(1).default('gemini-2.5-flash'),
  CLAUDE_AGENT_MODEL: z.string().trim().min(1).default('claude-sonnet-4-6'),
  OPENAI_COMPATIBLE_BASE_URL: optionalUrl,
  OPENAI_COMPATIBLE_API_KEY: optionalString,
  OPENAI_COMPATIBLE_MODEL: z.string().trim().min(1).default('llama3.1'),
  MOCK_MODEL: z.string().trim().min(1).default('mock-1'),
  MOCK_TOKEN_DELAY_MS: integer(30, 0, 60_000),
  PROVIDER_MAX_RETRIES: integer(2, 0, 10),
  PROVIDER_TIMEOUT_MS: integer(120_000, 1_000, 3_600_000),
  SHUTDOWN_GRACE_MS: integer(10_000, 0, 600_000),
  WORKER_CONCURRENCY: integer(50, 1, 10_000),
  TURN_LOCK_MS: integer(15_000, 1_000, 600_000),
});

export type Environment = Record<string, string | undefined>;

export interface VendorConfig {
  apiKey?: string;
  baseUrl?: string;
  model: string;
}

export interface Config {
  port: number;
  host: string;
  redisUrl?: string;
  /** Prefixes every Redis key and channel, so several deployments (or test runs) share one Redis. */
  redisKeyPrefix: string;
  role: 'all' | 'api' | 'worker';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  authTokens: string[];
  corsOrigins: string[];
  shutdownGraceMs: number;
  /** Redis mode: turns one worker runs at once, and how long a dead worker's turn stays claimed. */
  worker: { concurrency: number; lockDurationMs: number };
  providers: {
    anthropic: VendorConfig;
    openai: VendorConfig;
    gemini: VendorConfig;
    /** The Claude Agent SDK runs on the Anthropic key and base URL. */
    claudeAgent: VendorConfig;
    openaiCompatible: VendorConfig;
    mock: { model: string; tokenDelayMs: number };
    maxRetries: number;
    timeoutMs: number;
  };
}

/** A bad environment variable: the message names it and says what is wrong. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(environment: Environment = process.env): Config {
  // An empty variable means unset, as in `PORT= npm start` or a compose file's `${X:-}`.
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment: ${problems.join('; ')}`);
  }
  const env = parsed.data;
  if (env.ROLE !== 'all' && !env.REDIS_URL) {
    throw new ConfigError(`Invalid environment: ROLE: "${env.ROLE}" needs REDIS_URL (in memory mode one process does everything)`);
  }
  return {
    port: env.PORT,
    host: env.HOST,
    redisUrl: env.REDIS_URL,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    role: env.ROLE,
    logLevel: env.LOG_LEVEL,
    authTokens: env.AUTH_TOKENS,
    corsOrigins: env.CORS_ORIGINS,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    worker: { concurrency: env.WORKER_CONCURRENCY, lockDurationMs: env.TURN_LOCK_MS },
    providers: {
      anthropic: { apiKey: env.ANTHROPIC_API_KEY, baseUrl: env.ANTHROPIC_BASE_URL, model: env.ANTHROPIC_MODEL },
      openai: { apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL, model: env.OPENAI_MODEL },
      gemini: { apiKey: env.GEMINI_API_KEY, baseUrl: env.GEMINI_BASE_URL, model: env.GEMINI_MODEL },
      claudeAgent: { apiKey: env.ANTHROPIC_API_KEY, baseUrl: env.ANTHROPIC_BASE_URL, model: env.CLAUDE_AGENT_MODEL },
      openaiCompatible: {
        apiKey: env.OPENAI_COMPATIBLE_API_KEY,
        baseUrl: env.OPENAI_COMPATIBLE_BASE_URL,
        model: env.OPENAI_COMPATIBLE_MODEL,
      },
      mock: { model: env.MOCK_MODEL, tokenDelayMs: env.MOCK_TOKEN_DELAY_MS },
      maxRetries: env.PROVIDER_MAX_RETRIES,
      timeoutMs: env.PROVIDER_TIMEOUT_MS,
    },
  };
}
