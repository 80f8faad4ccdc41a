import type { Usage } from '../domain.js';
import { builder } from './builder.js';

export const UsageType = builder.objectRef<Usage>('Usage').implement({
  description: 'Token counts as the providers reported them. A count no provider reported is null, never a made-up 0.',
  fields: (t) => ({
    inputTokens: t.int({ nullable: true, resolve: (usage) => usage.inputTokens ?? null }),
    outputTokens: t.int({ nullable: true, resolve: (usage) => usage.outputTokens ?? null }),
    totalTokens: t.int({
      nullable: true,
      description: 'The sum of the reported counts; null when neither was reported.',
      resolve: ({ inputTokens, outputTokens }) =>
        inputTokens === undefined && outputTokens === undefined ? null : (inputTokens ?? 0) + (outputTokens ?? 0),
    }),
  }),
});
