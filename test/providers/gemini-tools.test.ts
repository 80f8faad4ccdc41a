import { describe, expect, it } from 'vitest';
import { buildGeminiParams, createGeminiModel } from '../../src/providers/gemini.js';
import {
  convertGeminiFunctionCalls,
  convertGeminiToolChoice,
  convertGeminiTools,
  convertGeminiToolSteps,
  countToolStepCalls,
  extractGeminiFunctionCallParts,
} from '../../src/providers/gemini-tools.js';
import type { StreamPart, ToolDefinition, ToolStep } from '../../src/providers/types.js';
import { collectParts, createChatRequest, textOf } from '../fake-vendor/stream-parts.js';
import { useFakeVendor } from './chat-model-contract.js';

const API_KEY = 'AIzaToolsSecret0123456789';

const WEATHER: ToolDefinition = {
  name: 'weather__get_weather',
  server: 'weather',
  tool: 'get_weather',
  description: 'Weather for a city',
  inputSchema: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    $schema: 'http://json-schema.org/draft-07/schema#',
  },
};
const CLOCK: ToolDefinition = { name: 'clock__get_time', server: 'clock', tool: 'get_time', inputSchema: { type: 'object' } };

/** A step whose first call Gemini gave an id and a signature, and whose second came without id. */
const STEP: ToolStep = {
  text: 'Let me check both.',
  calls: [
    { id: 'fc_A', name: WEATHER.name, arguments: { city: 'Paris' }, argumentsText: '{"city":"Paris"}', signature: 'c2lnQQ==' },
    { id: 'gemini-call-2', name: CLOCK.name, arguments: { timezone: 'Europe/Paris' }, argumentsText: '{"timezone":"Europe/Paris"}' },
  ],
  results: [
    { callId: 'fc_A', name: WEATHER.name, content: '18°C, cloudy', isError: false },
    { callId: 'gemini-call-2', name: CLOCK.name, content: 'MCP error -32001: Request timed out', isError: true },
  ],
};

const STEP_CONTENTS = [
  {
    role: 'model',
    parts: [
      { text: 'Let me check both.' },
      { functionCall: { name: WEATHER.name, args: { city: 'Paris' }, id: 'fc_A' }, thoughtSignature: 'c2lnQQ==' },
      { functionCall: { name: CLOCK.name, args: { timezone: 'Europe/Paris' } } },
    ],
  },
  {
    role: 'user',
    parts: [
      { functionResponse: { name: WEATHER.name, id: 'fc_A', response: { output: '18°C, cloudy' } } },
      { functionResponse: { name: CLOCK.name, response: { error: 'MCP error -32001: Request timed out' } } },
    ],
  },
];

const toolCallsOf = (parts: readonly StreamPart[]) => parts.flatMap((part) => (part.type === 'tool-call' ? [part.call] : []));

describe('Gemini tool helpers', () => {
  it('declares the tools as functionDeclarations with the JSON Schema, $schema removed', () => {
    expect(convertGeminiTools([WEATHER, CLOCK])).toEqual([
      {
        functionDeclarations: [
          {
            name: 'weather__get_weather',
            description: 'Weather for a city',
            parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
          { name: 'clock__get_time', parametersJsonSchema: { type: 'object' } },
        ],
      },
    ]);
  });

  it('sends mode NONE for toolChoice none and nothing for auto', () => {
    expect(convertGeminiToolChoice('none')).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(convertGeminiToolChoice('auto')).toBeUndefined();
    expect(convertGeminiToolChoice(undefined)).toBeUndefined();
  });

  it('sends a step back as a model content with the calls and a user content with the responses', () => {
    expect(convertGeminiToolSteps([STEP])).toEqual(STEP_CONTENTS);
  });

  it('leaves an empty step text out of the model content', () => {
    const [model] = convertGeminiToolSteps([{ ...STEP, text: '' }]);
    expect(model?.parts?.map((part) => Object.keys(part))).toEqual([['functionCall', 'thoughtSignature'], ['functionCall']]);
  });

  it('reads whole calls, keeping vendor ids and signatures and numbering made-up ids after the turn’s earlier calls', () => {
    const chunk = {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'Checking.' },
              { functionCall: { name: 'a', args: { x: 1 }, id: 'fc_1' }, thoughtSignature: 'sig' },
              { functionCall: { name: 'b' } },
              { functionCall: { name: 'c', args: {}, id: '' } },
            ],
          },
        },
      ],
    };
    const parts = extractGeminiFunctionCallParts(chunk);
    expect(parts).toHaveLength(3);
    expect(convertGeminiFunctionCalls(parts, countToolStepCalls([STEP]))).toEqual([
      { id: 'fc_1', name: 'a', arguments: { x: 1 }, argumentsText: '{"x":1}', signature: 'sig' },
      { id: 'gemini-call-3', name: 'b', arguments: {}, argumentsText: '{}' },
      { id: 'gemini-call-4', name: 'c', arguments: {}, argumentsText: '{}' },
    ]);
    expect(extractGeminiFunctionCallParts({ candidates: [] })).toEqual([]);
  });

  it('adds no tool field without tools', () => {
    const config = buildGeminiParams(createChatRequest({ tools: [], toolChoice: 'none' })).config;
    expect(config).not.toHaveProperty('tools');
    expect(config).not.toHaveProperty('toolConfig');
  });
});

