// The pure helpers of the tool loop (src/engine/tool-calls.ts) and of the MOCK provider's tool use.
import { describe, expect, it } from 'vitest';
import { buildToolDefinitions, canonicalJson, capText, checkToolArguments, toolDefinitionName } from '../../src/engine/tool-calls.js';
import { findMockToolCall, jsonObjectAt, reportMockToolResults } from '../../src/providers/mock-tools.js';
import type { ToolDefinition } from '../../src/providers/types.js';

const definition = (server: string, tool: string): ToolDefinition => ({
  name: `${server}__${tool}`,
  server,
  tool,
  inputSchema: { type: 'object' },
});

describe('tool names the vendors accept', () => {
  it('joins server and tool, replaces other characters and stays unique within 64 characters', () => {
    const taken = new Set<string>();
    expect(toolDefinitionName('search', 'web.search', taken)).toBe('search__web_search');
    expect(toolDefinitionName('search', 'web search', taken)).toBe('search__web_search_2');
    const long = toolDefinitionName('s', 'x'.repeat(100), taken);
    expect(long).toHaveLength(64);
    const longAgain = toolDefinitionName('s', 'x'.repeat(100), taken);
    expect(longAgain).toHaveLength(64);
    expect(longAgain.endsWith('_2')).toBe(true);
  });

  it('builds one definition per resolved tool with its schema', () => {
    const tool = { name: 'add', description: 'Adds', inputSchema: { type: 'object', required: ['a'] }, idempotent: true, readOnly: true };
    expect(buildToolDefinitions([{ server: 'calc', tool }])).toEqual([
      { name: 'calc__add', server: 'calc', tool: 'add', description: 'Adds', inputSchema: { type: 'object', required: ['a'] } },
    ]);
  });
});

describe('arguments', () => {
  it('parses an object, treats empty text as {}, and says what is wrong otherwise', () => {
    expect(checkToolArguments('{"a": 1}')).toEqual({ arguments: { a: 1 } });
    expect(checkToolArguments('  ')).toEqual({ arguments: {} });
    expect(checkToolArguments('[1]')).toEqual({ problem: 'the arguments are not a JSON object: [1]' });
    expect(checkToolArguments('{"a":')).toEqual({ problem: 'the arguments are not a JSON object: {"a":' });
  });

  it('compares arguments written in another key order as equal', () => {
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: 'x' })).toBe(canonicalJson({ a: 'x', b: [1, { c: 2, d: 1 }] }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
  });

  it('cuts long text with a note of how much is shown', () => {
    expect(capText('abcdef', 10)).toBe('abcdef');
    expect(capText('abcdef', 4)).toBe('abcd\n[cut: 4 of 6 characters shown]');
  });
});

describe("the MOCK provider's tool use", () => {
  const tools = [definition('calc', 'add'), definition('calc', 'addmore'), definition('notes', 'read')];
  const request = (text: string, extra: Record<string, unknown> = {}) => ({
    system: 'You are Ada, an architect.\nThis is a discussion about: numbers',
    messages: [{ role: 'user' as const, name: 'Sam', content: text }],
    tools,
    ...extra,
  });

  it('calls the tool named last, with the JSON object written after it', () => {
    expect(findMockToolCall(request('First notes/read, then calc/add {"a": 2, "b": {"c": "}"}} please'))).toEqual({
      id: 'mock-call-1',
      name: 'calc__add',
      arguments: { a: 2, b: { c: '}' } },
      argumentsText: '{"a": 2, "b": {"c": "}"}}',
    });
    expect(findMockToolCall(request('try calc__addmore'))).toMatchObject({ name: 'calc__addmore', arguments: {}, argumentsText: '{}' });
  });

  it('calls nothing when no tool is named, once results are in, or when tools are off', () => {
    expect(findMockToolCall(request('nothing to call, not even calc/adder'))).toBeUndefined();
    expect(findMockToolCall(request('calc/add {}', { toolChoice: 'none' }))).toBeUndefined();
    expect(findMockToolCall(request('calc/add {}', { toolSteps: [{ text: '', calls: [], results: [] }] }))).toBeUndefined();
    expect(findMockToolCall({ ...request('calc/add {}'), tools: [] })).toBeUndefined();
  });

  it('finds a balanced JSON object and nothing where there is none', () => {
    expect(jsonObjectAt('x {"a": "{"} y', 2)).toBe('{"a": "{"}');
    expect(jsonObjectAt('{"open": 1', 0)).toBeUndefined();
    expect(jsonObjectAt('no', 0)).toBeUndefined();
  });

  it('reports each result, and a failure as one', () => {
    const steps = [
      {
        text: '',
        calls: [],
        results: [
          { callId: '1', name: 'calc__add', content: '5', isError: false },
          { callId: '2', name: 'notes__read', content: 'no such note', isError: true },
        ],
      },
    ];
    expect(reportMockToolResults(steps, tools)).toBe(
      'I asked calc/add and it answered "5". I tried notes/read, but it failed: "no such note".',
    );
  });
});
