import type { ToolCallRecord } from '../store/types.js';
import { builder } from './builder.js';

export type ToolCallEventShape = ToolCallRecord & { type: 'tool_call'; cursor: string; discussionId: string };

/** What every tool call shows, on `Message.toolCalls` (ToolCall) and live or replayed (ToolCallEvent). */
const ToolCallDetails = builder.interfaceRef<ToolCallRecord>('ToolCallDetails').implement({
  description: 'A tool an agent called during its turn, through MCP (see `mcpServers`).',
  fields: (t) => ({
    id: t.exposeID('id', { description: "The vendor's call id, unique within the message." }),
    messageId: t.exposeID('messageId', { description: 'The message of the turn that made the call.' }),
    tool: t.exposeString('tool', { description: '`server/tool`.' }),
    arguments: t.exposeString('arguments', { description: 'The arguments the model sent, as JSON text (cut past 8,000 characters).' }),
    result: t.exposeString('result', {
      description: 'What the model got back: the output, or what went wrong (cut past MAX_TOOL_RESULT_CHARS, with a note).',
    }),
    isError: t.exposeBoolean('isError', {
      description:
        'The call failed, timed out (TOOL_TIMEOUT_MS), was cancelled or named no offered tool; `result` says why, and the model saw it.',
    }),
    durationMs: t.exposeInt('durationMs'),
    step: t.exposeInt('step', { description: 'Which model call of the turn asked for it, from 1.' }),
    at: t.field({ type: 'DateTime', resolve: (call) => call.at }),
    reused: t.boolean({
      description: 'Taken from an earlier attempt of the same turn, whose process died, instead of calling the tool a second time.',
      resolve: (call) => call.reused ?? false,
    }),
  }),
});

export const ToolCallType = builder.objectRef<ToolCallRecord>('ToolCall').implement({
  interfaces: [ToolCallDetails],
});

export const ToolCallEventType = builder.objectRef<ToolCallEventShape>('ToolCallEvent').implement({
  description: 'A tool call as it finished, persisted in the log: replayed by `discussionEvents(after:)`.',
  interfaces: [ToolCallDetails],
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    discussionId: t.exposeID('discussionId'),
  }),
});
