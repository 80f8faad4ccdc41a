import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { buildOpenAIParams, createOpenAIModel, mapOpenAIFinishReason, type OpenAIProviderName } from '../../src/providers/openai.js';
import {
  convertOpenAIToolChoice,
  convertOpenAITools,
  convertOpenAIToolSteps,
  createOpenAIToolCallAssembler,
} from '../../src/providers/openai-tools.js';
import type { StreamPart, ToolCallRequest, ToolDefinition, ToolStep } from '../../src/providers/types.js';
import { collectParts, createChatRequest, textOf } from '../fake-vendor/stream-parts.js';
import type { FakeToolCall } from '../fake-vendor/types.js';
import { useFakeVendor } from './chat-model-contract.js';

const API_KEY = 'sk-proj-test-secret-0123456789';

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
    type: 'function',
    function: {
      name: 'weather__get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
  { type: 'function', function: { name: 'clock__get_time', parameters: { type: 'object', properties: { timezone: { type: 'string' } } } } },
];

const WEATHER_FAKE: FakeToolCall = {
  id: 'call_A',
  name: 'weather__get_weather',
  arguments: { city: 'Paris' },
  argumentChunks: ['{"city": "Par', 'is"}'],
};
const TIME_FAKE: FakeToolCall = {
  id: 'call_B',
  name: 'clock__get_time',
  arguments: { timezone: 'Europe/Paris' },
  argumentChunks: ['{"time', 'zone": ', '"Europe/Paris"}'],
};

const WEATHER_CALL: ToolCallRequest = {
  id: 'call_A',
  name: 'weather__get_weather',
  arguments: { city: 'Paris' },
  argumentsText: '{"city": "Paris"}',
};
const TIME_CALL: ToolCallRequest = {
  id: 'call_B',
  name: 'clock__get_time',
  arguments: { timezone: 'Europe/Paris' },
  argumentsText: '{"timezone": "Europe/Paris"}',
};

const STEP: ToolStep = {
  text: '',
  calls: [WEATHER_CALL, TIME_CALL],
  results: [
    { callId: 'call_A', name: 'weather__get_weather', content: '18°C, cloudy', isError: false },
    { callId: 'call_B', name: 'clock__get_time', content: 'request timed out', isError: true },
  ],
};

const STEP_MESSAGES: ChatCompletionMessageParam[] = [
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'call_A', type: 'function', function: { name: 'weather__get_weather', arguments: '{"city": "Paris"}' } },
      { id: 'call_B', type: 'function', function: { name: 'clock__get_time', arguments: '{"timezone": "Europe/Paris"}' } },
    ],
  },
  { role: 'tool', tool_call_id: 'call_A', content: '18°C, cloudy' },
  { role: 'tool', tool_call_id: 'call_B', content: 'Error: request timed out' },
];

describe('convertOpenAITools and convertOpenAIToolChoice', () => {
  it('declares function tools with the MCP schema as parameters and no strict flag', () => {
    expect(convertOpenAITools(TOOLS)).toEqual(DECLARED_TOOLS);
  });

  it('sends none as none and leaves auto to the API default', () => {
    expect(convertOpenAIToolChoice('none')).toBe('none');
    expect(convertOpenAIToolChoice('auto')).toBeUndefined();
    expect(convertOpenAIToolChoice(undefined)).toBeUndefined();
  });
});

describe('convertOpenAIToolSteps', () => {
  it('sends the calls back with the argument text unchanged, then one tool message per result, errors marked', () => {
    expect(convertOpenAIToolSteps([STEP])).toEqual(STEP_MESSAGES);
  });

  it('keeps the step’s text as the assistant content', () => {
    // spacing the model wrote stays as it was, so the text goes back unchanged
    const [assistant] = convertOpenAIToolSteps([
      { ...STEP, text: 'Checking. ', calls: [{ ...WEATHER_CALL, argumentsText: '{ "city":"Paris" }' }] },
    ]);
    expect(assistant).toEqual({
      role: 'assistant',
      content: 'Checking. ',
      tool_calls: [{ id: 'call_A', type: 'function', function: { name: 'weather__get_weather', arguments: '{ "city":"Paris" }' } }],
    });
  });
});

