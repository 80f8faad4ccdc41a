import { environmentSchema } from './config-environment.js';
import type { ProviderName } from './domain.js';
import { readMcpServersFile } from './tools/mcp-config.js';
import type { McpServerConfig } from './tools/types.js';

export { ENVIRONMENT_VARIABLES } from './config-environment.js';

const DAY_MS = 86_400_000;

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
  /** STOP_CANCEL_TIMEOUT_MS: how long a stop waits for the process running the turn to cancel it, before it ends the turn itself. */
  stopCancelTimeoutMs: number;
  /** When set, `GET /metrics` wants it as a bearer token. */
  metricsToken?: string;
  /** OpenTelemetry tracing, on when an OTLP/HTTP endpoint is set. */
  tracing: { endpoint?: string; serviceName: string };
  /** A JSON file of model prices merged over the built-in table (src/pricing/price-table.ts). */
  pricingFile?: string;
  /** RECORD_PROVIDER_CALLS: discussions created keep each provider call's request and streamed parts, for replayDiscussion. */
  recordProviderCalls: boolean;
  /** PROVIDER_CONCURRENCY: calls in flight per provider across every worker; a provider not named has no cap. */
  providerConcurrency: Partial<Record<ProviderName, number>>;
  /** How long a finished discussion is kept, in ms; undefined: for ever. */
  retentionMs?: number;
  webhooks: WebhookConfig;
  tools: ToolsConfig;
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
  /** USD an owner's discussions may spend per day, priced as `Usage.costUsd`; undefined: unlimited. */
  dailyCostUsd?: number;
}

export interface WebhookConfig {
  /** Signs every delivery (HMAC-SHA256 in X-Signature-256); unsigned when unset. */
  secret?: string;
  /** Deliver to loopback, private and link-local addresses too (tests, a receiver on the same network). */
  allowPrivate: boolean;
}

export interface ToolsConfig {
  /** MCP_SERVERS: the file the servers were read from. */
  file?: string;
  /** Server name → how to reach it; empty without MCP_SERVERS. */
  servers: Record<string, McpServerConfig>;
  /** MAX_TOOL_STEPS: model calls of one turn that may ask for tools. */
  maxSteps: number;
  /** TOOL_TIMEOUT_MS: one tool call's limit. */
  timeoutMs: number;
  /** MAX_TOOL_RESULT_CHARS: a result longer than this reaches the model cut, with a note. */
  maxResultChars: number;
}

export interface StreamingConfig {
  /** A reply's deltas that arrive faster than this are joined into one token event (one write to Redis). */
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
      dailyCostUsd: env.OWNER_DAILY_COST_USD,
    },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    stopCancelTimeoutMs: env.STOP_CANCEL_TIMEOUT_MS,
    metricsToken: env.METRICS_TOKEN,
    tracing: { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME },
    pricingFile: env.PRICING_FILE,
    recordProviderCalls: env.RECORD_PROVIDER_CALLS,
    providerConcurrency: env.PROVIDER_CONCURRENCY,
    // At least 1 ms: a retention that rounds to 0 would expire the record inside the very script that ends it.
    retentionMs: env.RETENTION_DAYS === undefined ? undefined : Math.max(1, Math.round(env.RETENTION_DAYS * DAY_MS)),
    webhooks: { secret: env.WEBHOOK_SECRET, allowPrivate: env.WEBHOOK_ALLOW_PRIVATE },
    tools: {
      file: env.MCP_SERVERS,
      servers: env.MCP_SERVERS === undefined ? {} : readMcpServersFile(env.MCP_SERVERS),
      maxSteps: env.MAX_TOOL_STEPS,
      timeoutMs: env.TOOL_TIMEOUT_MS,
      maxResultChars: env.MAX_TOOL_RESULT_CHARS,
    },
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
