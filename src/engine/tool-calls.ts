import { SpanStatusCode } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { isRecord } from '../providers/tool-calls.js';
import type { ToolCallRequest, ToolDefinition, ToolResultPart } from '../providers/types.js';
import type { ToolCallRecord } from '../store/types.js';
import { MAX_TOOL_ARGUMENT_CHARS, type ResolvedTool, type ToolCallOutcome, type ToolHub } from '../tools/types.js';
import { tracer } from '../tracing/tracing.js';
import { cutText } from '../cut-text.js';
import { untilAborted } from '../until-aborted.js';

/** Every vendor accepts `[A-Za-z0-9_-]{1,64}` as a tool name. */
const NAME_LIMIT = 64;

/** `server__tool`, made vendor-safe and unique among `taken` (which it joins). */
export function toolDefinitionName(server: string, tool: string, taken: Set<string>): string {
  const base = `${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, NAME_LIMIT);
  let name = base;
  for (let suffix = 2; taken.has(name); suffix++) name = `${base.slice(0, NAME_LIMIT - String(suffix).length - 1)}_${suffix}`;
  taken.add(name);
  return name;
}

export function buildToolDefinitions(resolved: readonly ResolvedTool[]): ToolDefinition[] {
  const taken = new Set<string>();
  return resolved.map(({ server, tool }) => ({
    name: toolDefinitionName(server, tool.name, taken),
    server,
    tool: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema,
  }));
}

/** JSON with object keys sorted, so the same arguments written in another order compare equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Cuts a text to `limit` characters with a note saying how much was kept. */
export function capText(text: string, limit: number): string {
  return cutText(text, limit, 'cut').text;
}

/** The model's arguments as an object, or why they are not one. */
export function checkToolArguments(text: string): { arguments: Record<string, unknown> } | { problem: string } {
  if (text.trim() === '') return { arguments: {} };
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) return { arguments: parsed };
  } catch {
    // reported below
  }
  return { problem: `the arguments are not a JSON object: ${capText(text, 200)}` };
}

/** A finished call: what goes back to the model, and what is recorded (the caller adds the message id). */
export interface RanToolCall {
  result: ToolResultPart;
  record: Omit<ToolCallRecord, 'messageId'>;
}

/** The tools one turn offers, and how it runs the calls. */
export interface TurnTools {
  definitions: ToolDefinition[];
  /** Runs a call the model asked for, or takes its result from an earlier attempt of the turn. Never throws. */
  run(call: ToolCallRequest, step: number, signal: AbortSignal): Promise<RanToolCall>;
  /** A call the provider ran itself (CLAUDE_AGENT): recorded, not run. */
  ranByProvider(call: ToolCallRequest, outcome: Omit<ToolCallOutcome, 'truncated'>, step: number): RanToolCall;
  /** A call not run, answered with why. */
  refuse(call: ToolCallRequest, step: number, reason: string): RanToolCall;
}

export interface TurnToolsOptions {
  hub: ToolHub | undefined;
  /** The agent's `tools` specs. */
  specs: readonly string[] | undefined;
  /** Calls completed by an attempt of this turn whose process died: reused rather than run twice. */
  previous: readonly ToolCallRecord[] | undefined;
  maxResultChars: number;
  logger: Logger;
  now: () => Date;
  discussionId: string;
  /** The turn's: a stop while servers are being reached ends the wait. */
  signal: AbortSignal;
}

/** What the turn may call; undefined when the agent has no tools (or none could be listed: the turn goes on without). */
export async function prepareTurnTools(options: TurnToolsOptions): Promise<TurnTools | undefined> {
  const { hub, specs, logger, now, discussionId, maxResultChars, signal } = options;
  if (!hub || !specs || specs.length === 0) return undefined;
  // Each spec on its own, so one server down costs only its tools; all at once, and no longer than the turn lasts.
  const lists = specs.map((spec) =>
    Promise.resolve()
      .then(() => hub.resolve([spec]))
      .catch((error: unknown) => {
        logger.warn({ discussionId, spec, err: error }, 'tool not available for this turn');
        return [];
      }),
  );
  const settled = await untilAborted(Promise.all(lists), signal).catch(() => undefined);
  if (settled === undefined) return undefined;
  const resolved = new Map<string, ResolvedTool>();
  for (const tool of settled.flat()) resolved.set(`${tool.server}/${tool.tool.name}`, tool);
  if (resolved.size === 0) return undefined;
  const definitions = buildToolDefinitions([...resolved.values()]);
  const byName = new Map(definitions.map((definition) => [definition.name, definition]));
  // A dead attempt's list holds what it inherited from the attempts before it, and its copies of those (reused): each call once.
  const reusable = [...(options.previous ?? [])].filter((record) => !record.isError && !record.reused);

  /** `outcome.content` is already cut to the cap (the hub cuts, `ranByProvider` too). */
  const finish = (call: ToolCallRequest, tool: string, outcome: Omit<ToolCallOutcome, 'truncated'>, step: number, reused?: boolean) => {
    const { content } = outcome;
    return {
      result: { callId: call.id, name: call.name, content, isError: outcome.isError },
      record: {
        id: call.id,
        tool,
        arguments: capText(call.argumentsText.trim() === '' ? '{}' : call.argumentsText, MAX_TOOL_ARGUMENT_CHARS),
        result: content,
        isError: outcome.isError,
        durationMs: Math.round(outcome.durationMs),
        step,
        at: now().toISOString(),
        ...(reused ? { reused } : {}),
      },
    };
  };

  const takeReusable = (tool: string, args: Record<string, unknown>): ToolCallRecord | undefined => {
    const wanted = canonicalJson(args);
    const index = reusable.findIndex((record) => {
      if (record.tool !== tool) return false;
      const parsed = checkToolArguments(record.arguments);
      return 'arguments' in parsed && canonicalJson(parsed.arguments) === wanted;
    });
    return index < 0 ? undefined : reusable.splice(index, 1)[0];
  };

  async function run(call: ToolCallRequest, step: number, signal: AbortSignal): Promise<RanToolCall> {
    const definition = byName.get(call.name);
    if (!definition || !hub) {
      const offered = definitions.map((item) => item.name).join(', ');
      return finish(
        call,
        call.name,
        { content: `no tool named "${call.name}" is offered; the tools are: ${offered}`, isError: true, durationMs: 0 },
        step,
      );
    }
    const tool = `${definition.server}/${definition.tool}`;
    const parsed = checkToolArguments(call.argumentsText);
    if ('problem' in parsed) return finish(call, tool, { content: parsed.problem, isError: true, durationMs: 0 }, step);
    const earlier = takeReusable(tool, parsed.arguments);
    if (earlier) return finish(call, tool, { content: earlier.result, isError: false, durationMs: 0 }, step, true);
    const outcome = await tracer().startActiveSpan(
      `execute_tool ${definition.tool}`,
      {
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': definition.tool,
          'gen_ai.tool.call.id': call.id,
          'mcp.server.name': definition.server,
        },
      },
      async (span) => {
        try {
          const called = await hub.call(definition.server, definition.tool, parsed.arguments, { signal });
          if (called.isError) span.setStatus({ code: SpanStatusCode.ERROR, message: 'tool error' });
          return called;
        } finally {
          span.end();
        }
      },
    );
    return finish(call, tool, outcome, step);
  }

  function ranByProvider(call: ToolCallRequest, outcome: Omit<ToolCallOutcome, 'truncated'>, step: number): RanToolCall {
    const definition = byName.get(call.name);
    const content = capText(outcome.content, maxResultChars);
    return finish(call, definition ? `${definition.server}/${definition.tool}` : call.name, { ...outcome, content }, step);
  }

  function refuse(call: ToolCallRequest, step: number, reason: string): RanToolCall {
    const definition = byName.get(call.name);
    return finish(
      call,
      definition ? `${definition.server}/${definition.tool}` : call.name,
      { content: reason, isError: true, durationMs: 0 },
      step,
    );
  }

  return { definitions, run, ranByProvider, refuse };
}