describe('buildOpenAIParams with tools', () => {
  it.each<OpenAIProviderName>(['OPENAI', 'OPENAI_COMPATIBLE'])(
    '%s: no tool field without tools, even when toolChoice is set',
    (provider) => {
      const params = buildOpenAIParams(createChatRequest({ tools: [], toolChoice: 'none' }), provider);
      expect(params).not.toHaveProperty('tools');
      expect(params).not.toHaveProperty('tool_choice');
    },
  );

  it('appends every step after the transcript, oldest first', () => {
    const second: ToolStep = {
      text: 'One more.',
      calls: [{ id: 'call_C', name: 'clock__get_time', arguments: {}, argumentsText: '{}' }],
      results: [{ callId: 'call_C', name: 'clock__get_time', content: '12:00', isError: false }],
    };
    const params = buildOpenAIParams(createChatRequest({ tools: TOOLS, toolSteps: [STEP, second] }), 'OPENAI');
    // the five transcript messages, then both steps in order
    expect(params.messages).toHaveLength(10);
    expect(params.messages.slice(5)).toEqual([
      ...STEP_MESSAGES,
      {
        role: 'assistant',
        content: 'One more.',
        tool_calls: [{ id: 'call_C', type: 'function', function: { name: 'clock__get_time', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'call_C', content: '12:00' },
    ]);
  });
});

describe('createOpenAIToolCallAssembler', () => {
  it('joins argument fragments by index, in the order the calls began', () => {
    const assembler = createOpenAIToolCallAssembler();
    assembler.add([{ index: 0, id: 'call_1', type: 'function', function: { name: 'a__one', arguments: '' } }]);
    assembler.add([{ index: 1, id: 'call_2', type: 'function', function: { name: 'a__two', arguments: '{"b":' } }]);
    assembler.add([
      { index: 0, function: { arguments: '{"a": 1}' } },
      { index: 1, function: { arguments: ' 2}' } },
    ]);
    expect(assembler.take()).toEqual([
      { id: 'call_1', name: 'a__one', arguments: { a: 1 }, argumentsText: '{"a": 1}' },
      { id: 'call_2', name: 'a__two', arguments: { b: 2 }, argumentsText: '{"b": 2}' },
    ]);
    // each call is handed out once
    expect(assembler.take()).toEqual([]);
  });

  it('starts a new call when a different id arrives at an index already seen', () => {
    const assembler = createOpenAIToolCallAssembler();
    assembler.add([{ index: 0, id: 'call_1', function: { name: 'a__one', arguments: '{"x":1}' } }]);
    assembler.add([{ index: 0, id: 'call_1', function: { arguments: '' } }]);
    assembler.add([{ index: 0, id: 'call_2', function: { name: 'a__two', arguments: '{"y":2}' } }]);
    expect(assembler.take()).toEqual([
      { id: 'call_1', name: 'a__one', arguments: { x: 1 }, argumentsText: '{"x":1}' },
      { id: 'call_2', name: 'a__two', arguments: { y: 2 }, argumentsText: '{"y":2}' },
    ]);
  });

  it('reads missing arguments as {}, keeps unparsable text, and gives a call without id one', () => {
    const assembler = createOpenAIToolCallAssembler();
    assembler.add([{ index: 0, id: 'call_1', function: { name: 'a__one' } }]);
    assembler.add([{ index: 1, id: 'call_2', function: { name: 'a__two', arguments: '{"cut' } }]);
    assembler.add([{ index: 2, function: { name: 'a__three', arguments: '"text"' } }]);
    const [none, cut, anonymous] = assembler.take();
    expect(none).toMatchObject({ arguments: {}, argumentsText: '{}' });
    expect(cut).toMatchObject({ arguments: {}, argumentsText: '{"cut' });
    expect(anonymous).toMatchObject({ name: 'a__three', arguments: {}, argumentsText: '"text"' });
    expect(anonymous?.id).toMatch(/^call_[0-9a-f-]{36}$/);
  });
});

describe('mapOpenAIFinishReason for tools', () => {
  it('maps tool_calls to tool_calls', () => {
    expect(mapOpenAIFinishReason('tool_calls')).toBe('tool_calls');
  });
});

describe('OpenAI tool calls against the fake vendor', () => {
  const fake = useFakeVendor();
  const model = () =>
    createOpenAIModel({ provider: 'OPENAI', apiKey: API_KEY, baseUrl: fake().openaiBaseUrl, maxRetries: 0, timeoutMs: 10_000 });
  const lastBody = () => fake().requestsFor('openai').at(-1)?.body;

  it('streams the text, then one tool-call part per call with the joined arguments, then finish tool_calls', async () => {
    fake().script('openai', {
      chunks: ['Let me ', 'check.'],
      toolCalls: [WEATHER_FAKE, TIME_FAKE],
      usage: { inputTokens: 120, outputTokens: 41 },
    });
    const parts = await collectParts(model().stream(createChatRequest({ tools: TOOLS })));

    expect(parts).toEqual<StreamPart[]>([
      { type: 'text-delta', text: 'Let me ' },
      { type: 'text-delta', text: 'check.' },
      { type: 'tool-call', call: WEATHER_CALL },
      { type: 'tool-call', call: TIME_CALL },
      { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 120, outputTokens: 41 } },
    ]);
    expect(lastBody()).toEqual(expect.objectContaining({ tools: DECLARED_TOOLS }));
    expect(lastBody()).not.toHaveProperty('tool_choice');
  });

  it('sends the step back with matching ids and error text, and streams the final answer', async () => {
    fake().script('openai', { chunks: ['It is 18°C', ' in Paris.'] });
    const parts = await collectParts(model().stream(createChatRequest({ tools: TOOLS, toolSteps: [STEP] })));

    expect(textOf(parts)).toBe('It is 18°C in Paris.');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
    expect(parts.some((part) => part.type === 'tool-call')).toBe(false);
    expect(lastBody()).toEqual(
      expect.objectContaining({
        tools: DECLARED_TOOLS,
        messages: [
          { role: 'system', content: 'You are Ada, a careful engineer. This is a discussion about: tabs or spaces' },
          { role: 'user', name: 'Moderator', content: 'Welcome. Tabs or spaces?' },
          { role: 'user', name: 'Bob', content: 'Tabs, obviously.' },
          { role: 'assistant', content: 'Spaces, for alignment.' },
          { role: 'user', name: 'Bob', content: 'Why alignment?' },
          ...STEP_MESSAGES,
        ],
      }),
    );
  });

  it('asks for no calls with tool_choice none while the tools stay declared', async () => {
    await collectParts(model().stream(createChatRequest({ tools: TOOLS, toolChoice: 'none', toolSteps: [STEP] })));
    expect(lastBody()).toEqual(expect.objectContaining({ tools: DECLARED_TOOLS, tool_choice: 'none' }));
  });

  it('reads a reply of tool calls only (null content), one of them without arguments', async () => {
    fake().script('openai', { chunks: [], toolCalls: [{ id: 'call_only', name: 'clock__get_time', arguments: {}, argumentChunks: [] }] });
    const parts = await collectParts(model().stream(createChatRequest({ tools: TOOLS })));
    expect(parts).toEqual<StreamPart[]>([
      { type: 'tool-call', call: { id: 'call_only', name: 'clock__get_time', arguments: {}, argumentsText: '{}' } },
      { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 12, outputTokens: 5 } },
    ]);
  });

  it('ends a reply cut at the token limit during a call with length, so the call is not run', async () => {
    fake().script('openai', { chunks: ['Checking'], toolCalls: [WEATHER_FAKE], stopReason: 'length' });
    const parts = await collectParts(model().stream(createChatRequest({ tools: TOOLS })));
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length' });
  });
});

describe('OpenAI-compatible tool calls against the fake vendor', () => {
  const fake = useFakeVendor();
  const model = () =>
    createOpenAIModel({ provider: 'OPENAI_COMPATIBLE', baseUrl: fake().openaiCompatibleBaseUrl, maxRetries: 0, timeoutMs: 10_000 });

  it('reads calls from a server that finishes them with stop, and sends the step back the same way', async () => {
    // several servers (older Ollama among them) end a tool reply with "stop"
    fake().script(
      'openai-compatible',
      { chunks: [], toolCalls: [WEATHER_FAKE, TIME_FAKE], stopReason: 'stop', usage: null },
      { chunks: ['Done.'] },
    );
    const compatible = model();
    const first = await collectParts(compatible.stream(createChatRequest({ model: 'llama3.1', tools: TOOLS })));
    expect(first).toEqual<StreamPart[]>([
      { type: 'tool-call', call: WEATHER_CALL },
      { type: 'tool-call', call: TIME_CALL },
      { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: undefined, outputTokens: undefined } },
    ]);

    const second = await collectParts(
      compatible.stream(createChatRequest({ model: 'llama3.1', tools: TOOLS, toolChoice: 'none', toolSteps: [STEP] })),
    );
    expect(textOf(second)).toBe('Done.');
    const body = fake().requestsFor('openai-compatible').at(-1)?.body;
    expect(body).toEqual(expect.objectContaining({ tools: DECLARED_TOOLS, tool_choice: 'none', max_tokens: 256 }));
    expect(body).toEqual(
      expect.objectContaining({
        messages: [
          { role: 'system', content: 'You are Ada, a careful engineer. This is a discussion about: tabs or spaces' },
          { role: 'user', name: 'Moderator', content: 'Moderator: Welcome. Tabs or spaces?' },
          { role: 'user', name: 'Bob', content: 'Bob: Tabs, obviously.' },
          { role: 'assistant', content: 'Spaces, for alignment.' },
          { role: 'user', name: 'Bob', content: 'Bob: Why alignment?' },
          ...STEP_MESSAGES,
        ],
      }),
    );
  });
});
