import { describe, expect, it } from 'vitest';
import { createMetrics, MAX_MODELS_PER_PROVIDER } from '../../src/metrics.js';
import { createPricing } from '../../src/pricing/pricing.js';

describe('metrics labels', () => {
  it('keeps the model label bounded whatever model names clients choose, and prices by the real name', async () => {
    const metrics = createMetrics({
      pricing: createPricing({ OPENAI_COMPATIBLE: { 'model-55': { inputPerMillion: 1, outputPerMillion: 1 } } }),
    });
    for (let index = 0; index < MAX_MODELS_PER_PROVIDER + 10; index++) {
      const observation = { outcome: 'committed', inputTokens: 500_000, outputTokens: 500_000, durationMs: 10 } as const;
      metrics.turnEnded({ ...observation, provider: 'OPENAI_COMPATIBLE', model: `model-${index}` });
      // The same names again reuse their labels.
      metrics.turnEnded({ ...observation, provider: 'OPENAI_COMPATIBLE', model: `model-${index}` });
    }
    metrics.turnEnded({ provider: 'MOCK', model: 'model-59', outcome: 'committed', durationMs: 10 });
    const durations = await metrics.registry.getSingleMetric('orchestrator_llm_request_duration_seconds')?.get();
    const counts = (durations?.values ?? []).filter(
      (value) => Reflect.get(value, 'metricName') === 'orchestrator_llm_request_duration_seconds_count',
    );
    const compatible = counts.filter((value) => value.labels.provider === 'OPENAI_COMPATIBLE');
    expect(compatible).toHaveLength(MAX_MODELS_PER_PROVIDER + 1);
    expect(compatible.find((value) => value.labels.model === 'other')?.value).toBe(20);
    expect(compatible.find((value) => value.labels.model === 'model-0')?.value).toBe(2);
    // Another provider has its own allowance.
    expect(counts.find((value) => value.labels.provider === 'MOCK')?.labels.model).toBe('model-59');
    // model-55 is past the allowance, so its label is `other`, but its price is still its own: 2 calls of 1M tokens at $1.
    const cost = await metrics.registry.getSingleMetric('orchestrator_llm_cost_usd_total')?.get();
    expect(cost?.values.find((value) => value.labels.model === 'other')?.value).toBeCloseTo(2, 12);
  });
});
