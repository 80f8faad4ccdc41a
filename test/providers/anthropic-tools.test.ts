import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { buildAnthropicParams, createAnthropicModel, mapAnthropicStopReason } from '../../src/providers/anthropic.js';
import {
  convertAnthropicToolChoice,
  convertAnthropicTools,
  convertAnthropicToolSteps,
  createAnthropicToolCallAssembler,
} from '../../src/providers/anthropic-tools.js';
import { CONTINUE_TURN } from '../../src/providers/transcript.js';
import type { StreamPart, ToolCallRequest, ToolDefinition, ToolStep } from '../../src/providers/types.js';
import { collectParts, createChatRequest, textOf } from '../fake-vendor/stream-parts.js';
import type { FakeToolCall } from '../fake-vendor/types.js';
import { useFakeVendor } from './chat-model-contract.js';

const API_KEY = 'sk-ant-test-secret-0123456789';

const TOOLS: ToolDefinition[] = [
  {
    name: 'weather__get_weather',
    server: 'weather',
    tool: 'get_weather',
    description: 'Current weather for a city',
    inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
  {
    name: 'clock__get_time',
    server: 'clock',
    tool: 'get_time',
    inputSchema: { type: 'object', properties: { timezone: { type: 'string' } } },
  },
];

const DECLARED_TOOLS = [
  {
    name: 'weather__get_weather',
    description: 'Current weather for a city',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
  { name: 'clock__get_time', input_schema: { type: 'object', properties: { timezone: { type: 'string' } } } },
];

const WEATHER_FAKE: FakeToolCall = {
  id: 'toolu_01A',
  name: 'weather__get_weather',
  arguments: { city: 'Paris' },
  argumentChunks: ['{"city": "Par', 'is"}'],
};
const TIME_FAKE: FakeToolCall = {
  id: 'toolu_01B',
  name: 'clock__get_time',
  arguments: { timezone: 'Europe/Paris' },
  argumentChunks: ['{"time', 'zone": ', '"Europe/Paris"}'],
};

const WEATHER_CALL: ToolCallRequest = {
  id: 'toolu_01A',
  name: 'weather__get_weather',
  arguments: { city: 'Paris' },
  argumentsText: '{"city": "Paris"}',
};
const TIME_CALL: ToolCallRequest = {
  id: 'toolu_01B',
  name: 'clock__get_time',
  arguments: { timezone: 'Europe/Paris' },
  argumentsText: '{"timezone": "Europe/Paris"}',
};

const STEP: ToolStep = {
  text: 'Let me check both.',
  calls: [WEATHER_CALL, TIME_CALL],
  results: [
    { callId: 'toolu_01A', name: 'weather__get_weather', content: '18°C, cloudy', isError: false },
    { callId: 'toolu_01B', name: 'clock__get_time', content: 'MCP error -32001: Request timed out', isError: true },
  ],
};

const STEP_MESSAGES: MessageParam[] = [
  {
    role: 'assistant',
    content: [
      { type: 'text', text: 'Let me check both.' },
      { type: 'tool_use', id: 'toolu_01A', name: 'weather__get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'toolu_01B', name: 'clock__get_time', input: { timezone: 'Europe/Paris' } },
    ],
  },
  {
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'toolu_01A', content: '18°C, cloudy' },
      { type: 'tool_result', tool_use_id: 'toolu_01B', content: 'MCP error -32001: Request timed out', is_error: true },
    ],
  },
];

function rolesOf(messages: readonly MessageParam[]): string[] {
  return messages.map((message) => message.role);
}

describe('convertAnthropicTools and convertAnthropicToolChoice', () => {
  it('declares custom tools with the MCP schema as input_schema, leaving out a missing description', () => {
    expect(convertAnthropicTools(TOOLS)).toEqual(DECLARED_TOOLS);
  });

  it('sends none as { type: none } and leaves auto to the API default', () => {
    expect(convertAnthropicToolChoice('none')).toEqual({ type: 'none' });
    expect(convertAnthropicToolChoice('auto')).toBeUndefined();
    expect(convertAnthropicToolChoice(undefined)).toBeUndefined();
  });
});

describe('convertAnthropicToolSteps', () => {
  it('sends the streamed text and tool_use blocks back, then one user message of tool_result blocks', () => {
    expect(convertAnthropicToolSteps([STEP])).toEqual(STEP_MESSAGES);
  });

  it('leaves out the text block of a step without text', () => {
    const [assistant] = convertAnthropicToolSteps([{ ...STEP, text: ' \n' }]);
    expect(assistant?.content).toEqual([
      { type: 'tool_use', id: 'toolu_01A', name: 'weather__get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'toolu_01B', name: 'clock__get_time', input: { timezone: 'Europe/Paris' } },
    ]);
  });
});

describe('buildAnthropicParams with tools', () => {
  it('carries no tool field without tools, even when toolChoice is set', () => {
    const params = buildAnthropicParams(createChatRequest({ tools: [], toolChoice: 'none' }));
    expect(params).not.toHaveProperty('tools');
    expect(params).not.toHaveProperty('tool_choice');
  });

  it('appends every step after the transcript so that roles keep alternating, ending with the results', () => {
    // the transcript ends with the agent's own turn: the conversion closes it with a user turn first
    const messages = [
      { role: 'user' as const, name: 'Bob', content: 'Weather?' },
      { role: 'assistant' as const, name: 'Ada', content: 'One moment.' },
    ];
    const second: ToolStep = {
      text: '',
      calls: [{ id: 'toolu_02', name: 'clock__get_time', arguments: {}, argumentsText: '{}' }],
      results: [{ callId: 'toolu_02', name: 'clock__get_time', content: '12:00', isError: false }],
    };
    const params = buildAnthropicParams(createChatRequest({ messages, tools: TOOLS, toolSteps: [STEP, second] }));
    expect(rolesOf(params.messages)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user']);
    expect(params.messages[2]).toEqual({ role: 'user', content: CONTINUE_TURN });
    expect(params.messages.slice(3, 5)).toEqual(STEP_MESSAGES);
    expect(params.messages.at(-1)).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_02', content: '12:00' }] });
  });
});

describe('createAnthropicToolCallAssembler', () => {
  it('joins each tool_use block’s fragments by index and ignores text blocks', () => {
    const assembler = createAnthropicToolCallAssembler();
    assembler.start({ index: 0, content_block: { type: 'text', text: '', citations: null } });
    assembler.start({ index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'a__b', input: {}, caller: { type: 'direct' } } });
    assembler.append(1, '');
    assembler.append(1, '{"q": ');
    assembler.append(1, '[1, 2]}');
    expect(assembler.finish(0)).toBeUndefined();
    expect(assembler.finish(1)).toEqual({ id: 'toolu_1', name: 'a__b', arguments: { q: [1, 2] }, argumentsText: '{"q": [1, 2]}' });
    // a block is handed out once
    expect(assembler.finish(1)).toBeUndefined();
  });

  it('reads a call without fragments as {} and keeps text that is no JSON object as it came', () => {
    const assembler = createAnthropicToolCallAssembler();
    const start = (index: number) =>
      assembler.start({
        index,
        content_block: { type: 'tool_use', id: `toolu_${index}`, name: 'a__b', input: {}, caller: { type: 'direct' } },
      });
    start(0);
    start(1);
    start(2);
    assembler.append(1, '{"broken": ');
    assembler.append(2, '[1]');
    expect(assembler.finish(0)).toMatchObject({ arguments: {}, argumentsText: '{}' });
    expect(assembler.finish(1)).toMatchObject({ arguments: {}, argumentsText: '{"broken": ' });
    expect(assembler.finish(2)).toMatchObject({ arguments: {}, argumentsText: '[1]' });
  });

  it('takes the input from the start event when a server streams no fragments', () => {
    const assembler = createAnthropicToolCallAssembler();
    assembler.start({
      index: 0,
      content_block: { type: 'tool_use', id: 'toolu_x', name: 'a__b', input: { n: 1 }, caller: { type: 'direct' } },
    });
    expect(assembler.finish(0)).toEqual({ id: 'toolu_x', name: 'a__b', arguments: { n: 1 }, argumentsText: '{"n":1}' });
  });
});

describe('mapAnthropicStopReason for tools', () => {
  it('maps tool_use to tool_calls', () => {
    expect(mapAnthropicStopReason('tool_use')).toBe('tool_calls');
  });
});

describe('Anthropic tool calls against the fake vendor', () => {
  const fake = useFakeVendor();
  const model = () => createAnthropicModel({ apiKey: API_KEY, baseUrl: fake().anthropicBaseUrl, maxRetries: 0, timeoutMs: 10_000 });
  const lastBody = () => fake().requestsFor('anthropic').at(-1)?.body;

  it('streams the text, then one tool-call part per call with the joined arguments, then finish tool_calls', async () => {
    fake().script('anthropic', {
      chunks: ['Let me ', 'check both.'],
      toolCalls: [WEATHER_FAKE, TIME_FAKE],
      usage: { inputTokens: 412, outputTokens: 87 },
    });
    const parts = await collectParts(model().stream(createChatRequest({ tools: TOOLS })));

    expect(parts).toEqual<StreamPart[]>([
      { type: 'text-delta', text: 'Let me ' },
      { type: 'text-delta', text: 'check both.' },
      { type: 'tool-call', call: WEATHER_CALL },
      { type: 'tool-call', call: TIME_CALL },
      { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 412, outputTokens: 87 } },
    ]);
    expect(lastBody()).toEqual(expect.objectContaining({ tools: DECLARED_TOOLS }));
    expect(lastBody()).not.toHaveProperty('tool_choice');
  });

  it('sends the step back with matching ids and the error flag, and streams the final answer', async () => {
    fake().script('anthropic', { chunks: ['It is 18°C', ' in Paris.'] });
    const parts = await collectParts(model().stream(createChatRequest({ tools: TOOLS, toolSteps: [STEP] })));

    expect(textOf(parts)).toBe('It is 18°C in Paris.');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
    expect(parts.some((part) => part.type === 'tool-call')).toBe(false);
    expect(lastBody()).toEqual(
      expect.objectContaining({
        tools: DECLARED_TOOLS,
        messages: [
          { role: 'user', content: 'Moderator: Welcome. Tabs or spaces?\n\nBob: Tabs, obviously.' },
          { role: 'assistant', content: 'Spaces, for alignment.' },
          { role: 'user', content: 'Bob: Why alignment?' },
          ...STEP_MESSAGES,
        ],
      }),
    );
  });

  it('asks for no calls with tool_choice none while the tools stay declared', async () => {
    await collectParts(model().stream(createChatRequest({ tools: TOOLS, toolChoice: 'none', toolSteps: [STEP] })));
    expect(lastBody()).toEqual(expect.objectContaining({ tools: DECLARED_TOOLS, tool_choice: { type: 'none' } }));
  });

  it('reads a reply of tool calls only, one of them without arguments', async () => {
    fake().script('anthropic', {
      chunks: [],
      toolCalls: [{ id: 'toolu_only', name: 'clock__get_time', arguments: {}, argumentChunks: [] }],
    });
    const parts = await collectParts(model().stream(createChatRequest({ tools: TOOLS })));
    expect(parts).toEqual<StreamPart[]>([
      { type: 'tool-call', call: { id: 'toolu_only', name: 'clock__get_time', arguments: {}, argumentsText: '{}' } },
      { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 12, outputTokens: 5 } },
    ]);
  });

  it('ends a reply cut at max_tokens during a call with length, so the call is not run', async () => {
    fake().script('anthropic', { chunks: ['Checking'], toolCalls: [WEATHER_FAKE], stopReason: 'max_tokens' });
    const parts = await collectParts(model().stream(createChatRequest({ tools: TOOLS })));
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length' });
  });
});
