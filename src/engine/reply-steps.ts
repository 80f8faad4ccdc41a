import { addUsage, type Usage } from '../domain.js';
import type { ProviderError } from '../providers/errors.js';
import type { ChatModel, ChatRequest, StreamPart, ToolCallRequest, ToolStep } from '../providers/types.js';
import type { ToolCallRecord } from '../store/types.js';
import type { CallBudget } from './cost-budget.js';
import type { TokenSink } from './token-sink.js';
import type { RanToolCall, TurnTools } from './tool-calls.js';

/** What a turn's model calls produced, all steps together. */
export interface ReplyOutcome {
  /** Every step's text, joined as it streamed. */
  text: string;
  /** The last step's finish, with the usage of every step summed. */
  finish?: Extract<StreamPart, { type: 'finish' }>;
  failure?: ProviderError;
  firstTokenAt?: number;
  /** The calls made, in order, as recorded. */
  toolCalls: ToolCallRecord[];
  /** A tool call could not be recorded: the turn was taken over or has ended; the attempt stops. */
  fencedOff?: boolean;
  /** The discussion's cost cap left no room for the next call: the turn ends with what it has, and so does the discussion. */
  budgetSpent?: boolean;
}

export interface ReplyStepsOptions {
  model: ChatModel;
  request: Omit<ChatRequest, 'tools' | 'toolChoice' | 'toolSteps'>;
  tokens: TokenSink;
  tools: TurnTools | undefined;
  /** MAX_TOOL_STEPS: model calls that may ask for tools; the one after must answer in text. */
  maxSteps: number;
  /** Persists and publishes a finished call; false when the attempt no longer owns the turn. */
  record(call: RanToolCall): Promise<ToolCallRecord | undefined>;
  /** The cost cap's say before each call (src/engine/cost-budget.ts): the output tokens it may ask for, or none. */
  budget?: (request: ChatRequest, usedInTurn: Usage) => CallBudget;
}

/** Calls run from one reply of the model, one after the other; those past it get an error result. */
export const MAX_CALLS_PER_STEP = 16;

/** Between the texts of two steps, so "Let me check." and "It is 18 °C." do not run together. */
const STEP_SEPARATOR = '\n\n';

/** What goes before a later step's first text: a separator unless the text so far is empty or ends in white space. */
export const stepSeparator = (textSoFar: string): string => (textSoFar !== '' && !/\s$/.test(textSoFar) ? STEP_SEPARATOR : '');

/**
 * Streams a turn's reply: one model call, and while the model asks for tools (and steps
 * remain), the calls, then the model again with the results. Text of every step streams
 * into one message.
 */
export async function streamReplySteps(options: ReplyStepsOptions): Promise<ReplyOutcome> {
  const { model, request, tokens, tools, maxSteps, record, budget } = options;
  const { signal } = request;
  const outcome: ReplyOutcome = { text: '', toolCalls: [] };
  const usage: Usage = {};
  const steps: ToolStep[] = [];
  let stepText = '';

  const pushText = (text: string) => {
    if (signal.aborted || text.length === 0) return;
    const separator = stepText === '' ? stepSeparator(outcome.text) : '';
    outcome.firstTokenAt ??= Date.now();
    outcome.text += separator + text;
    stepText += text;
    tokens.push(separator + text);
  };

  for (let step = 1; ; step++) {
    const lastStep = step > maxSteps;
    const calls: ToolCallRequest[] = [];
    stepText = '';
    let finish: Extract<StreamPart, { type: 'finish' }> | undefined;
    const stepRequest: ChatRequest = {
      ...request,
      ...(tools ? { tools: tools.definitions, toolChoice: lastStep ? 'none' : 'auto', toolSteps: steps } : {}),
    };
    const allowed = budget?.(stepRequest, usage);
    if (allowed === 'spent') {
      // after tool steps the message keeps their text; it was cut short, as by a token limit
      if (outcome.finish) outcome.finish = { ...outcome.finish, finishReason: 'length' };
      return { ...outcome, budgetSpent: true };
    }
    const stream = model.stream(allowed ? { ...stepRequest, maxTokens: allowed.maxTokens } : stepRequest);
    for await (const part of stream) {
      switch (part.type) {
        case 'text-delta':
          pushText(part.text);
          break;
        case 'tool-call':
          calls.push(part.call);
          break;
        case 'tool-result': {
          // the provider ran this call itself (CLAUDE_AGENT): record it, nothing to run
          const call = calls.find((item) => item.id === part.callId);
          if (!call || !tools) break;
          calls.splice(calls.indexOf(call), 1);
          const ran = tools.ranByProvider(call, { content: part.content, isError: part.isError, durationMs: part.durationMs ?? 0 }, step);
          const saved = await record(ran);
          // another attempt owns the turn: stop reading, which ends the provider's run (its own calls too)
          if (!saved) return { ...outcome, fencedOff: true };
          outcome.toolCalls.push(saved);
          break;
        }
        case 'finish':
          finish = part;
          break;
        case 'error':
          outcome.failure = part.error;
          break;
        default: {
          const unknown: never = part;
          throw new Error(`unknown stream part ${JSON.stringify(unknown)}`);
        }
      }
    }
    addUsage(usage, finish?.usage);
    if (finish) outcome.finish = { ...finish, usage: { ...usage } };
    const wantsTools = finish?.finishReason === 'tool_calls' && calls.length > 0 && tools !== undefined && !lastStep;
    if (!wantsTools || outcome.failure || signal.aborted || outcome.fencedOff) return outcome;
    const results = [];
    for (const [index, call] of calls.entries()) {
      const ran =
        index < MAX_CALLS_PER_STEP
          ? await tools.run(call, step, signal)
          : tools.refuse(call, step, `not run: at most ${MAX_CALLS_PER_STEP} tool calls are run per reply; ask for fewer at a time`);
      const saved = await record(ran);
      if (!saved) {
        outcome.fencedOff = true;
        return outcome;
      }
      outcome.toolCalls.push(saved);
      results.push(ran.result);
      if (signal.aborted) return outcome;
    }
    steps.push({ text: stepText, calls, results });
  }
}
