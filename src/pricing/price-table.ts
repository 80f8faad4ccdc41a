import type { ModelPrice, PriceList } from './pricing.js';

// USD per million tokens (input, output, cached input: a prompt-cache read). Where each number comes from:
// - Anthropic: the vendor's pricing page, platform.claude.com/docs/en/docs/about-claude/pricing, as of about
//   2026-02-18 (the Opus 4.7 and 4.8 rows: about 2026-09). Cache writes (1.25x input for 5 minutes, 2x for an
//   hour) are not priced here: no provider reports them apart yet.
// - OpenAI: pydantic/genai-prices (prices checked 2025-07-04, gpt-5 rows 2025-11-13), which cites
//   developers.openai.com/api/docs/pricing; LiteLLM's and simonw/llm-prices' tables agree.
// - Gemini: pydantic/genai-prices (checked 2025-10-31; gemini-2.0-flash 2025-07-04), which cites
//   ai.google.dev/gemini-api/docs/pricing; gemini-2.5-pro is its price for prompts up to 200k tokens
//   (2.50 / 15 above that), so a longer prompt is under-counted. gemini-3.5-flash-lite (the default since
//   gemini-2.5-flash was retired on 2026-12-01, Google's named replacement) and gemini-3.1-flash-lite: Google's
//   pricing page as quoted on 2026-11-09 by yoagent's v0.27.6 release notes; Sim's and APIYI's catalogs agree.
// Prices change: PRICING_FILE overrides any row, and adds models (an OpenAI-compatible server's included).
// MOCK costs nothing whatever its model is called (see createPricing).

const ANTHROPIC: Record<string, ModelPrice> = {
  'claude-sonnet-4-6': { inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3 },
  'claude-opus-4-8': { inputPerMillion: 5, outputPerMillion: 25, cachedInputPerMillion: 0.5 },
  'claude-opus-4-7': { inputPerMillion: 5, outputPerMillion: 25, cachedInputPerMillion: 0.5 },
  'claude-opus-4-6': { inputPerMillion: 5, outputPerMillion: 25, cachedInputPerMillion: 0.5 },
  'claude-opus-4-5': { inputPerMillion: 5, outputPerMillion: 25, cachedInputPerMillion: 0.5 },
  'claude-opus-4-1': { inputPerMillion: 15, outputPerMillion: 75, cachedInputPerMillion: 1.5 },
  'claude-haiku-4-5': { inputPerMillion: 1, outputPerMillion: 5, cachedInputPerMillion: 0.1 },
  'claude-sonnet-4-5': { inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3 },
  'claude-sonnet-4': { inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3 },
  'claude-3-5-haiku': { inputPerMillion: 0.8, outputPerMillion: 4, cachedInputPerMillion: 0.08 },
};

const OPENAI: Record<string, ModelPrice> = {
  'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6, cachedInputPerMillion: 0.1 },
  'gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8, cachedInputPerMillion: 0.5 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4, cachedInputPerMillion: 0.025 },
  'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10, cachedInputPerMillion: 1.25 },
  'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6, cachedInputPerMillion: 0.075 },
  'gpt-5': { inputPerMillion: 1.25, outputPerMillion: 10, cachedInputPerMillion: 0.125 },
  'gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2, cachedInputPerMillion: 0.025 },
  o3: { inputPerMillion: 2, outputPerMillion: 8, cachedInputPerMillion: 0.5 },
  'o4-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4, cachedInputPerMillion: 0.275 },
};

const GEMINI: Record<string, ModelPrice> = {
  'gemini-3.5-flash-lite': { inputPerMillion: 0.3, outputPerMillion: 2.5, cachedInputPerMillion: 0.03 },
  'gemini-3.1-flash-lite': { inputPerMillion: 0.25, outputPerMillion: 1.5, cachedInputPerMillion: 0.025 },
  // retired 2026-12-01; kept so that discussions that used it stay priced
  'gemini-2.5-flash': { inputPerMillion: 0.3, outputPerMillion: 2.5, cachedInputPerMillion: 0.03 },
  'gemini-2.5-pro': { inputPerMillion: 1.25, outputPerMillion: 10, cachedInputPerMillion: 0.125 },
  'gemini-2.5-flash-lite': { inputPerMillion: 0.1, outputPerMillion: 0.4, cachedInputPerMillion: 0.01 },
  'gemini-2.0-flash': { inputPerMillion: 0.1, outputPerMillion: 0.4, cachedInputPerMillion: 0.025 },
};

export const PRICE_TABLE: { readonly date: string; readonly models: PriceList } = {
  date: '2026-12-06',
  models: {
    ANTHROPIC,
    OPENAI,
    GEMINI,
    // The Claude Agent SDK calls Anthropic's models at Anthropic's prices.
    CLAUDE_AGENT: ANTHROPIC,
  },
};
