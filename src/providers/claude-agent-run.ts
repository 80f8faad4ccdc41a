import type { SDKAssistantMessageError, SDKMessage, SDKResultMessage } from '@anthropic-ai/claude-agent-sdk';
import type { StopReason } from '@anthropic-ai/sdk/resources/messages';
import { convertAnthropicUsage, mapAnthropicStopReason } from './anthropic.js';
import type { ProviderError, ProviderErrorKind } from './errors.js';
import { ignoreUnknown } from './stream-control.js';
import type { FinishReason, StreamPart } from './types.js';
import { createVendorError, mapStatusToKind } from './vendor-errors.js';

// How one run of the claude binary becomes stream parts: pure functions over
// the SDK's messages, so the adapter's loop stays a loop.

const VENDOR = 'Claude Agent';

export interface ClaudeAgentRunState {
  start?: Parameters<typeof convertAnthropicUsage>[0];
  delta?: Parameters<typeof convertAnthropicUsage>[1];
  /** The text passed on so far. */
  streamedText: string;
  /** The `error` the binary puts on the synthetic assistant message of a failed run. */
  assistantError?: SDKAssistantMessageError;
  result?: SDKResultMessage;
  /**
   * We stop reading before the result when the reply hits max_tokens (the
   * binary would otherwise ask the model to go on, past the agent's cap) or
   * when the binary restarts a reply it had already begun streaming (its
   * recovery from a dropped stream would repeat text we already passed on).
   */
  stoppedEarly?: 'max_tokens' | 'restarted';
  /** The SDK threw: the run failed before or instead of its result. */
  failed: boolean;
}

export function createClaudeAgentRunState(): ClaudeAgentRunState {
  return { streamedText: '', failed: false };
}

/** Folds one SDK message into the state; returns the text to stream, and whether to stop reading. */
export function applyClaudeAgentMessage(state: ClaudeAgentRunState, message: SDKMessage): { text?: string; done: boolean } {
  if (message.type === 'result') {
    state.result = message;
    return { done: true };
  }
  if (message.type === 'assistant' && message.error !== undefined) state.assistantError = message.error;
  // subagent traffic carries a parent tool use; with no tools there is none, but never mix it in
  if (message.type !== 'stream_event' || message.parent_tool_use_id !== null) return { done: false };
  const event = message.event;
  switch (event.type) {
    case 'message_start':
      if (state.streamedText !== '') {
        state.stoppedEarly = 'restarted';
        return { done: true };
      }
      state.start = event.message.usage;
      return { done: false };
    case 'message_delta':
      state.delta = event.usage;
      if (event.delta.stop_reason === 'max_tokens') {
        state.stoppedEarly = 'max_tokens';
        return { done: true };
      }
      return { done: false };
    case 'content_block_delta':
      if (event.delta.type !== 'text_delta' || event.delta.text === '') return { done: false };
      state.streamedText += event.delta.text;
      return { text: event.delta.text, done: false };
    case 'content_block_start':
    case 'content_block_stop':
    case 'message_stop':
      return { done: false };
    default:
      ignoreUnknown(event);
      return { done: false };
  }
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

/** The result message carries the Messages API stop_reason as a plain string. */
export function mapClaudeAgentStopReason(reason: string | null): FinishReason {
  return reason !== null && isStopReason(reason) ? mapAnthropicStopReason(reason) : 'other';
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
  if (result.subtype !== 'success') {
    return [{ type: 'error', error: createVendorError(VENDOR, 'unknown', { code: result.subtype }) }];
  }
  if (result.is_error) {
    return [{ type: 'error', error: mapClaudeAgentError(state.assistantError, result.api_error_status) }];
  }
  const missing = reconcileFinalText(state.streamedText, result.result);
  if (missing === undefined) return [restartedError()];
  const finish: StreamPart = {
    type: 'finish',
    finishReason: mapClaudeAgentStopReason(result.stop_reason),
    usage: convertAnthropicUsage(undefined, result.usage),
  };
  return missing === '' ? [finish] : [{ type: 'text-delta', text: missing }, finish];
}

function restartedError(): StreamPart {
  return { type: 'error', error: createVendorError(VENDOR, 'network', { phrase: 'lost the stream mid-reply' }) };
}

/** The parts that end a run: its terminal part, after any text the stream did not carry. */
export function concludeClaudeAgentRun(state: ClaudeAgentRunState, cancelled: boolean): StreamPart[] {
  const usageSoFar = convertAnthropicUsage(state.start, state.delta);
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
