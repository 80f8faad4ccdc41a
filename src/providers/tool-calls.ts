import type { FinishReason } from './types.js';

// Vendor-neutral steps of turning a streamed tool call into a ToolCallRequest, shared by the adapters
// whose vendors stream the arguments as JSON text (Anthropic, OpenAI and OpenAI-compatible servers).

export interface ParsedToolArguments {
  arguments: Record<string, unknown>;
  argumentsText: string;
}

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The joined argument text as the model sent it ('' becomes '{}': a call without arguments),
 * and its parse. Text that is not a JSON object parses to `{}`; the engine re-reads
 * `argumentsText` and tells the model what was wrong.
 */
export function parseToolArguments(text: string): ParsedToolArguments {
  const argumentsText = text === '' ? '{}' : text;
  try {
    const parsed: unknown = JSON.parse(argumentsText);
    return { arguments: isRecord(parsed) ? parsed : {}, argumentsText };
  } catch {
    return { arguments: {}, argumentsText };
  }
}

/**
 * The engine runs calls only on `tool_calls`, so the finish must agree with the calls the
 * stream actually carried: a tool stop without one complete call leaves nothing to run
 * (`other`), and a plain `stop` with calls is what several OpenAI-compatible servers (and
 * at times OpenAI itself) send for a tool reply. A `length` cut stays `length`: its last
 * call may be incomplete.
 */
export function settleToolFinishReason(reason: FinishReason, callCount: number): FinishReason {
  if (reason === 'tool_calls' && callCount === 0) return 'other';
  if (reason === 'stop' && callCount > 0) return 'tool_calls';
  return reason;
}
