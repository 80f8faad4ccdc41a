import type { FakeToolCall, ReplyContext, WireFormat } from './types.js';

// Gemini API streamGenerateContent with alt=sse (https://ai.google.dev/api/generate-content):
// `data: {GenerateContentResponse}` events separated by CRLF CRLF; the last
// one carries the candidate's finishReason and the usageMetadata. Errors use
// the google.rpc.Status shape {error: {code, message, status, details}}; a
// 429 names its delay in a google.rpc.RetryInfo detail, not in a header.
// Tool calls come whole, as functionCall parts of one last event that also
// carries finishReason (STOP) and usage; the id and a thoughtSignature are optional.

function data(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\r\n\r\n`;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const STATUS_CODES: Record<string, number> = Object.fromEntries(Object.entries(STATUS_NAMES).map(([code, name]) => [name, Number(code)]));

const MESSAGES: Record<string, string> = {
  INVALID_ARGUMENT: 'Request contains an invalid argument.',
  UNAUTHENTICATED: 'Request had invalid authentication credentials.',
  PERMISSION_DENIED: 'The caller does not have permission.',
  NOT_FOUND: 'models/unknown is not found for API version v1beta.',
  RESOURCE_EXHAUSTED: 'You exceeded your current quota, please check your plan and billing details.',
  INTERNAL: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  UNAVAILABLE: 'The model is overloaded. Please try again later.',
  DEADLINE_EXCEEDED: 'The request timed out. Please try again.',
};

function usageMetadata(context: ReplyContext): unknown {
  const usage = context.response.usage;
  if (usage === null) return undefined;
  return {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: usage.outputTokens,
    totalTokenCount: usage.inputTokens + usage.outputTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.inputTokens }],
  };
}

function functionCallPart(call: FakeToolCall): unknown {
  return {
    functionCall: { name: call.name, args: call.arguments, ...(call.omitId === true ? {} : { id: call.id }) },
    ...(call.signature !== undefined ? { thoughtSignature: call.signature } : {}),
  };
}

function responseObject(context: ReplyContext, parts: unknown[], last: boolean): unknown {
  return {
    candidates: [
      {
        content: { parts, role: 'model' },
        ...(last ? { finishReason: context.response.stopReason } : {}),
        index: 0,
      },
    ],
    ...(last && usageMetadata(context) !== undefined ? { usageMetadata: usageMetadata(context) } : {}),
    modelVersion: context.model,
    responseId: `fake${Math.round(context.request.receivedAt)}`,
  };
}

function statusBody(code: number, statusName: string, message: string | undefined, details: unknown[]): unknown {
  return {
    error: {
      code,
      message: message ?? MESSAGES[statusName] ?? 'Error',
      status: statusName,
      ...(details.length > 0 ? { details } : {}),
    },
  };
}

function textReply(context: ReplyContext, text: string, last: boolean): unknown {
  return responseObject(context, [{ text }], last);
}

const toolCallsOf = (context: ReplyContext): FakeToolCall[] => context.response.toolCalls ?? [];

/** The event with the calls, which ends the reply. */
function toolCallsReply(context: ReplyContext): unknown {
  return responseObject(context, toolCallsOf(context).map(functionCallPart), true);
}

export const geminiWire: WireFormat = {
  streamHeaders: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },

  opening: () => [],

  chunk: (text, position, context) =>
    position.last && toolCallsOf(context).length > 0
      ? data(textReply(context, text, false)) + data(toolCallsReply(context))
      : data(textReply(context, text, position.last)),

  closing: (context, endCarried) => {
    if (endCarried) return [];
    return [data(toolCallsOf(context).length > 0 ? toolCallsReply(context) : textReply(context, '', true))];
  },

  inBandError: (errorType, context) => data(statusBody(STATUS_CODES[errorType] ?? 500, errorType, context.response.message, [])),

  error: (context) => {
    const status = context.response.status ?? 500;
    const statusName = STATUS_NAMES[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
    const details: unknown[] = [];
    if (context.response.errorType !== undefined) {
      details.push({
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: context.response.errorType,
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      });
    }
    if (context.response.retryAfter !== undefined) {
      details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${context.response.retryAfter}s` });
    }
    return {
      status,
      headers: { 'content-type': 'application/json; charset=UTF-8' },
      body: statusBody(status, statusName, context.response.message, details),
    };
  },

  complete: (context) =>
    responseObject(context, [{ text: context.response.chunks.join('') }, ...toolCallsOf(context).map(functionCallPart)], true),
};