describe('Gemini adapter with tools against the fake vendor', () => {
  const fake = useFakeVendor();
  const model = () => createGeminiModel({ apiKey: API_KEY, baseUrl: fake().geminiBaseUrl, maxRetries: 0, timeoutMs: 10_000 });
  const lastBody = () => fake().requestsFor('gemini').at(-1)?.body;

  it('streams the text, then one tool-call part per functionCall and finish tool_calls', async () => {
    fake().script('gemini', {
      chunks: ['Let me ', 'check both.'],
      toolCalls: [
        { id: 'fc_A', name: WEATHER.name, arguments: { city: 'Paris' }, signature: 'c2lnQQ==' },
        { id: 'unused', name: CLOCK.name, arguments: { timezone: 'Europe/Paris' }, omitId: true },
      ],
      usage: { inputTokens: 98, outputTokens: 24 },
    });
    const parts = await collectParts(model().stream(createChatRequest({ model: 'gemini-test', tools: [WEATHER, CLOCK] })));

    expect(textOf(parts)).toBe('Let me check both.');
    expect(parts.slice(-3)).toEqual([
      {
        type: 'tool-call',
        call: { id: 'fc_A', name: WEATHER.name, arguments: { city: 'Paris' }, argumentsText: '{"city":"Paris"}', signature: 'c2lnQQ==' },
      },
      {
        type: 'tool-call',
        call: {
          id: 'gemini-call-1',
          name: CLOCK.name,
          arguments: { timezone: 'Europe/Paris' },
          argumentsText: '{"timezone":"Europe/Paris"}',
        },
      },
      { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 98, outputTokens: 24 } },
    ]);
    expect(lastBody()).toMatchObject({
      tools: [
        {
          functionDeclarations: [
            { name: WEATHER.name, description: 'Weather for a city', parametersJsonSchema: { required: ['city'] } },
            { name: CLOCK.name, parametersJsonSchema: { type: 'object' } },
          ],
        },
      ],
    });
    expect(JSON.stringify(lastBody())).not.toContain('$schema');
    expect(lastBody()).not.toHaveProperty('toolConfig');
  });

  it('sends the steps back after the transcript, then streams the final answer', async () => {
    fake().script('gemini', { chunks: ['Paris: 18°C', ', time unknown.'], usage: { inputTokens: 140, outputTokens: 9 } });
    const parts = await collectParts(
      model().stream(createChatRequest({ model: 'gemini-test', tools: [WEATHER, CLOCK], toolSteps: [STEP] })),
    );

    expect(textOf(parts)).toBe('Paris: 18°C, time unknown.');
    expect(toolCallsOf(parts)).toEqual([]);
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 140, outputTokens: 9 } });
    expect(lastBody()).toMatchObject({
      contents: [
        { role: 'user', parts: [{ text: 'Moderator: Welcome. Tabs or spaces?\n\nBob: Tabs, obviously.' }] },
        { role: 'model', parts: [{ text: 'Spaces, for alignment.' }] },
        { role: 'user', parts: [{ text: 'Bob: Why alignment?' }] },
        ...STEP_CONTENTS,
      ],
    });
  });

  it('keeps the tools declared and sends mode NONE when the model must answer in text', async () => {
    fake().script('gemini', { chunks: ['Done.'] });
    await collectParts(model().stream(createChatRequest({ tools: [WEATHER], toolChoice: 'none', toolSteps: [STEP] })));
    expect(lastBody()).toMatchObject({
      tools: [{ functionDeclarations: [{ name: WEATHER.name }] }],
      toolConfig: { functionCallingConfig: { mode: 'NONE' } },
    });
  });

  it('makes up ids that go on from the turn’s earlier calls, and sends the call back without one', async () => {
    fake().script(
      'gemini',
      { chunks: [], toolCalls: [{ id: 'unused', name: CLOCK.name, arguments: {}, omitId: true }] },
      { chunks: ['Noon.'] },
    );
    const first = await collectParts(model().stream(createChatRequest({ tools: [WEATHER, CLOCK], toolSteps: [STEP] })));
    const [call] = toolCallsOf(first);
    expect(call).toEqual({ id: 'gemini-call-3', name: CLOCK.name, arguments: {}, argumentsText: '{}' });
    expect(textOf(first)).toBe('');
    expect(first.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool_calls' });

    if (call === undefined) throw new Error('no call');
    const second: ToolStep = { text: '', calls: [call], results: [{ callId: call.id, name: call.name, content: '12:00', isError: false }] };
    await collectParts(model().stream(createChatRequest({ tools: [WEATHER, CLOCK], toolSteps: [STEP, second] })));
    expect(lastBody()).toMatchObject({
      contents: [
        {},
        {},
        {},
        ...STEP_CONTENTS,
        { role: 'model', parts: [{ functionCall: { name: CLOCK.name, args: {} } }] },
        { role: 'user', parts: [{ functionResponse: { name: CLOCK.name, response: { output: '12:00' } } }] },
      ],
    });
    expect(JSON.stringify(lastBody())).not.toContain('gemini-call-');
  });

  it('keeps a reply cut at the token limit a length finish, calls or not', async () => {
    fake().script('gemini', { chunks: ['Cut'], stopReason: 'MAX_TOKENS', toolCalls: [{ id: 'fc_1', name: WEATHER.name, arguments: {} }] });
    const parts = await collectParts(model().stream(createChatRequest({ tools: [WEATHER] })));
    expect(toolCallsOf(parts)).toHaveLength(1);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length' });
  });

  it('finishes with stop when a reply with tools declared calls none', async () => {
    fake().script('gemini', { chunks: ['No tools needed.'] });
    const parts = await collectParts(model().stream(createChatRequest({ tools: [WEATHER] })));
    expect(toolCallsOf(parts)).toEqual([]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
  });
});
