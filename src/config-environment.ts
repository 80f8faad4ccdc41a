import { z } from 'zod';
import { CALLING_PROVIDERS } from './domain.js';

// Every environment variable the service reads, as zod parses it; config.ts turns the result into a Config.

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

/** `ANTHROPIC=8,OPENAI=16`: calls in flight per provider across every worker. */
const providerConcurrency = commaList.transform((entries, context) => {
  const limits: Partial<Record<(typeof CALLING_PROVIDERS)[number], number>> = {};
  for (const [index, entry] of entries.entries()) {
    const [name = '', value = '', ...rest] = entry.split('=').map((part) => part.trim());
    const provider = CALLING_PROVIDERS.find((candidate) => candidate === name.toUpperCase());
    const count = /^\d{1,6}$/.test(value) ? Number(value) : 0;
    if (!provider || count < 1 || rest.length > 0) {
      context.addIssue({
        code: 'custom',
        message: `entry ${index + 1}: use PROVIDER=count with a count of at least 1 and one of ${CALLING_PROVIDERS.join(', ')}`,
      });
    } else {
      limits[provider] = count;
    }
  }
  return limits;
});

export const environmentSchema = z.object({
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
  OWNER_DAILY_COST_USD: z.coerce.number().gt(0).max(1_000_000_000).optional(),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalUrl,
  ANTHROPIC_MODEL: z.string().trim().min(1).default('claude-sonnet-4-6'),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.string().trim().min(1).default('gpt-4.1-mini'),
  GEMINI_API_KEY: optionalString,
  GEMINI_BASE_URL: optionalUrl,
  GEMINI_MODEL: z.string().trim().min(1).default('gemini-3.5-flash-lite'),
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
  STOP_CANCEL_TIMEOUT_MS: integer(5_000, 100, 600_000),
  METRICS_TOKEN: optionalString,
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_SERVICE_NAME: z.string().trim().min(1).max(100).default('discussion-orchestrator'),
  PRICING_FILE: optionalString,
  MCP_SERVERS: optionalString,
  MAX_TOOL_STEPS: integer(8, 1, 64),
  TOOL_TIMEOUT_MS: integer(30_000, 100, 600_000),
  MAX_TOOL_RESULT_CHARS: integer(16_000, 100, 1_000_000),
  RETENTION_DAYS: z.coerce.number().positive().max(36_500).optional(),
  WEBHOOK_SECRET: optionalString,
  WEBHOOK_ALLOW_PRIVATE: flag.default(false),
  RECORD_PROVIDER_CALLS: flag.default(false),
  PROVIDER_CONCURRENCY: providerConcurrency,
});

/** Every variable the service reads; docs/operations.md and docker-compose.yml list them all (a test checks). */
export const ENVIRONMENT_VARIABLES: readonly string[] = Object.keys(environmentSchema.shape);
