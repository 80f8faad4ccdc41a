import type { FakeToolCall, ReplyContext, WireFormat } from './types.js';

// Anthropic Messages API streaming, as documented at
// https://docs.anthropic.com/en/docs/build-with-claude/streaming and as the
// SDK's Stream.fromSSEResponse reads it: named SSE events, `ping` skipped,
// `event: error` thrown as APIError with the body's error.type. Tool calls
// follow the text block as one tool_use block each (input `{}` at the start,
// then `input_json_delta` fragments, the first one empty as the API sends it).

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

function messageId(context: ReplyContext): string {
  return `msg_fake${Math.round(context.request.receivedAt)}`;
}

function toolCallsOf(context: ReplyContext): FakeToolCall[] {
  return context.response.toolCalls ?? [];
}

/** A reply that is only tool calls opens no text block, as the API does. */
function hasTextBlock(context: ReplyContext): boolean {
  const { chunks, gate, afterGate = [] } = context.response;
  return toolCallsOf(context).length === 0 || chunks.length > 0 || (gate !== undefined && afterGate.length > 0);
}

/** The default split: the JSON text in two pieces, so a test sees fragments joined. */
function argumentChunksOf(call: FakeToolCall): string[] {
  if (call.argumentChunks !== undefined) return call.argumentChunks;
  const text = JSON.stringify(call.arguments);
  const middle = Math.ceil(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)];
}

function toolUseFrames(call: FakeToolCall, index: number): string[] {
  return [
    event('content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id: call.id, name: call.name, input: {}, caller: { type: 'direct' } },
    }),
    ...['', ...argumentChunksOf(call)].map((partial) =>
      event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } }),
    ),
    event('content_block_stop', { type: 'content_block_stop', index }),
  ];
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const ERROR_MESSAGES: Record<string, string> = {
  invalid_request_error: 'messages: roles must alternate between "user" and "assistant"',
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your credit balance is too low to access the Anthropic API.',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'model: not found',
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit',
  api_error: 'Internal server error',
  overloaded_error: 'Overloaded',
};

function errorBody(type: string, message: string | undefined): unknown {
  return { type: 'error', error: { type, message: message ?? ERROR_MESSAGES[type] ?? 'Error' } };
}

export const anthropicWire: WireFormat = {
  streamHeaders: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': 'req_fake' },

  opening: (context) => [
    event('message_start', {
      type: 'message_start',
      message: {
        id: messageId(context),
        type: 'message',
        role: 'assistant',
        model: context.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        ...(context.response.usage === null ? {} : { usage: { input_tokens: context.response.usage.inputTokens, output_tokens: 1 } }),
      },
    }),
    ...(hasTextBlock(context)
      ? [event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })]
      : []),
    event('ping', { type: 'ping' }),
  ],

  chunk: (text) => event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),

  closing: (context) => [
    ...(hasTextBlock(context) ? [event('content_block_stop', { type: 'content_block_stop', index: 0 })] : []),
    ...toolCallsOf(context).flatMap((call, position) => toolUseFrames(call, position + (hasTextBlock(context) ? 1 : 0))),
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: context.response.stopReason, stop_sequence: null },
      ...(context.response.usage === null ? {} : { usage: { output_tokens: context.response.usage.outputTokens } }),
    }),
    event('message_stop', { type: 'message_stop' }),
  ],

  inBandError: (errorType, context) => event('error', errorBody(errorType, context.response.message)),

  error: (context) => {
    const status = context.response.status ?? 500;
    const type = context.response.errorType ?? ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
    const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': 'req_fake' };
    if (context.response.retryAfter !== undefined) headers['retry-after'] = String(context.response.retryAfter);
    return { status, headers, body: errorBody(type, context.response.message) };
  },

  complete: (context) => ({
    id: messageId(context),
    type: 'message',
    role: 'assistant',
    model: context.model,
    content: [
      ...(hasTextBlock(context) ? [{ type: 'text', text: context.response.chunks.join('') }] : []),
      ...toolCallsOf(context).map((call) => ({
        type: 'tool_use',
        id: call.id,
        name: call.name,
        input: call.arguments,
        caller: { type: 'direct' },
      })),
    ],
    stop_reason: context.response.stopReason,
    stop_sequence: null,
    usage:
      context.response.usage === null
        ? undefined
        : { input_tokens: context.response.usage.inputTokens, output_tokens: context.response.usage.outputTokens },
  }),
};
