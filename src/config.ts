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

const DAY_MS = 86_400_000;

const integer = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/** A positive whole number, or undefined (unlimited) when unset. */
const optionalLimit = z.coerce.number().int().min(1).optional();

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'use true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** `token:owner` or `token:owner:admin`, comma-separated. The message never repeats a token. */
const authTokens = commaList.transform((entries, context) =>
  entries.flatMap((entry, index) => {
    const [token = '', owner = '', role, ...rest] = entry.split(':').map((part) => part.trim());
    const problem =
      token.length < 16
        ? 'the token must be at least 16 characters'
        : !/^[\x21-\x7e]+$/.test(token)
          ? 'the token must be printable ASCII without spaces (as a Bearer token is sent)'
          : !/^[\w.@-]{1,100}$/.test(owner)
            ? 'the owner must be 1 to 100 letters, digits or _ . @ -'
            : (role !== undefined && role !== 'admin') || rest.length > 0
              ? 'the only role is "admin" (token:owner:admin)'
              : undefined;
    if (problem) {
      context.addIssue({ code: 'custom', message: `entry ${index + 1}: ${problem}` });
      return [];
    }
    return [{ token, owner, admin: role === 'admin' }];
  }),
);

const environmentSchema = z.object({
  PORT: integer(4000, 0, 65535),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  NODE_ENV: z.string().trim().optional(),
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  REDIS_KEY_PREFIX: z
    .string()
    .trim()
    .max(100)
    .regex(/^[\w:.-]*$/, 'letters, digits and _ : . - only')
    .default(''),
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  AUTH_TOKENS: authTokens,
  AUTH_JWKS_URL: optionalUrl,
  AUTH_JWT_ISSUER: optionalString,
  AUTH_JWT_AUDIENCE: optionalString,
  AUTH_OWNER_CLAIM: z.string().trim().min(1).default('sub'),
  ALLOW_ANONYMOUS: flag.default(false),
  CORS_ORIGINS: commaList.pipe(z.array(z.url({ protocol: /^https?$/ }).or(z.literal('*')))),
  GRAPHQL_INTROSPECTION: flag.optional(),
  GRAPHQL_MAX_DEPTH: integer(10, 1, 1_000),
  GRAPHQL_MAX_ALIASES: integer(15, 0, 10_000),
  GRAPHQL_MAX_TOKENS: integer(2_000, 10, 1_000_000),
  GRAPHQL_MAX_DIRECTIVES: integer(50, 0, 10_000),
  GRAPHQL_MAX_COST: integer(5_000, 1, 10_000_000),
  MAX_BODY_BYTES: integer(1_048_576, 1_024, 100 * 1_048_576),
  MAX_SUBSCRIPTIONS_PER_SOCKET: integer(100, 1, 100_000),
  RATE_LIMIT_PER_MINUTE: integer(120, 1, 1_000_000),
  MAX_RUNNING_PER_OWNER: integer(20, 1, 1_000_000),
  OWNER_DAILY_TOKEN_BUDGET: optionalLimit,
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
  TOKEN_COALESCE_MS: integer(5, 0, 1_000),
  SUBSCRIBER_BUFFER_EVENTS: integer(512, 8, 100_000),
  PROVIDER_MAX_RETRIES: integer(2, 0, 10),
  PROVIDER_TIMEOUT_MS: integer(120_000, 1_000, 3_600_000),
  SHUTDOWN_GRACE_MS: integer(10_000, 0, 600_000),
  WORKER_CONCURRENCY: integer(50, 1, 10_000),
  TURN_LOCK_MS: integer(2_000, 1_000, 600_000),
  METRICS_TOKEN: optionalString,
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_SERVICE_NAME: z.string().trim().min(1).max(100).default('discussion-orchestrator'),
  PRICING_FILE: optionalString,
  RETENTION_DAYS: z.coerce.number().positive().max(36_500).optional(),
  WEBHOOK_SECRET: optionalString,
  WEBHOOK_ALLOW_PRIVATE: flag.default(false),
});

/** Every variable the service reads; docs/operations.md and docker-compose.yml list them all (a test checks). */
export const ENVIRONMENT_VARIABLES: readonly string[] = Object.keys(environmentSchema.shape);

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
  /** `auto`: coloured lines on a terminal, JSON lines otherwise. */
  logFormat: 'auto' | 'json' | 'pretty';
  auth: AuthConfig;
  corsOrigins: string[];
  /** Whether introspection and "Did you mean" suggestions are answered (and GraphiQL served). */
  introspection: boolean;
  limits: LimitsConfig;
  shutdownGraceMs: number;
  /** When set, `GET /metrics` wants it as a bearer token. */
  metricsToken?: string;
  /** OpenTelemetry tracing, on when an OTLP/HTTP endpoint is set. */
  tracing: { endpoint?: string; serviceName: string };
  /** A JSON file of model prices merged over the built-in table (src/pricing/price-table.ts). */
  pricingFile?: string;
  /** How long a finished discussion is kept, in ms; undefined: for ever. */
  retentionMs?: number;
  webhooks: WebhookConfig;
  streaming: StreamingConfig;
  /** Redis mode: turns one worker runs at once, and how a running turn is claimed (see turnLockTiming). */
  worker: { concurrency: number } & TurnLockTiming;
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

export interface StaticToken {
  token: string;
  owner: string;
  /** An operator: sees and acts on every owner's discussions. */
  admin: boolean;
}

