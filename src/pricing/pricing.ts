import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { PROVIDERS, type ProviderName, type Usage } from '../domain.js';
import { PRICE_TABLE } from './price-table.js';

/** US dollars per million tokens. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
  /** Input tokens read from the vendor's prompt cache, where it prices them apart. */
  cachedInputPerMillion?: number;
}

export type PriceList = Partial<Record<ProviderName, Record<string, ModelPrice>>>;

export interface Pricing {
  /** The price of a model, matched exactly or without a dated suffix (`gpt-4.1-mini-2025-04-14` → `gpt-4.1-mini`). */
  priceOf(provider: ProviderName, model: string): ModelPrice | undefined;
  /** What a call cost in USD; undefined when the model has no price or a count was not reported (never a guess). */
  costOf(provider: ProviderName, model: string, usage: Usage | undefined): number | undefined;
}

const perMillion = z.number().finite().min(0).max(100_000);
const modelPriceSchema = z.strictObject({
  inputPerMillion: perMillion,
  outputPerMillion: perMillion,
  cachedInputPerMillion: perMillion.optional(),
});
const priceFileSchema = z.partialRecord(z.enum(PROVIDERS), z.record(z.string().trim().min(1).max(200), modelPriceSchema));

/** The offline mock's and a replay's price, whatever the model is called. */
const FREE: ModelPrice = { inputPerMillion: 0, outputPerMillion: 0 };

// A snapshot id a vendor appends to a model's name: -2025-04-14, -20250514, @20250514, -001, -latest.
const DATED_SUFFIX = /(?:[-@](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{3}|latest))$/;

/** `PRICING_FILE`: the same shape as the built-in table's `models`, merged over it model by model. */
export function readPriceFile(path: string): PriceList {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Invalid environment: PRICING_FILE: cannot read ${path} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `Invalid environment: PRICING_FILE: ${path} is not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const parsed = priceFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new ConfigError(`Invalid environment: PRICING_FILE: ${path}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

export function createPricing(overrides: PriceList = {}): Pricing {
  const prices = new Map<string, ModelPrice>();
  for (const list of [PRICE_TABLE.models, overrides]) {
    for (const [provider, models] of Object.entries(list)) {
      for (const [model, price] of Object.entries(models)) prices.set(`${provider}/${model}`, price);
    }
  }
  const priceOf = (provider: ProviderName, model: string): ModelPrice | undefined =>
    prices.get(`${provider}/${model}`) ??
    prices.get(`${provider}/${model.replace(DATED_SUFFIX, '')}`) ??
    // a replay pays nothing: its calls are answered from a recording
    (provider === 'MOCK' || provider === 'REPLAY' ? FREE : undefined);
  return {
    priceOf,
    costOf(provider, model, usage) {
      const price = priceOf(provider, model);
      if (!price || usage?.inputTokens === undefined || usage.outputTokens === undefined) return undefined;
      return (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1_000_000;
    },
  };
}
