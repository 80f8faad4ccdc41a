import type { Logger } from 'pino';
import { isLoopbackHost } from './auth/identity.js';
import { authConfigured, ConfigError, type Config } from './config.js';
import { createDiscussionService } from './engine/discussion-service.js';
import { recoverDiscussions } from './engine/recovery.js';
import { createTurnRunner } from './engine/turn-runner.js';
import { createGraphQLServer, createHealthServer, GRAPHQL_PATH } from './http/server.js';
import { createMetrics } from './metrics.js';
import { createPricing, readPriceFile } from './pricing/pricing.js';
import { createLogger } from './logger.js';
import { createProviderRegistry } from './providers/registry.js';
import { notConfigured, PROVIDER_SETTING } from './providers/types.js';
import { createRuntime, type RuntimeOptions } from './runtime.js';
import { listenError } from './startup-errors.js';
import { traceProviders } from './tracing/traced-providers.js';
import { startTracing } from './tracing/tracing.js';
import { createToolHub } from './tools/mcp-hub.js';
import { DEFAULT_TOOL_LIMITS } from './tools/types.js';

export interface App {
  /** Listens on `port` (0 picks a free one) and resolves with the address. */
  start(port?: number, host?: string): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
  readonly mode: 'memory' | 'redis';
  /** Resolves once this process serves at least `count` live subscriptions of the discussion. */
  whenListening(discussionId: string, count: number): Promise<void>;
}

/**
 * Anonymous mode answers anyone as owner `public`: like Redis' protected mode,
 * it only listens where nobody else can reach it unless the operator says so.
 */
function checkExposure(config: Config, host: string, logger: Logger): void {
  if (authConfigured(config.auth)) return;
  if (!isLoopbackHost(host) && !config.auth.allowAnonymous) {
    throw new ConfigError(
      `Refusing to listen on HOST=${host} without authentication: set AUTH_TOKENS or AUTH_JWKS_URL, or ALLOW_ANONYMOUS=true to let anyone who reaches it use it as owner "public"`,
    );
  }
  logger.warn({ host }, 'ANONYMOUS MODE: no AUTH_TOKENS or AUTH_JWKS_URL is set, so every request acts as owner "public"');
}

/** A vendor's base URL without its key leaves the provider off: say which variable is missing. */
function warnHalfConfigured(providers: Config['providers'], logger: Logger): void {
  const vendors = [
    ['ANTHROPIC', providers.anthropic],
    ['OPENAI', providers.openai],
    ['GEMINI', providers.gemini],
  ] as const;
  for (const [name, vendor] of vendors) {
    if (vendor.baseUrl !== undefined && vendor.apiKey === undefined)
      logger.warn(`${name}_BASE_URL is set but ${PROVIDER_SETTING[name]} is not: ${notConfigured(name)}`);
  }
}

