import type { SDKAssistantMessageError, SDKMessage, SDKResultMessage } from '@anthropic-ai/claude-agent-sdk';
import type { StopReason } from '@anthropic-ai/sdk/resources/messages';
import { addUsage, type Usage } from '../domain.js';
import { convertAnthropicUsage, mapAnthropicStopReason } from './anthropic.js';
import { createClaudeAgentToolTracker, type ClaudeAgentToolTracker } from './claude-agent-tools.js';
import type { ProviderError, ProviderErrorKind } from './errors.js';
import { ignoreUnknown } from './stream-control.js';
import type { FinishReason, StreamPart, ToolDefinition } from './types.js';
import { createVendorError, mapStatusToKind } from './vendor-errors.js';

// How one run of the claude binary becomes stream parts: pure functions over
// the SDK's messages, so the adapter's loop stays a loop.

const VENDOR = 'Claude Agent';

/** Between the texts of two model calls, as the engine joins steps: "Let me check." and "It is 18 °C." */
const STEP_SEPARATOR = '\n\n';

export interface ClaudeAgentRunState {
  /** Usage of the current model call. */
  start?: Parameters<typeof convertAnthropicUsage>[0];
  delta?: Parameters<typeof convertAnthropicUsage>[1];
  /** Usage of the run's earlier model calls, each of which ended asking for tools. */
  earlierUsage: Usage;
  /** The text passed on so far, every model call's. */
  streamedText: string;
  /** The current model call's text: the result's final answer repeats it. */
  callText: string;
  /** Text or a tool call of the current model call has gone out. */
  callStreamed: boolean;
  /** The last model call stopped with tool_use: the binary runs the calls, then calls the model again. */
  awaitingNextCall: boolean;
  tools: ClaudeAgentToolTracker;
  /** The `error` the binary puts on the synthetic assistant message of a failed run. */
  assistantError?: SDKAssistantMessageError;
  result?: SDKResultMessage;
  /**
   * We stop reading before the result when the reply hits max_tokens (the
   * binary would otherwise ask the model to go on, past the agent's cap) or
   * when the binary restarts a reply it had already begun streaming (its
   * recovery from a dropped stream would repeat text we already passed on).
   * A new model call after a tool_use stop is the next step, not a restart.
   */
  stoppedEarly?: 'max_tokens' | 'restarted';
  /** The SDK threw: the run failed before or instead of its result. */
  failed: boolean;
}

/** `tools`: the definitions the run offers, to name the binary's `mcp__server__tool` calls as the engine does. */
export function createClaudeAgentRunState(tools: readonly ToolDefinition[] = []): ClaudeAgentRunState {
  return {
    earlierUsage: {},
    streamedText: '',
    callText: '',
    callStreamed: false,
    awaitingNextCall: false,
    tools: createClaudeAgentToolTracker(tools),
    failed: false,
  };
}

/** Text of the current model call as it goes out: a later step's first text is set off from the earlier steps'. */
function passOnText(state: ClaudeAgentRunState, text: string): StreamPart {
  const separated = state.callText === '' && state.streamedText !== '' && !/\s$/.test(state.streamedText) ? STEP_SEPARATOR + text : text;
  state.callText += text;
  state.streamedText += separated;
  return { type: 'text-delta', text: separated };
}

export interface AppliedMessage {
  /** What to stream now: text deltas, and the calls the binary makes and their results. */
  parts: readonly StreamPart[];
  /** Stop reading. */
  done: boolean;
}

const NOTHING: AppliedMessage = { parts: [], done: false };

function applyStreamEvent(
  state: ClaudeAgentRunState,
  event: Extract<SDKMessage, { type: 'stream_event' }>['event'],
  now: number,
): AppliedMessage {
  switch (event.type) {
    case 'message_start':
      if (state.awaitingNextCall) {
        addUsage(state.earlierUsage, convertAnthropicUsage(state.start, state.delta));
        state.awaitingNextCall = false;
        state.callText = '';
        state.callStreamed = false;
        state.delta = undefined;
      } else if (state.callStreamed) {
        state.stoppedEarly = 'restarted';
        return { parts: [], done: true };
      }
      state.start = event.message.usage;
      state.tools.startMessage();
      return NOTHING;
    case 'message_delta':
      state.delta = event.usage;
      if (event.delta.stop_reason === 'max_tokens') {
        state.stoppedEarly = 'max_tokens';
        return { parts: [], done: true };
      }
      state.awaitingNextCall = event.delta.stop_reason === 'tool_use';
      return NOTHING;
    case 'content_block_start':
      state.tools.startBlock(event.index, event.content_block);
      return NOTHING;
    case 'content_block_delta':
      if (event.delta.type === 'input_json_delta') state.tools.appendJson(event.index, event.delta.partial_json);
      if (event.delta.type !== 'text_delta' || event.delta.text === '') return NOTHING;
      state.callStreamed = true;
      return { parts: [passOnText(state, event.delta.text)], done: false };
    case 'content_block_stop': {
      const call = state.tools.finishBlock(event.index, now);
      if (call === undefined) return NOTHING;
      state.callStreamed = true;
      return { parts: [{ type: 'tool-call', call }], done: false };
    }
    case 'message_stop':
      return NOTHING;
    default:
      ignoreUnknown(event);
      return NOTHING;
  }
}