export interface AuthConfig {
  tokens: StaticToken[];
  jwt?: { jwksUrl: string; issuer?: string; audience?: string; ownerClaim: string };
  /** Listen on a non-loopback HOST with no auth configured (every caller is owner `public`). */
  allowAnonymous: boolean;
}

/** Defaults are in DESIGN.md ("Identity, tenancy and limits"). */
export interface LimitsConfig {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  maxBodyBytes: number;
  maxSubscriptionsPerSocket: number;
  mutationsPerMinute: number;
  maxRunningPerOwner: number;
  /** Input plus output tokens an owner's discussions may use per day; undefined: unlimited. */
  dailyTokenBudget?: number;
}

export interface WebhookConfig {
  /** Signs every delivery (HMAC-SHA256 in X-Signature-256); unsigned when unset. */
  secret?: string;
  /** Deliver to loopback, private and link-local addresses too (tests, a receiver on the same network). */
  allowPrivate: boolean;
}

export interface StreamingConfig {
  /** A reply's deltas that arrive faster than this are joined into one token event (one Redis round trip). */
  tokenCoalesceMs: number;
  /** Events a subscriber may have waiting (tokens of one message join into one) before it is cut off as too slow. */
  subscriberBufferEvents: number;
}

/**
 * How a worker holds a running turn. The claim (a BullMQ lock) lasts `lockDurationMs`
 * unless renewed; a live worker renews it every `lockRenewMs`, so it keeps the turn
 * through any stall (a blocked event loop, a slow Redis) shorter than
 * `lockDurationMs - lockRenewMs`: 1.8 s by default. Every `stallCheckMs` one worker
 * looks for turns whose claim lapsed, so a dead worker's turn starts over elsewhere
 * within about `lockDurationMs + stallCheckMs`: 2.5 s by default.
 */
export interface TurnLockTiming {
  lockDurationMs: number;
  lockRenewMs: number;
  stallCheckMs: number;
}

/** Renewals and checks cost one small Redis script each (a renewal covers all of a worker's turns): do them often. */
const MAX_LOCK_RENEW_MS = 500;
const STALL_CHECK_MS = 500;

/** The timing of a turn's claim for TURN_LOCK_MS: renewed ten times per lock duration, or every 500 ms if that is more often. */
export function turnLockTiming(lockDurationMs: number): TurnLockTiming {
  return {
    lockDurationMs,
    lockRenewMs: Math.min(MAX_LOCK_RENEW_MS, Math.floor(lockDurationMs / 10)),
    stallCheckMs: STALL_CHECK_MS,
  };
}

/** Whether requests need a credential: static tokens or a JWKS are configured. */
export const authConfigured = (auth: AuthConfig): boolean => auth.tokens.length > 0 || auth.jwt !== undefined;

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
  for (const name of ['AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE'] as const) {
    if (env[name] && !env.AUTH_JWKS_URL)
      throw new ConfigError(`Invalid environment: ${name}: set AUTH_JWKS_URL too; JWTs are only accepted with a JWKS`);
  }
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
    logFormat: env.LOG_FORMAT,
    auth: {
      tokens: env.AUTH_TOKENS,
      jwt: env.AUTH_JWKS_URL
        ? { jwksUrl: env.AUTH_JWKS_URL, issuer: env.AUTH_JWT_ISSUER, audience: env.AUTH_JWT_AUDIENCE, ownerClaim: env.AUTH_OWNER_CLAIM }
        : undefined,
      allowAnonymous: env.ALLOW_ANONYMOUS,
    },
    corsOrigins: env.CORS_ORIGINS,
    introspection: env.GRAPHQL_INTROSPECTION ?? env.NODE_ENV !== 'production',
    limits: {
      maxDepth: env.GRAPHQL_MAX_DEPTH,
      maxAliases: env.GRAPHQL_MAX_ALIASES,
      maxTokens: env.GRAPHQL_MAX_TOKENS,
      maxDirectives: env.GRAPHQL_MAX_DIRECTIVES,
      maxCost: env.GRAPHQL_MAX_COST,
      maxBodyBytes: env.MAX_BODY_BYTES,
      maxSubscriptionsPerSocket: env.MAX_SUBSCRIPTIONS_PER_SOCKET,
      mutationsPerMinute: env.RATE_LIMIT_PER_MINUTE,
      maxRunningPerOwner: env.MAX_RUNNING_PER_OWNER,
      dailyTokenBudget: env.OWNER_DAILY_TOKEN_BUDGET,
    },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    metricsToken: env.METRICS_TOKEN,
    tracing: { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME },
    pricingFile: env.PRICING_FILE,
    // At least 1 ms: a retention that rounds to 0 would expire the record inside the very script that ends it.
    retentionMs: env.RETENTION_DAYS === undefined ? undefined : Math.max(1, Math.round(env.RETENTION_DAYS * DAY_MS)),
    webhooks: { secret: env.WEBHOOK_SECRET, allowPrivate: env.WEBHOOK_ALLOW_PRIVATE },
    streaming: { tokenCoalesceMs: env.TOKEN_COALESCE_MS, subscriberBufferEvents: env.SUBSCRIBER_BUFFER_EVENTS },
    worker: { concurrency: env.WORKER_CONCURRENCY, ...turnLockTiming(env.TURN_LOCK_MS) },
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