export async function buildApp(config: Config, options: RuntimeOptions & { logger?: Logger } = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // A bad PRICING_FILE stops the start before any connection is made.
  const pricing = createPricing(config.pricingFile ? readPriceFile(config.pricingFile) : {});
  const metrics = createMetrics({ token: config.metricsToken, pricing });
  const runtime = await createRuntime(config, logger, { ...options, slotObserver: metrics });
  const tracing = startTracing(config.tracing, { role: config.role, logger });
  if (runtime.mode === 'memory') {
    logger.warn('MEMORY MODE: no REDIS_URL is set, so nothing persists. Discussions vanish when this process stops.');
  }
  // a vendor's 429 pauses that provider's new calls on every worker (PROVIDER_CONCURRENCY's scheduler)
  const registry = createProviderRegistry(
    config.providers,
    config.tools,
    (provider, retryAfterMs) =>
      void runtime.slots
        .pause(provider, retryAfterMs)
        .catch((error: unknown) =>
          logger.warn(
            { provider, message: error instanceof Error ? error.message : String(error) },
            'could not pause the provider after a 429',
          ),
        ),
  );
  const providers = tracing.enabled ? traceProviders(registry) : registry;
  warnHalfConfigured(config.providers, logger);
  metrics.watchProviderSlots(() => runtime.slots.waiting());
  metrics.watchQueue(() => runtime.scheduler.waitingCount());
  metrics.watchDiscussions(() => runtime.store.countByStatus());
  const toolHub = createToolHub(
    config.tools.servers,
    { ...DEFAULT_TOOL_LIMITS, timeoutMs: config.tools.timeoutMs, maxResultChars: config.tools.maxResultChars },
    logger,
  );
  const engine = {
    metrics,
    pricing,
    recordProviderCalls: config.recordProviderCalls,
    slots: runtime.slots,
    tools: toolHub,
    toolSettings: { maxSteps: config.tools.maxSteps, maxResultChars: config.tools.maxResultChars },
    store: runtime.store,
    bus: runtime.bus,
    tokens: runtime.tokens,
    tokenCoalesceMs: config.streaming.tokenCoalesceMs,
    subscriberBufferEvents: config.streaming.subscriberBufferEvents,
    stopCancelTimeoutMs: config.stopCancelTimeoutMs,
    scheduler: runtime.scheduler,
    webhooks: runtime.webhooks,
    quotas: runtime.quotas,
    providers,
    logger,
  };
  const runner = createTurnRunner(engine);
  const discussions = createDiscussionService({ ...engine, runner });
  let stopCommands: (() => void) | undefined;
  if (config.role !== 'api') {
    runtime.scheduler.startWorker(runner.runJob, metrics.turnStarted);
    // An API process only enqueues deliveries; workers send them.
    runtime.webhooks.startWorker();
    // A stop on any replica reaches the process running the turn.
    stopCommands = await runtime.bus.onCommand((command) => {
      const { discussionId, reason } = command;
      logger.debug({ discussionId, reason, running: runner.isRunning(discussionId) }, 'cancel command received');
      void runner.cancel(discussionId, reason);
    });
    await recoverDiscussions(engine);
  }

  const http =
    config.role === 'worker'
      ? createHealthServer({ isReady: runtime.isReady, metrics })
      : createGraphQLServer({ config, logger, discussions, providers, pricing, tools: toolHub, isReady: runtime.isReady, metrics });
  const { server } = http;

  let stopping: Promise<void> | undefined;
  async function stop(): Promise<void> {
    logger.info('shutting down');
    // Stop taking requests and end every subscription (their listeners unsubscribe as they end).
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await http.closeSubscriptions();
    server.closeAllConnections();
    await closed;
    // Let running turns finish within the grace period, then cancel what is left.
    const grace = setTimeout(() => void runner.cancelAll('shutdown'), config.shutdownGraceMs);
    await runtime.scheduler.close();
    clearTimeout(grace);
    stopCommands?.();
    await runtime.close();
    await toolHub.close();
    await tracing.shutdown();
    logger.info('stopped');
  }

  return {
    mode: runtime.mode,
    async start(port = config.port, host = config.host) {
      if (config.role !== 'worker') checkExposure(config, host, logger);
      await new Promise<void>((resolve, reject) => {
        server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
        server.listen(port, host, () => resolve());
      });
      // Listening on a host and port, the address is an AddressInfo (a string only for a pipe or socket path).
      const address = server.address();
      if (typeof address !== 'object' || address === null) throw new Error(`the server is not listening on a TCP port: ${String(address)}`);
      const base = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
      const url = config.role === 'worker' ? base : `${base}${GRAPHQL_PATH}`;
      const webView = config.role === 'worker' ? undefined : `${base}/`;
      logger.info({ url, webView, mode: runtime.mode, role: config.role }, 'listening');
      return { url, port: address.port };
    },
    stop: () => (stopping ??= stop()),
    whenListening: (discussionId, count) => runtime.bus.whenListening(discussionId, count),
  };
}
