import type { Config } from '../config.js';
import type { ProviderName } from '../domain.js';
import { CALLING_PROVIDERS, PROVIDERS } from '../domain.js';
import { DEFAULT_MAX_TOOL_STEPS, DEFAULT_TOOL_LIMITS } from '../tools/types.js';
import { createAnthropicModel } from './anthropic.js';
import { createClaudeAgentModel } from './claude-agent.js';
import { createGeminiModel } from './gemini.js';
import { createMockModel } from './mock.js';
import { createOpenAIModel } from './openai.js';
import type { ChatModel, ProviderRegistry } from './types.js';

// Declared in types.ts, which imports no adapter, so the engine can name them without reaching a vendor SDK.
export type { ProviderInfo, ProviderRegistry } from './types.js';

type ProvidersConfig = Config['providers'];
/** What CLAUDE_AGENT needs of the tools settings: its binary starts the MCP servers and runs the calls itself. */
type ToolsSettings = Pick<Config['tools'], 'servers' | 'timeoutMs' | 'maxSteps'>;

const NO_TOOLS: ToolsSettings = { servers: {}, timeoutMs: DEFAULT_TOOL_LIMITS.timeoutMs, maxSteps: DEFAULT_MAX_TOOL_STEPS };

interface ProviderEntry {
  defaultModel: string;
  /** Builds the adapter, or returns undefined when its configuration is missing. */
  create(): ChatModel | undefined;
}

/** Told when a vendor answers 429 with a wait, per provider (PROVIDER_CONCURRENCY's pause). */
export type ProviderRateLimitListener = (provider: ProviderName, retryAfterMs: number) => void;

function createEntries(
  config: ProvidersConfig,
  tools: ToolsSettings,
  onRateLimited: ProviderRateLimitListener | undefined,
): Record<ProviderName, ProviderEntry> {
  const { maxRetries, timeoutMs } = config;
  const heard = (provider: ProviderName) => (onRateLimited ? (wait: number) => onRateLimited(provider, wait) : undefined);
  // a vendor is configured by its key; an OpenAI-compatible server by its base URL (its key is optional)
  const { anthropic, openai, gemini, claudeAgent, openaiCompatible } = config;
  return {
    ANTHROPIC: {
      defaultModel: anthropic.model,
      create: () =>
        anthropic.apiKey === undefined
          ? undefined
          : createAnthropicModel({
              apiKey: anthropic.apiKey,
              baseUrl: anthropic.baseUrl,
              maxRetries,
              timeoutMs,
              onRateLimited: heard('ANTHROPIC'),
            }),
    },
    OPENAI: {
      defaultModel: openai.model,
      create: () =>
        openai.apiKey === undefined
          ? undefined
          : createOpenAIModel({
              provider: 'OPENAI',
              apiKey: openai.apiKey,
              baseUrl: openai.baseUrl,
              maxRetries,
              timeoutMs,
              onRateLimited: heard('OPENAI'),
            }),
    },
    GEMINI: {
      defaultModel: gemini.model,
      create: () =>
        gemini.apiKey === undefined
          ? undefined
          : createGeminiModel({ apiKey: gemini.apiKey, baseUrl: gemini.baseUrl, maxRetries, timeoutMs, onRateLimited: heard('GEMINI') }),
    },
    CLAUDE_AGENT: {
      defaultModel: claudeAgent.model,
      create: () =>
        claudeAgent.apiKey === undefined
          ? undefined
          : createClaudeAgentModel({
              apiKey: claudeAgent.apiKey,
              baseUrl: claudeAgent.baseUrl,
              maxRetries,
              timeoutMs,
              mcpServers: tools.servers,
              toolTimeoutMs: tools.timeoutMs,
              maxToolSteps: tools.maxSteps,
            }),
    },
    OPENAI_COMPATIBLE: {
      defaultModel: openaiCompatible.model,
      create: () =>
        openaiCompatible.baseUrl === undefined
          ? undefined
          : createOpenAIModel({
              provider: 'OPENAI_COMPATIBLE',
              apiKey: openaiCompatible.apiKey,
              baseUrl: openaiCompatible.baseUrl,
              maxRetries,
              timeoutMs,
              onRateLimited: heard('OPENAI_COMPATIBLE'),
            }),
    },
    MOCK: { defaultModel: config.mock.model, create: () => createMockModel(config.mock) },
    // a replay's model reads the recording from the store: the engine makes it per discussion (src/engine/provider-calls.ts)
    REPLAY: { defaultModel: 'replay', create: () => undefined },
  };
}

/** `tools`: `config.tools` (default: no MCP servers), passed on to CLAUDE_AGENT. `onRateLimited` hears each vendor's 429 waits. */
export function createProviderRegistry(
  config: ProvidersConfig,
  tools: ToolsSettings = NO_TOOLS,
  onRateLimited?: ProviderRateLimitListener,
): ProviderRegistry {
  const entries = createEntries(config, tools, onRateLimited);
  const models = new Map<ProviderName, ChatModel>();
  for (const name of PROVIDERS) {
    const model = entries[name].create();
    if (model) models.set(name, model);
  }
  return {
    // REPLAY is no provider a caller chooses: replayDiscussion sets it
    list: () =>
      CALLING_PROVIDERS.map((name) => ({
        name,
        configured: models.has(name),
        defaultModel: entries[name].defaultModel,
      })),
    get: (name) => models.get(name),
    defaultModel: (name) => entries[name].defaultModel,
  };
}