/** Folds one SDK message into the state; returns the parts to stream, and whether to stop reading. */
export function applyClaudeAgentMessage(state: ClaudeAgentRunState, message: SDKMessage, now = performance.now()): AppliedMessage {
  if (message.type === 'result') {
    state.result = message;
    return { parts: [], done: true };
  }
  if (message.type === 'assistant' && message.error !== undefined) state.assistantError = message.error;
  // subagent traffic carries a parent tool use: never mix it in
  if (message.type === 'stream_event' && message.parent_tool_use_id === null) return applyStreamEvent(state, message.event, now);
  if (message.type === 'assistant' && message.parent_tool_use_id === null) {
    const calls = state.tools.callsOf(message, now);
    if (calls.length > 0) state.callStreamed = true;
    return { parts: calls.map((call) => ({ type: 'tool-call', call })), done: false };
  }
  if (message.type === 'user' && message.parent_tool_use_id === null) return { parts: state.tools.results(message, now), done: false };
  return NOTHING;
}

const STOP_REASONS: ReadonlySet<string> = new Set<StopReason>([
  'end_turn',
  'max_tokens',
  'stop_sequence',
  'tool_use',
  'pause_turn',
  'refusal',
  'model_context_window_exceeded',
]);

function isStopReason(value: string): value is StopReason {
  return STOP_REASONS.has(value);
}

/**
 * The result message carries the Messages API stop_reason as a plain string. The binary runs
 * tool calls itself, so a tool_use stop is never one for the engine to act on.
 */
export function mapClaudeAgentStopReason(reason: string | null): FinishReason {
  const mapped = reason !== null && isStopReason(reason) ? mapAnthropicStopReason(reason) : 'other';
  return mapped === 'tool_calls' ? 'other' : mapped;
}

function kindOfAssistantError(error: SDKAssistantMessageError): ProviderErrorKind {
  switch (error) {
    case 'rate_limit':
      return 'rate_limited';
    case 'overloaded':
      return 'overloaded';
    case 'authentication_failed':
    case 'oauth_org_not_allowed':
    case 'account_on_hold':
    case 'verification_required':
    case 'billing_error':
    case 'cloud_credential_error':
      return 'authentication';
    case 'invalid_request':
    case 'model_not_found':
    case 'max_output_tokens':
      return 'bad_request';
    case 'server_error':
      return 'server';
    case 'unknown':
      return 'unknown';
    default:
      ignoreUnknown(error);
      return 'unknown';
  }
}

/**
 * From the binary's `error` label, or from the HTTP status when the label is
 * generic: the binary labels a final 529 `server_error`, the status says overloaded.
 */
export function mapClaudeAgentError(error: SDKAssistantMessageError | undefined, status: number | null | undefined): ProviderError {
  const httpStatus = status ?? undefined;
  const generic = error === undefined || error === 'server_error' || error === 'unknown';
  let kind: ProviderErrorKind = 'unknown';
  if (generic && httpStatus !== undefined) kind = mapStatusToKind(httpStatus);
  else if (error !== undefined) kind = kindOfAssistantError(error);
  return createVendorError(VENDOR, kind, { status: httpStatus, code: error });
}

/**
 * What to add to the streamed text so it equals the run's final answer, or
 * undefined when it cannot (the binary answered something else than it
 * streamed). A reply the binary did not stream at all arrives whole here.
 */
export function reconcileFinalText(streamed: string, final: string): string | undefined {
  if (final.startsWith(streamed)) return final.slice(streamed.length);
  if (streamed.trim() === final.trim()) return '';
  return undefined;
}

function partsFromResult(result: SDKResultMessage, state: ClaudeAgentRunState): StreamPart[] {
  if (result.subtype === 'error_max_turns' && state.tools.reportedCalls() > 0) {
    // the last allowed model call asked for tools too: the binary ran them and stopped before another
    // call, as the engine ends a turn whose steps ran out; a call left without result is not its to run
    const finishReason = state.tools.unansweredCalls() === 0 ? 'tool_calls' : 'other';
    return [{ type: 'finish', finishReason, usage: convertAnthropicUsage(undefined, result.usage) }];
  }
  if (result.subtype !== 'success') {
    return [{ type: 'error', error: createVendorError(VENDOR, 'unknown', { code: result.subtype }) }];
  }
  if (result.is_error) {
    return [{ type: 'error', error: mapClaudeAgentError(state.assistantError, result.api_error_status) }];
  }
  // with tools the final answer is the last model call's text only
  const missing = reconcileFinalText(state.callText, result.result);
  if (missing === undefined) return [restartedError()];
  const finish: StreamPart = {
    type: 'finish',
    finishReason: mapClaudeAgentStopReason(result.stop_reason),
    usage: convertAnthropicUsage(undefined, result.usage),
  };
  return missing === '' ? [finish] : [passOnText(state, missing), finish];
}

function restartedError(): StreamPart {
  return { type: 'error', error: createVendorError(VENDOR, 'network', { phrase: 'lost the stream mid-reply' }) };
}

/** The parts that end a run: its terminal part, after any text the stream did not carry. */
export function concludeClaudeAgentRun(state: ClaudeAgentRunState, cancelled: boolean): StreamPart[] {
  // the current model call's counts so far, plus the earlier calls' (the result would have carried the sum)
  const usageSoFar = convertAnthropicUsage(state.start, state.delta);
  addUsage(usageSoFar, state.earlierUsage);
  if (cancelled) return [{ type: 'finish', finishReason: 'cancelled', usage: usageSoFar }];
  switch (state.stoppedEarly) {
    case 'max_tokens':
      return [{ type: 'finish', finishReason: 'length', usage: usageSoFar }];
    case 'restarted':
      return [restartedError()];
    case undefined:
      break;
    default:
      ignoreUnknown(state.stoppedEarly);
  }
  if (state.result !== undefined) return partsFromResult(state.result, state);
  if (state.failed && state.assistantError !== undefined) {
    return [{ type: 'error', error: mapClaudeAgentError(state.assistantError, undefined) }];
  }
  const phrase = state.failed ? 'could not complete the Claude Code run' : 'ended the run without a result';
  return [{ type: 'error', error: createVendorError(VENDOR, 'unknown', { phrase }) }];
}
