import { costOfUsage, type PricedUsage } from '../pricing/cost.js';
import { builder } from './builder.js';

export const UsageType = builder.objectRef<PricedUsage>('Usage').implement({
  description: 'Token counts as the providers reported them. A count no provider reported is null, never a made-up 0.',
  fields: (t) => ({
    inputTokens: t.int({ nullable: true, resolve: ({ usage }) => usage.inputTokens ?? null }),
    outputTokens: t.int({ nullable: true, resolve: ({ usage }) => usage.outputTokens ?? null }),
    totalTokens: t.int({
      nullable: true,
      description: 'The sum of the reported counts; null when neither was reported.',
      resolve: ({ usage: { inputTokens, outputTokens } }) =>
        inputTokens === undefined && outputTokens === undefined ? null : (inputTokens ?? 0) + (outputTokens ?? 0),
    }),
    costUsd: t.float({
      nullable: true,
      description:
        "What these tokens cost in US dollars at the server's price table (PRICING_FILE overrides it). Null when a model has no price or a count is unknown, never an estimate. A discussion's is the sum of its agents' and selector picks' costs.",
      resolve: (priced, _args, context) => costOfUsage(context.pricing, priced) ?? null,
    }),
  }),
});
