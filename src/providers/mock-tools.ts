import { isRecord } from './tool-calls.js';
import type { ChatRequest, ToolCallRequest, ToolStep } from './types.js';

// How the offline MOCK provider uses tools, so a new user sees a tool work without a vendor: it calls
// a tool when its prompt asks for one by name, and then says what the tool answered.

/** The JSON object that starts at `start` (`{` there), by balanced braces outside strings; undefined when there is none. */
export function jsonObjectAt(text: string, start: number): string | undefined {
  if (text[start] !== '{') return undefined;
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index++) {
    const character = text[index];
    if (inString) {
      if (character === '\\') index++;
      else if (character === '"') inString = false;
    } else if (character === '"') inString = true;
    else if (character === '{') depth++;
    else if (character === '}' && --depth === 0) return text.slice(start, index + 1);
  }
  return undefined;
}

/**
 * The call the prompt asks for: the offered tool mentioned last in the system prompt or the
 * transcript, as `server/tool` or by the name the model sees, with the JSON object written
 * right after the mention as its arguments (`{}` without one). Only on a turn's first step,
 * and never when tools are off (`toolChoice: 'none'`).
 */
export function findMockToolCall(
  request: Pick<ChatRequest, 'system' | 'messages' | 'tools' | 'toolChoice' | 'toolSteps'>,
): ToolCallRequest | undefined {
  if (!request.tools?.length || request.toolChoice === 'none' || (request.toolSteps?.length ?? 0) > 0) return undefined;
  const text = [request.system, ...request.messages.map((turn) => turn.content)].join('\n');
  let best: { name: string; end: number; at: number } | undefined;
  for (const tool of request.tools) {
    for (const label of [`${tool.server}/${tool.tool}`, tool.name]) {
      const at = text.lastIndexOf(label);
      // a mention ends where the name does: `demo/add` is not a mention of `demo/a`
      const boundary = /[A-Za-z0-9_]/.test(text[at + label.length] ?? '');
      if (at >= 0 && !boundary && (!best || at > best.at)) best = { name: tool.name, end: at + label.length, at };
    }
  }
  if (!best) return undefined;
  const argumentsStart = best.end + (/^\s*/.exec(text.slice(best.end))?.[0].length ?? 0);
  const written = jsonObjectAt(text, argumentsStart);
  let parsed: unknown;
  try {
    parsed = written === undefined ? {} : JSON.parse(written);
  } catch {
    parsed = undefined;
  }
  return { id: 'mock-call-1', name: best.name, arguments: isRecord(parsed) ? parsed : {}, argumentsText: written ?? '{}' };
}

/** What the MOCK says first once its calls were answered: each tool's result, quoted short. */
export function reportMockToolResults(steps: readonly ToolStep[], tools: ChatRequest['tools']): string {
  const lines = steps.flatMap((step) =>
    step.results.map((result) => {
      const tool = tools?.find((item) => item.name === result.name);
      const label = tool ? `${tool.server}/${tool.tool}` : result.name;
      const answer = result.content.replace(/\s+/g, ' ').trim();
      const quoted = answer.length > 200 ? `${answer.slice(0, 200)}…` : answer;
      return result.isError ? `I tried ${label}, but it failed: "${quoted}".` : `I asked ${label} and it answered "${quoted}".`;
    }),
  );
  return lines.join(' ');
}
