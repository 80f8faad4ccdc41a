// The schemas that check a record coming back from outside the process (Redis, pub/sub)
// before it is trusted; records.ts re-exports them beside the helpers both stores share.

import { z } from 'zod';
import { DISCUSSION_STATUSES, FINISH_REASONS, MESSAGE_ROLES, PROTOCOLS, PROVIDERS, STANCES, STOP_REASONS } from '../domain.js';
import type { Usage } from '../domain.js';
import { isCursor } from './types.js';
import type {
  AgentConfig,
  DiscussionConfig,
  HumanConfig,
  MessageRecord,
  SelectorConfig,
  SpeakerSelection,
  StatusChange,
  TerminationConfig,
  ToolCallRecord,
} from './types.js';

type MissingFields<T, Output> = [Exclude<keyof T, keyof Output>] extends [never]
  ? unknown
  : { missingFields: Exclude<keyof T, keyof Output> };

/**
 * A schema checked at compile time against the type it guards: it parses to a `T`,
 * and leaves out none of `T`'s fields (an object schema strips what it does not
 * name, so a field added to the type but not here would vanish on every read).
 */
export const schemaFor =
  <T>() =>
  <Schema extends z.ZodType<T>>(schema: Schema & MissingFields<T, z.output<Schema>>): Schema =>
    schema;

/** A string of JSON whose value `schema` checks. */
export const jsonText = <Schema extends z.ZodType>(schema: Schema) =>
  z
    .string()
    .transform((text, context): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        context.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

export const timestampSchema = z.iso.datetime({ offset: true });
export const cursorSchema = z.string().refine(isCursor, 'not a log cursor');
const count = z.int().nonnegative();
const usageSchema = schemaFor<Usage>()(z.object({ inputTokens: count.optional(), outputTokens: count.optional() }));

const agentConfigSchema = schemaFor<AgentConfig>()(
  z.object({
    name: z.string(),
    persona: z.string().optional(),
    systemPrompt: z.string(),
    provider: z.enum(PROVIDERS),
    model: z.string(),
    temperature: z.number().optional(),
    maxTokens: z.int().optional(),
    maxContextTokens: z.int().optional(),
    stance: z.enum(STANCES),
    tools: z.array(z.string()).optional(),
    recordedProvider: z.enum(PROVIDERS).optional(),
  }),
);

const humanConfigSchema = schemaFor<HumanConfig>()(z.object({ name: z.string(), speaksInTurn: z.boolean(), waitSeconds: z.number() }));

const terminationConfigSchema = schemaFor<TerminationConfig>()(
  z.object({
    maxMessages: z.int().optional(),
    maxTotalTokens: z.int().optional(),
    maxCostUsd: z.number().optional(),
    stopPhrases: z.array(z.string()),
  }),
);

const selectorConfigSchema = schemaFor<SelectorConfig>()(z.object({ provider: z.enum(PROVIDERS), model: z.string() }));

export const discussionConfigSchema = schemaFor<DiscussionConfig>()(
  z.object({
    topic: z.string(),
    protocol: z.enum(PROTOCOLS),
    maxRounds: z.int(),
    agents: z.array(agentConfigSchema),
    humans: z.array(humanConfigSchema),
    termination: terminationConfigSchema,
    selector: selectorConfigSchema.optional(),
    webhookUrl: z.string().optional(),
    forkedFrom: z.object({ discussionId: z.string(), cursor: z.string() }).optional(),
    recordCalls: z.boolean().optional(),
    replayOf: z.object({ discussionId: z.string(), speed: z.number().min(0) }).optional(),
  }),
);

export const toolCallRecordSchema = schemaFor<ToolCallRecord>()(
  z.object({
    id: z.string(),
    messageId: z.string(),
    tool: z.string(),
    arguments: z.string(),
    result: z.string(),
    isError: z.boolean(),
    durationMs: z.number(),
    step: count,
    at: timestampSchema,
    reused: z.boolean().optional(),
  }),
);

export const messageRecordSchema = schemaFor<MessageRecord>()(
  z.object({
    id: z.string(),
    discussionId: z.string(),
    author: z.string(),
    role: z.enum(MESSAGE_ROLES),
    provider: z.enum(PROVIDERS).optional(),
    model: z.string().optional(),
    content: z.string(),
    round: count,
    turn: count,
    createdAt: timestampSchema,
    usage: usageSchema.optional(),
    finishReason: z.enum(FINISH_REASONS).optional(),
    timeToFirstTokenMs: z.number().optional(),
    durationMs: z.number().optional(),
    toolCalls: z.array(toolCallRecordSchema).optional(),
    visibleTo: z.array(z.string()).optional(),
  }),
);

export const statusChangeSchema = schemaFor<StatusChange>()(
  z.object({
    status: z.enum(DISCUSSION_STATUSES),
    stopReason: z.enum(STOP_REASONS).optional(),
    error: z.string().optional(),
    at: timestampSchema,
  }),
);

export const speakerSelectionSchema = schemaFor<SpeakerSelection>()(
  z.object({
    speaker: z.string(),
    reason: z.string(),
    candidates: z.array(z.string()),
    attempts: count,
    fellBack: z.boolean(),
    at: timestampSchema,
    usage: usageSchema.optional(),
    provider: z.enum(PROVIDERS).optional(),
    model: z.string().optional(),
  }),
);
