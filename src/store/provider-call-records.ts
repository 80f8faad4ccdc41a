// A provider call as RECORD_PROVIDER_CALLS keeps it with its discussion: what was asked, and
// every streamed part with its time, so that `replayDiscussion` can stream it again without a
// vendor. The schema checks a recording coming back from Redis before it is replayed.

import { z } from 'zod';
import { FINISH_REASONS, PROVIDERS, type ProviderName } from '../domain.js';
import type { ProviderErrorKind } from '../providers/errors.js';
import type { ChatRequest, StreamPart } from '../providers/types.js';

/** What a recorded error keeps of its ProviderError: our own message, never a vendor body. */
export interface RecordedError {
  kind: ProviderErrorKind;
  message: string;
  status?: number;
}

export type RecordedPart = Exclude<StreamPart, { type: 'error' }> | { type: 'error'; error: RecordedError };

/** Whether a call wrote a turn's reply or picked its speaker (the OPEN selector, the moderator). */
export type CallPurpose = 'reply' | 'pick';

/** Which call of a discussion it is: for a turn's reply, or for picking its speaker. */
export interface CallLabel {
  turn: number;
  purpose: CallPurpose;
}

export interface ProviderCallRecording {
  /** The turn the call was made for. */
  turn: number;
  purpose: CallPurpose;
  /**
   * The calls of one reply or one pick share a group: a tool loop's steps, a pick's correction.
   * The same turn run again (after a crash or a pause) makes a new group; the last one is the one that counted.
   */
  group: string;
  /** The call's place in its group, from 1. */
  step: number;
  provider: ProviderName;
  startedAt: string;
  /** The request as the engine sent it, without its abort signal. It holds no key: adapters add those. */
  request: Omit<ChatRequest, 'signal'>;
  /** Every part the stream gave, with the milliseconds since the call began. */
  parts: { atMs: number; part: RecordedPart }[];
}

const usageSchema = z.object({ inputTokens: z.number().optional(), outputTokens: z.number().optional() });

const toolCallSchema = z.object({
  id: z.string(),
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  argumentsText: z.string(),
  signature: z.string().optional(),
});

const partSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text-delta'), text: z.string() }),
  z.object({ type: z.literal('tool-call'), call: toolCallSchema }),
  z.object({
    type: z.literal('tool-result'),
    callId: z.string(),
    content: z.string(),
    isError: z.boolean(),
    durationMs: z.number().optional(),
  }),
  z.object({ type: z.literal('finish'), finishReason: z.enum(FINISH_REASONS), usage: usageSchema }),
  z.object({
    type: z.literal('error'),
    error: z.object({
      kind: z.enum(['rate_limited', 'overloaded', 'authentication', 'bad_request', 'server', 'network', 'cancelled', 'unknown']),
      message: z.string(),
      status: z.number().optional(),
    }),
  }),
]);

const turnSchema = z.object({ role: z.enum(['user', 'assistant']), name: z.string(), content: z.string() });

/** The request is kept for people to read (evaluation, prompt regressions); a replay needs only its shape to be sound. */
const requestSchema = z.object({
  model: z.string(),
  system: z.string(),
  messages: z.array(turnSchema),
  temperature: z.number().optional(),
  maxTokens: z.number().optional(),
  responseFormat: z.enum(['text', 'json']).optional(),
  tools: z
    .array(
      z.object({
        name: z.string(),
        server: z.string(),
        tool: z.string(),
        description: z.string().optional(),
        inputSchema: z.record(z.string(), z.unknown()),
      }),
    )
    .optional(),
  toolChoice: z.enum(['auto', 'none']).optional(),
  toolSteps: z
    .array(
      z.object({
        text: z.string(),
        calls: z.array(toolCallSchema),
        results: z.array(z.object({ callId: z.string(), name: z.string(), content: z.string(), isError: z.boolean() })),
      }),
    )
    .optional(),
});

export const providerCallRecordingSchema: z.ZodType<ProviderCallRecording> = z.object({
  turn: z.int().min(0),
  purpose: z.enum(['reply', 'pick']),
  group: z.string(),
  step: z.int().min(1),
  provider: z.enum(PROVIDERS),
  startedAt: z.string(),
  request: requestSchema,
  parts: z.array(z.object({ atMs: z.number().min(0), part: partSchema })),
});
