import type { FakeToolCall, ReplyContext, WireFormat } from './types.js';

// OpenAI Chat Completions streaming (https://platform.openai.com/docs/api-reference/chat-streaming):
// unnamed `data:` events carrying chat.completion.chunk objects; with
// stream_options.include_usage every chunk has "usage": null and one last
// chunk with empty `choices` carries the usage; then `data: [DONE]`. The SDK
// throws on any data object with an `error` key (the in-band error). Tool
// calls follow the text as `delta.tool_calls` by index: the first delta of a
// call carries id, type and name with empty arguments, later ones only
// argument fragments; then finish_reason "tool_calls".

function data(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

function includeUsage(context: ReplyContext): boolean {
  const body = context.request.body;
  if (typeof body !== 'object' || body === null || !('stream_options' in body)) return false;
  const options = body.stream_options;
  return typeof options === 'object' && options !== null && 'include_usage' in options && options.include_usage === true;
}

function chunkObject(context: ReplyContext, choices: unknown[], extra: Record<string, unknown> = {}): unknown {
  return {
    id: `chatcmpl-fake${Math.round(context.request.receivedAt)}`,
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: context.model,
    system_fingerprint: 'fp_fake',
    choices,
    ...(includeUsage(context) ? { usage: null } : {}),
    ...extra,
  };
}

function toolCallsOf(context: ReplyContext): FakeToolCall[] {
  return context.response.toolCalls ?? [];
}

/** The default split: the JSON text in two pieces, so a test sees fragments joined. */
function argumentChunksOf(call: FakeToolCall): string[] {
  if (call.argumentChunks !== undefined) return call.argumentChunks;
  const text = JSON.stringify(call.arguments);
  const middle = Math.ceil(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)];
}

function toolCallFrames(context: ReplyContext, call: FakeToolCall, index: number): string[] {
  const frame = (toolCall: Record<string, unknown>): string =>
    data(chunkObject(context, [{ index: 0, delta: { tool_calls: [{ index, ...toolCall }] }, logprobs: null, finish_reason: null }]));
  return [
    frame({ id: call.id, type: 'function', function: { name: call.name, arguments: '' } }),
    ...argumentChunksOf(call).map((piece) => frame({ function: { arguments: piece } })),
  ];
}

function usageObject(context: ReplyContext): unknown {
  const usage = context.response.usage;
  if (usage === null) return undefined;
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function presentedKey(context: ReplyContext): string {
  const authorization = context.request.headers.authorization ?? '';
  return authorization.replace(/^Bearer\s+/i, '');
}

interface OpenAIErrorShape {
  type: string;
  code: string | null;
  message: string;
}

function errorShape(context: ReplyContext, status: number): OpenAIErrorShape {
  const errorType = context.response.errorType;
  if (errorType === 'insufficient_quota') {
    return {
      type: 'insufficient_quota',
      code: 'insufficient_quota',
      message: 'You exceeded your current quota, please check your plan and billing details.',
    };
  }
  switch (status) {
    case 401:
      // like the real API, the body quotes the key it was given: adapters must never pass it on
      return {
        type: 'invalid_request_error',
        code: errorType ?? 'invalid_api_key',
        message: `Incorrect API key provided: ${presentedKey(context)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      };
    case 404:
      return {
        type: 'invalid_request_error',
        code: errorType ?? 'model_not_found',
        message: `The model \`${context.model}\` does not exist.`,
      };
    case 429:
      return { type: 'requests', code: errorType ?? 'rate_limit_exceeded', message: 'Rate limit reached for requests.' };
    default:
      return status >= 500
        ? { type: 'server_error', code: errorType ?? null, message: 'The server had an error while processing your request.' }
        : { type: 'invalid_request_error', code: errorType ?? null, message: 'Invalid request.' };
  }
}

export const openaiWire: WireFormat = {
  streamHeaders: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': 'req_fake' },

  opening: (context) => {
    // a reply that is only tool calls opens with null content, as the API does
    const toolsOnly = toolCallsOf(context).length > 0 && context.response.chunks.length === 0 && context.response.gate === undefined;
    const delta = { role: 'assistant', content: toolsOnly ? null : '', refusal: null };
    return [data(chunkObject(context, [{ index: 0, delta, logprobs: null, finish_reason: null }]))];
  },

  chunk: (text, _position, context) =>
    data(chunkObject(context, [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }])),

  closing: (context) => {
    const frames = toolCallsOf(context).flatMap((call, index) => toolCallFrames(context, call, index));
    frames.push(data(chunkObject(context, [{ index: 0, delta: {}, logprobs: null, finish_reason: context.response.stopReason }])));
    const usage = usageObject(context);
    if (includeUsage(context) && usage !== undefined) frames.push(data(chunkObject(context, [], { usage })));
    frames.push('data: [DONE]\n\n');
    return frames;
  },

  inBandError: (errorType, context) =>
    data({
      error: {
        message: context.response.message ?? 'The server had an error while processing your request.',
        type: errorType,
        param: null,
        code: errorType,
      },
    }),

  error: (context) => {
    const status = context.response.status ?? 500;
    const shape = errorShape(context, status);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': 'req_fake' };
    if (context.response.retryAfter !== undefined) headers['retry-after'] = String(context.response.retryAfter);
    return {
      status,
      headers,
      body: { error: { message: context.response.message ?? shape.message, type: shape.type, param: null, code: shape.code } },
    };
  },

  complete: (context) => ({
    id: `chatcmpl-fake${Math.round(context.request.receivedAt)}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model: context.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: context.response.chunks.length === 0 && toolCallsOf(context).length > 0 ? null : context.response.chunks.join(''),
          refusal: null,
          ...(toolCallsOf(context).length > 0
            ? {
                tool_calls: toolCallsOf(context).map((call) => ({
                  id: call.id,
                  type: 'function',
                  function: { name: call.name, arguments: JSON.stringify(call.arguments) },
                })),
              }
            : {}),
        },
        logprobs: null,
        finish_reason: context.response.stopReason,
      },
    ],
    usage: usageObject(context),
  }),
};
