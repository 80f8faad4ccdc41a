import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { ProviderName } from '../domain.js';
import type { ChatModel, ChatRequest, ProviderRegistry, StreamPart } from '../providers/types.js';
import { tracer } from './tracing.js';

/** `gen_ai.system` per provider: the semantic conventions' names, `_OTHER` for a server they do not list. */
export const GEN_AI_SYSTEM: Readonly<Record<ProviderName, string>> = {
  ANTHROPIC: 'anthropic',
  OPENAI: 'openai',
  GEMINI: 'gcp.gemini',
  CLAUDE_AGENT: 'anthropic',
  OPENAI_COMPATIBLE: '_OTHER',
  MOCK: '_OTHER',
  REPLAY: '_OTHER',
};

function requestAttributes(provider: ProviderName, request: ChatRequest): Attributes {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.system': GEN_AI_SYSTEM[provider],
    'gen_ai.request.model': request.model,
    // Ours: which of the service's providers it was (`_OTHER` says little).
    'orchestrator.provider': provider,
    ...(request.temperature === undefined ? {} : { 'gen_ai.request.temperature': request.temperature }),
    ...(request.maxTokens === undefined ? {} : { 'gen_ai.request.max_tokens': request.maxTokens }),
  };
}

/**
 * One `chat <model>` span per call, with the GenAI semantic conventions: the
 * request's model and settings, then the tokens used and the finish reason (or
 * the error's kind). The prompt and the reply are not recorded.
 */
async function* tracedStream(model: ChatModel, request: ChatRequest): AsyncIterable<StreamPart> {
  const span = tracer().startSpan(`chat ${request.model}`, {
    kind: SpanKind.CLIENT,
    attributes: requestAttributes(model.provider, request),
  });
  let firstToken = true;
  let finished = false;
  try {
    for await (const part of model.stream(request)) {
      switch (part.type) {
        case 'text-delta':
          if (firstToken && part.text.length > 0) span.addEvent('gen_ai.first_token');
          firstToken &&= part.text.length === 0;
          break;
        case 'finish': {
          finished = true;
          const { inputTokens, outputTokens } = part.usage;
          span.setAttributes({
            'gen_ai.response.finish_reasons': [part.finishReason],
            ...(inputTokens === undefined ? {} : { 'gen_ai.usage.input_tokens': inputTokens }),
            ...(outputTokens === undefined ? {} : { 'gen_ai.usage.output_tokens': outputTokens }),
          });
          break;
        }
        case 'tool-call':
        case 'tool-result':
          // a tool call is a span of its own (`execute_tool`, src/engine/tool-calls.ts)
          break;
        case 'error':
          span.setAttribute('error.type', part.error.kind);
          span.setStatus({ code: SpanStatusCode.ERROR, message: part.error.kind });
          break;
        default: {
          const unknown: never = part;
          throw new Error(`unknown stream part ${JSON.stringify(unknown)}`);
        }
      }
      yield part;
    }
    if (!finished && request.signal.aborted) span.setAttribute('error.type', 'cancelled');
  } finally {
    span.end();
  }
}

/** The registry with every model's calls traced. */
export function traceProviders(registry: ProviderRegistry): ProviderRegistry {
  const traced = new Map<ChatModel, ChatModel>();
  return {
    list: () => registry.list(),
    defaultModel: (name) => registry.defaultModel(name),
    get(name) {
      const model = registry.get(name);
      if (!model) return undefined;
      let wrapped = traced.get(model);
      if (!wrapped) {
        wrapped = { provider: model.provider, stream: (request) => tracedStream(model, request) };
        traced.set(model, wrapped);
      }
      return wrapped;
    },
  };
}
