import {
  FunctionCallingConfigMode,
  type Content,
  type GenerateContentResponse,
  type Part,
  type Tool,
  type ToolConfig,
} from '@google/genai';
import type { ChatRequest, ToolCallRequest, ToolDefinition, ToolResultPart, ToolStep } from './types.js';

// Gemini's side of tool calls: function declarations out, whole functionCall parts in,
// functionResponse parts back. Pure helpers; the stream loop is in gemini.ts.

/**
 * Older models send a functionCall without `id`: we make one up so the engine can match the
 * result, and because Gemini never saw it, it is left out again on the way back.
 */
export const MADE_UP_CALL_ID_PREFIX = 'gemini-call-';

export function isMadeUpCallId(id: string): boolean {
  return id.startsWith(MADE_UP_CALL_ID_PREFIX);
}

/** `parametersJsonSchema` takes JSON Schema as is; `$schema` goes (not checked that the API accepts it). */
function withoutSchemaKeyword(schema: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema'));
}

/** One Tool holding every declaration, as the SDK's own MCP bridge sends them. */
export function convertGeminiTools(tools: readonly ToolDefinition[]): Tool[] {
  return [
    {
      functionDeclarations: tools.map((tool) => ({
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parametersJsonSchema: withoutSchemaKeyword(tool.inputSchema),
      })),
    },
  ];
}

/** `auto` is Gemini's default and stays unsent; `none` keeps the declarations but forbids calls. */
export function convertGeminiToolChoice(choice: ChatRequest['toolChoice']): ToolConfig | undefined {
  if (choice === undefined) return undefined;
  switch (choice) {
    case 'auto':
      return undefined;
    case 'none':
      return { functionCallingConfig: { mode: FunctionCallingConfigMode.NONE } };
    default: {
      const unexpected: never = choice;
      return unexpected;
    }
  }
}

function convertCallPart(call: ToolCallRequest): Part {
  return {
    functionCall: { name: call.name, args: call.arguments, ...(isMadeUpCallId(call.id) ? {} : { id: call.id }) },
    // Gemini 3 answers 400 when a call comes back without the signature it carried
    ...(call.signature !== undefined ? { thoughtSignature: call.signature } : {}),
  };
}

function convertResultPart(result: ToolResultPart): Part {
  return {
    functionResponse: {
      name: result.name,
      ...(isMadeUpCallId(result.callId) ? {} : { id: result.callId }),
      // the documented keys: "output" for a result, "error" for a failure
      response: result.isError ? { error: result.content } : { output: result.content },
    },
  };
}

/**
 * Each step goes back as the model content it streamed (its text, then its functionCall
 * parts) and a user content with one functionResponse per call. The converted transcript
 * ends with a user content, so roles keep alternating.
 */
export function convertGeminiToolSteps(steps: readonly ToolStep[]): Content[] {
  return steps.flatMap((step): Content[] => [
    { role: 'model', parts: [...(step.text !== '' ? [{ text: step.text }] : []), ...step.calls.map(convertCallPart)] },
    { role: 'user', parts: step.results.map(convertResultPart) },
  ]);
}

/** The functionCall parts of a chunk's first candidate, each with the signature on its part. */
export function extractGeminiFunctionCallParts(chunk: Pick<GenerateContentResponse, 'candidates'>): Part[] {
  const parts = chunk.candidates?.[0]?.content?.parts ?? [];
  return parts.filter((part) => part.functionCall !== undefined);
}

/** Calls made earlier in the turn: a made-up id must not repeat one of theirs. */
export function countToolStepCalls(steps: readonly ToolStep[] | undefined): number {
  return (steps ?? []).reduce((count, step) => count + step.calls.length, 0);
}

/**
 * The calls of one reply, in the order the model made them. Gemini sends `args` as an
 * object, so `argumentsText` is its JSON; a call without `id` gets
 * `gemini-call-<n>`, numbered on from `earlierCalls`.
 */
export function convertGeminiFunctionCalls(parts: readonly Part[], earlierCalls: number): ToolCallRequest[] {
  let madeUp = earlierCalls;
  return parts.flatMap((part): ToolCallRequest[] => {
    const call = part.functionCall;
    if (call === undefined) return [];
    const args = call.args ?? {};
    const id = call.id !== undefined && call.id !== '' ? call.id : `${MADE_UP_CALL_ID_PREFIX}${++madeUp}`;
    return [
      {
        id,
        name: call.name ?? '',
        arguments: args,
        argumentsText: JSON.stringify(args),
        ...(part.thoughtSignature !== undefined ? { signature: part.thoughtSignature } : {}),
      },
    ];
  });
}
