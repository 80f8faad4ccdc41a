import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeVendor, type FakeVendor } from '../fake-vendor/server.js';

// The fake's raw wire format, read without any SDK.

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('fake vendor wire formats', () => {
  let fake: FakeVendor;
  const logged: string[] = [];

  beforeAll(async () => {
    fake = await startFakeVendor({ log: (line) => logged.push(line) });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    logged.length = 0;
  });

  it('streams Anthropic’s full event sequence', async () => {
    fake.script('anthropic', { chunks: ['a', 'b'], usage: { inputTokens: 3, outputTokens: 2 } });
    const text = await (await post(`${fake.anthropicBaseUrl}/v1/messages`, { model: 'm', stream: true })).text();
    const events = [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
    expect(events).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(text).toContain('"stop_reason":"end_turn"');
    expect(text).toContain('"usage":{"output_tokens":2}');
  });

  it('sends Anthropic’s in-band error event and error bodies', async () => {
    fake.script('anthropic', { chunks: [], inBandError: 'overloaded_error' }, { status: 529 });
    const stream = await (await post(`${fake.anthropicBaseUrl}/v1/messages`, { model: 'm', stream: true })).text();
    expect(stream).toContain('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
    const response = await post(`${fake.anthropicBaseUrl}/v1/messages`, { model: 'm', stream: true });
    expect(response.status).toBe(529);
    expect(await response.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });

  it('streams Anthropic tool calls as tool_use blocks after the text block, with input_json_delta fragments', async () => {
    fake.script('anthropic', {
      chunks: ['Checking.'],
      toolCalls: [
        { id: 'toolu_A', name: 'get_weather', arguments: { city: 'Paris' }, argumentChunks: ['{"city": "Par', 'is"}'] },
        { id: 'toolu_B', name: 'get_time', arguments: { zone: 'UTC' } },
      ],
    });
    const text = await (await post(`${fake.anthropicBaseUrl}/v1/messages`, { model: 'm', stream: true })).text();
    const frames = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((match) => {
      const data: unknown = JSON.parse(match[2] ?? '');
      return { name: match[1], data };
    });
    const blockFrames = frames.filter((frame) => frame.name?.startsWith('content_block') === true).map((frame) => frame.data);
    expect(blockFrames).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking.' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_A', name: 'get_weather', input: {}, caller: { type: 'direct' } },
      },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city": "Par' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'is"}' } },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'toolu_B', name: 'get_time', input: {}, caller: { type: 'direct' } },
      },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"zone"' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: ':"UTC"}' } },
      { type: 'content_block_stop', index: 2 },
    ]);
    expect(frames.at(-2)?.data).toMatchObject({ type: 'message_delta', delta: { stop_reason: 'tool_use' } });
  });

  it('opens no text block for an Anthropic reply of tool calls only', async () => {
    fake.script('anthropic', { chunks: [], toolCalls: [{ id: 'toolu_A', name: 'get_time', arguments: {} }] });
    const text = await (await post(`${fake.anthropicBaseUrl}/v1/messages`, { model: 'm', stream: true })).text();
    expect(text).not.toContain('"type":"text"');
    expect(text).toContain('"index":0,"content_block":{"type":"tool_use"');
  });

  it('streams OpenAI chunks, the usage chunk only when asked for, then [DONE]', async () => {
    const url = `${fake.openaiBaseUrl}/chat/completions`;
    const withUsage = await (await post(url, { model: 'm', stream: true, stream_options: { include_usage: true } })).text();
    const frames = withUsage.trim().split('\n\n');
    expect(frames.at(-1)).toBe('data: [DONE]');
    expect(JSON.parse(frames.at(-2)?.slice('data: '.length) ?? '')).toMatchObject({ choices: [], usage: { prompt_tokens: 12 } });
    const withoutUsage = await (await post(url, { model: 'm', stream: true })).text();
    expect(withoutUsage).not.toContain('prompt_tokens');
  });

  it('streams OpenAI tool calls as tool_calls deltas by index, then finish_reason tool_calls', async () => {
    fake.script('openai', {
      chunks: [],
      toolCalls: [
        { id: 'call_A', name: 'get_weather', arguments: { city: 'Paris' }, argumentChunks: ['{"city": "Par', 'is"}'] },
        { id: 'call_B', name: 'get_time', arguments: {}, argumentChunks: [] },
      ],
    });
    const text = await (await post(`${fake.openaiBaseUrl}/chat/completions`, { model: 'm', stream: true })).text();
    const chunks = text
      .trim()
      .split('\n\n')
      .filter((frame) => frame !== 'data: [DONE]')
      .map((frame): unknown => JSON.parse(frame.slice('data: '.length)));
    const choicesOf = (...choices: unknown[][]) => choices.map((choice) => ({ choices: choice }));
    // toMatchObject on an array: as many chunks as listed, each with these choices
    expect(chunks).toMatchObject(
      choicesOf(
        [{ index: 0, delta: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: null }],
        [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, id: 'call_A', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
            logprobs: null,
            finish_reason: null,
          },
        ],
        [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: '{"city": "Par' } }] },
            logprobs: null,
            finish_reason: null,
          },
        ],
        [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'is"}' } }] }, logprobs: null, finish_reason: null }],
        [
          {
            index: 0,
            delta: { tool_calls: [{ index: 1, id: 'call_B', type: 'function', function: { name: 'get_time', arguments: '' } }] },
            logprobs: null,
            finish_reason: null,
          },
        ],
        [{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }],
      ),
    );
  });

  it('streams Gemini responses separated by CRLF CRLF with usage in the last', async () => {
    const response = await post(`${fake.geminiBaseUrl}/v1beta/models/gemini-x:streamGenerateContent?alt=sse`, { contents: [] });
    const text = await response.text();
    const frames = text.split('\r\n\r\n').filter((frame) => frame !== '');
    expect(frames).toHaveLength(5);
    const last: unknown = JSON.parse(frames.at(-1)?.slice('data: '.length) ?? '');
    expect(last).toMatchObject({
      candidates: [{ finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 5 },
    });
    expect(JSON.parse(frames[0]?.slice('data: '.length) ?? '')).not.toHaveProperty('usageMetadata');
    expect(fake.requestsFor('gemini')[0]?.query).toEqual({ alt: 'sse' });
  });

  it('sends Gemini tool calls as whole functionCall parts in a last event with finishReason and usage', async () => {
    fake.script('gemini', {
      chunks: ['Checking.'],
      toolCalls: [
        { id: 'fc_A', name: 'get_weather', arguments: { city: 'Paris' }, signature: 'c2lnQQ==' },
        { id: 'fc_B', name: 'get_time', arguments: {}, omitId: true },
      ],
    });
    const response = await post(`${fake.geminiBaseUrl}/v1beta/models/g:streamGenerateContent?alt=sse`, { contents: [] });
    const frames = (await response.text()).split('\r\n\r\n').filter((frame) => frame !== '');
    const events = frames.map((frame): unknown => JSON.parse(frame.slice('data: '.length)));
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ candidates: [{ content: { parts: [{ text: 'Checking.' }] } }] });
    expect(events[0]).not.toHaveProperty('usageMetadata');
    expect(events[1]).toMatchObject({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { functionCall: { name: 'get_weather', args: { city: 'Paris' }, id: 'fc_A' }, thoughtSignature: 'c2lnQQ==' },
              { functionCall: { name: 'get_time', args: {} } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 5 },
    });
    expect(frames[1]).not.toContain('fc_B');
  });

  it('puts Gemini’s retry delay in a RetryInfo detail', async () => {
    fake.script('gemini', { status: 429, retryAfter: 2 });
    const response = await post(`${fake.geminiBaseUrl}/v1beta/models/g:streamGenerateContent?alt=sse`, { contents: [] });
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }],
      },
    });
  });

  it('answers token counting and model listing without using the script queue', async () => {
    fake.script('anthropic', { chunks: ['kept'] });
    const count = await post(`${fake.anthropicBaseUrl}/v1/messages/count_tokens`, { model: 'm' });
    expect(await count.json()).toEqual({ input_tokens: 12 });
    const models = await fetch(`${fake.anthropicBaseUrl}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } });
    expect(await models.json()).toMatchObject({ data: [{ type: 'model' }] });
    expect(fake.pending('anthropic')).toBe(1);
  });

  it('records and logs paths it does not speak', async () => {
    const response = await post(`${fake.url}/v2/unknown`, { a: 1 });
    expect(response.status).toBe(404);
    expect(fake.unexpected).toHaveLength(1);
    expect(fake.unexpected[0]).toMatchObject({ vendor: 'unknown', method: 'POST', path: '/v2/unknown', body: { a: 1 } });
    expect(logged).toEqual(['fake-vendor: unexpected POST /v2/unknown']);
  });

  it('answers a non-streaming request with one JSON body', async () => {
    fake.script('anthropic', { chunks: ['Whole', ' reply'] });
    const response = await post(`${fake.anthropicBaseUrl}/v1/messages`, { model: 'm' });
    expect(await response.json()).toMatchObject({ content: [{ type: 'text', text: 'Whole reply' }], stop_reason: 'end_turn' });
  });

  it('waits for requests by event', async () => {
    const arrived = fake.waitForRequests(2, 'openai');
    await post(`${fake.openaiBaseUrl}/chat/completions`, { model: 'm', stream: true });
    await post(`${fake.openaiBaseUrl}/chat/completions`, { model: 'm', stream: true });
    await expect(arrived).resolves.toHaveLength(2);
  });
});
