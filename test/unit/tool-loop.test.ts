// The engine's tool loop within one turn: calls the model asks for are run through the
// ToolHub, recorded, answered, and the model is called again, at most MAX_TOOL_STEPS times.
// The engine runs on the memory store and bus, with a scripted model and a scripted
// ToolHub (our own interfaces); the MCP side and the vendors have their own tests.

import { PubSub } from 'graphql-subscriptions';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MAX_CALLS_PER_STEP } from '../../src/engine/reply-steps.js';
import { createTurnRunner } from '../../src/engine/turn-runner.js';
import { ProviderError } from '../../src/providers/errors.js';
import { createEventBus } from '../../src/events/bus.js';
import type { LiveEvent } from '../../src/events/types.js';
import type { ChatModel, ChatRequest, StreamPart, ToolCallRequest } from '../../src/providers/types.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { MessageRecord } from '../../src/store/types.js';
import { UnknownToolError, type McpToolInfo, type ToolCallOutcome, type ToolHub } from '../../src/tools/types.js';
import { createDiscussion } from '../store/fixtures.js';
import { recordingScheduler, scriptedRegistry } from '../support/engine-doubles.js';

const TOOLS: McpToolInfo[] = ['echo', 'counter', 'slow'].map((name) => ({
  name,
  inputSchema: { type: 'object', properties: {} },
  idempotent: name === 'echo',
  readOnly: name === 'echo',
}));

/** A hub with one server, `tools`; `slow` waits until its call is aborted. */
function scriptedHub() {
  const calls: { tool: string; args: Record<string, unknown> }[] = [];
  let slowStarted = () => {};
  const slowReached = new Promise<void>((resolve) => (slowStarted = resolve));
  const hub: ToolHub = {
    serverNames: () => ['tools'],
    status: () => Promise.resolve([{ name: 'tools', transport: 'stdio', up: true, tools: TOOLS }]),
    resolve(specs) {
      return Promise.resolve(
        specs.flatMap((spec) => {
          const [server, tool] = spec.split('/');
          if (server !== 'tools') throw new UnknownToolError(spec, `no MCP server named "${server}"`);
          return TOOLS.filter((item) => tool === undefined || item.name === tool).map((item) => ({ server, tool: item }));
        }),
      );
    },
    async call(_server, tool, args, { signal }): Promise<ToolCallOutcome> {
      calls.push({ tool, args });
      if (tool === 'slow') {
        slowStarted();
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        return { content: 'the call was cancelled', isError: true, durationMs: 5, truncated: false };
      }
      const content = tool === 'echo' ? `echo: ${String(args.text)}` : String(calls.filter((call) => call.tool === 'counter').length);
      return { content, isError: false, durationMs: 3, truncated: false };
    },
    config: () => undefined,
    close: async () => {},
  };
  return { hub, calls, slowReached };
}

const call = (id: string, name: string, args: Record<string, unknown>, argumentsText = JSON.stringify(args)): ToolCallRequest => ({
  id,
  name,
  arguments: args,
  argumentsText,
});

/** A model that answers each request with the next script, and keeps the requests. */
function scriptedModel(scripts: StreamPart[][]) {
  const requests: ChatRequest[] = [];
  const model: ChatModel = {
    provider: 'MOCK',
    async *stream({ signal, ...request }): AsyncIterable<StreamPart> {
      // What the engine sent, as it was at the call (it goes on changing its step list).
      requests.push({ ...structuredClone(request), signal });
      for (const part of scripts[Math.min(requests.length - 1, scripts.length - 1)] ?? []) yield await Promise.resolve(part);
    },
  };
  return { model, requests };
}

const asksFor = (...calls: ToolCallRequest[]): StreamPart[] => [
  { type: 'text-delta', text: 'Let me check.' },
  ...calls.map((item) => ({ type: 'tool-call' as const, call: item })),
  { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 10, outputTokens: 4 } },
];
const answers = (text: string): StreamPart[] => [
  { type: 'text-delta', text },
  { type: 'finish', finishReason: 'stop', usage: { inputTokens: 20, outputTokens: 6 } },
];

function setUp(model: ChatModel, hub: ToolHub | undefined, maxSteps = 8) {
  const recordedTokens: number[] = [];
  const store = createMemoryStore();
  const bus = createEventBus({ pubsub: new PubSub() });
  const { scheduler } = recordingScheduler();
  const providers = scriptedRegistry(model);
  const runner = createTurnRunner({
    store,
    bus,
    providers,
    scheduler,
    logger: pino({ level: 'silent' }),
    tools: hub,
    toolSettings: { maxSteps, maxResultChars: 1_000 },
    quotas: {
      chargeMutations: () => Promise.resolve(),
      tokenBudgetSpent: () => Promise.resolve(undefined),
      costBudgetSpent: () => Promise.resolve(undefined),
      recordCost: async () => {},
      recordTokens: (_owner: string, tokens: number) => {
        recordedTokens.push(tokens);
        return Promise.resolve();
      },
      maxRunning: 100,
    },
  });
  return { store, bus, runner, recordedTokens };
}

const agentWith = (tools: string[]) => ({
  status: 'RUNNING' as const,
  agents: [{ name: 'Ada', systemPrompt: 'You are Ada.', provider: 'MOCK' as const, model: 'scripted', stance: 'NONE' as const, tools }],
});

async function committedMessage(store: ReturnType<typeof createMemoryStore>, id: string): Promise<MessageRecord | undefined> {
  const log = await store.readLog(id, { limit: 50 });
  const entry = log.find((item) => item.type === 'message');
  return entry?.type === 'message' ? entry.message : undefined;
}

describe('the tool loop of a turn', () => {
  it('runs two calls, answers the model with their results and commits one message listing them', async () => {
    const { hub, calls } = scriptedHub();
    const { model, requests } = scriptedModel([
      asksFor(call('c1', 'tools__echo', { text: 'hi' }), call('c2', 'tools__counter', {})),
      answers('Echo said hi and the count is 1.'),
    ]);
    const { store, bus, runner } = setUp(model, hub);
    const record = await createDiscussion(store, agentWith(['tools']));
    const events: LiveEvent[] = [];
    await bus.subscribe(record.id, (event) => events.push(event));

    await runner.runJob({ discussionId: record.id, turn: 0 });

    expect(calls).toEqual([
      { tool: 'echo', args: { text: 'hi' } },
      { tool: 'counter', args: {} },
    ]);
    expect(requests).toHaveLength(2);
    expect(requests[0]?.tools?.map((tool) => tool.name)).toEqual(['tools__echo', 'tools__counter', 'tools__slow']);
    expect(requests[0]?.toolChoice).toBe('auto');
    expect(requests[1]?.toolSteps).toEqual([
      {
        text: 'Let me check.',
        calls: [call('c1', 'tools__echo', { text: 'hi' }), call('c2', 'tools__counter', {})],
        results: [
          { callId: 'c1', name: 'tools__echo', content: 'echo: hi', isError: false },
          { callId: 'c2', name: 'tools__counter', content: '1', isError: false },
        ],
      },
    ]);
    const message = await committedMessage(store, record.id);
    expect(message?.content).toBe('Let me check.\n\nEcho said hi and the count is 1.');
    expect(message?.usage).toEqual({ inputTokens: 30, outputTokens: 10 });
    expect(message?.finishReason).toBe('stop');
    expect(
      message?.toolCalls?.map(({ id, tool, arguments: args, result, isError, step, messageId }) => ({
        id,
        tool,
        args,
        result,
        isError,
        step,
        messageId,
      })),
    ).toEqual([
      { id: 'c1', tool: 'tools/echo', args: '{"text":"hi"}', result: 'echo: hi', isError: false, step: 1, messageId: message?.id },
      { id: 'c2', tool: 'tools/counter', args: '{}', result: '1', isError: false, step: 1, messageId: message?.id },
    ]);
    // The calls are persisted before the message, and the streamed tokens join to its content.
    const log = await store.readLog(record.id, { limit: 50 });
    expect(log.map((entry) => entry.type)).toEqual(['tool_call', 'tool_call', 'message']);
    const tokens = events.flatMap((event) => (event.type === 'token' ? [event.delta] : []));
    expect(tokens.join('')).toBe(message?.content);
    expect(events.filter((event) => event.type === 'tool_call')).toHaveLength(2);
  });

  it('stops offering tools after MAX_TOOL_STEPS and asks for a text answer', async () => {
    const { hub, calls } = scriptedHub();
    const { model, requests } = scriptedModel([asksFor(call('again', 'tools__counter', {}))]);
    const { store, runner } = setUp(model, hub, 2);
    const record = await createDiscussion(store, agentWith(['tools/counter']));

    await runner.runJob({ discussionId: record.id, turn: 0 });

    expect(requests.map((request) => request.toolChoice)).toEqual(['auto', 'auto', 'none']);
    expect(calls).toHaveLength(2);
    const message = await committedMessage(store, record.id);
    expect(message?.finishReason).toBe('tool_calls');
    expect(message?.toolCalls?.map((item) => item.step)).toEqual([1, 2]);
  });

  it('answers a call of an unknown tool or with broken arguments with an error the model sees', async () => {
    const { hub, calls } = scriptedHub();
    const { model, requests } = scriptedModel([
      asksFor(call('u', 'tools__nope', {}), call('b', 'tools__echo', {}, '{"text": "unterminated')),
      answers('Fine.'),
    ]);
    const { store, runner } = setUp(model, hub);
    const record = await createDiscussion(store, agentWith(['tools/echo']));

    await runner.runJob({ discussionId: record.id, turn: 0 });

    expect(calls).toEqual([]);
    const results = requests[1]?.toolSteps?.[0]?.results;
    expect(results?.map((result) => result.isError)).toEqual([true, true]);
    expect(results?.[0]?.content).toContain('no tool named "tools__nope" is offered; the tools are: tools__echo');
    expect(results?.[1]?.content).toContain('the arguments are not a JSON object');
    expect((await committedMessage(store, record.id))?.content).toBe('Let me check.\n\nFine.');
  });

  it('cancels a tool call when the turn is stopped and keeps the partial message', async () => {
    const { hub, slowReached } = scriptedHub();
    const { model, requests } = scriptedModel([asksFor(call('s', 'tools__slow', {})), answers('never asked')]);
    const { store, runner } = setUp(model, hub);
    const record = await createDiscussion(store, agentWith(['tools']));

    const job = runner.runJob({ discussionId: record.id, turn: 0 });
    await slowReached;
    await runner.cancel(record.id, 'stop');
    await job;

    expect(requests).toHaveLength(1);
    const message = await committedMessage(store, record.id);
    expect(message?.finishReason).toBe('cancelled');
    expect(message?.content).toBe('Let me check.');
    expect(message?.toolCalls?.map(({ tool, isError, result }) => ({ tool, isError, result }))).toEqual([
      { tool: 'tools/slow', isError: true, result: 'the call was cancelled' },
    ]);
  });

  it('reuses a call a dead attempt of the same turn completed instead of running it again', async () => {
    const { hub, calls } = scriptedHub();
    const { model } = scriptedModel([
      asksFor(call('c-new', 'tools__counter', {}), call('e-new', 'tools__echo', { text: 'x' })),
      answers('Done.'),
    ]);
    const { store, runner } = setUp(model, hub);
    const record = await createDiscussion(store, agentWith(['tools']));
    // The dead attempt had run counter (not idempotent) before its process died.
    await store.beginInFlight(record.id, { messageId: 'dead', author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:03:00.000Z' });
    await store.appendToolCall(record.id, {
      id: 'c-old',
      messageId: 'dead',
      tool: 'tools/counter',
      arguments: '{ }',
      result: '41',
      isError: false,
      durationMs: 7,
      step: 1,
      at: '2025-03-01T10:03:01.000Z',
    });

    await runner.runJob({ discussionId: record.id, turn: 0 });

    expect(calls).toEqual([{ tool: 'echo', args: { text: 'x' } }]);
    const message = await committedMessage(store, record.id);
    expect(message?.toolCalls?.map(({ id, result, reused }) => ({ id, result, reused }))).toEqual([
      { id: 'c-new', result: '41', reused: true },
      { id: 'e-new', result: 'echo: x', reused: undefined },
    ]);
  });

  it('reuses what the first of two dead attempts completed when the second died before asking', async () => {
    const { hub, calls } = scriptedHub();
    const { model } = scriptedModel([asksFor(call('c-3', 'tools__counter', {})), answers('Done.')]);
    const { store, runner } = setUp(model, hub);
    const record = await createDiscussion(store, agentWith(['tools']));
    const attempt = (messageId: string) => ({ messageId, author: 'Ada', round: 0, turn: 0, startedAt: '2025-03-01T10:03:00.000Z' });
    await store.beginInFlight(record.id, attempt('first'));
    await store.appendToolCall(record.id, {
      id: 'c-1',
      messageId: 'first',
      tool: 'tools/counter',
      arguments: '{}',
      result: '41',
      isError: false,
      durationMs: 7,
      step: 1,
      at: '2025-03-01T10:03:01.000Z',
    });
    // The second attempt died before its model asked for anything.
    await store.beginInFlight(record.id, attempt('second'));

    await runner.runJob({ discussionId: record.id, turn: 0 });

    expect(calls).toEqual([]);
    expect((await committedMessage(store, record.id))?.toolCalls?.map(({ result, reused }) => ({ result, reused }))).toEqual([
      { result: '41', reused: true },
    ]);
  });

  it(`runs at most ${MAX_CALLS_PER_STEP} calls of one reply and answers the rest with an error`, async () => {
    const { hub, calls } = scriptedHub();
    const many = Array.from({ length: MAX_CALLS_PER_STEP + 2 }, (_, index) => call(`c${index}`, 'tools__echo', { text: String(index) }));
    const { model, requests } = scriptedModel([asksFor(...many), answers('Enough.')]);
    const { store, runner } = setUp(model, hub);
    const record = await createDiscussion(store, agentWith(['tools']));

    await runner.runJob({ discussionId: record.id, turn: 0 });

    expect(calls).toHaveLength(MAX_CALLS_PER_STEP);
    const results = requests[1]?.toolSteps?.[0]?.results ?? [];
    expect(results.map((result) => result.isError)).toEqual([...Array<boolean>(MAX_CALLS_PER_STEP).fill(false), true, true]);
    expect(results.at(-1)?.content).toContain(`at most ${MAX_CALLS_PER_STEP} tool calls`);
  });

  it("counts the tokens of the steps before a failure toward the owner's budget", async () => {
    const { hub } = scriptedHub();
    const failing: StreamPart[] = [{ type: 'error', error: new ProviderError('server', 'the vendor broke') }];
    const { model } = scriptedModel([asksFor(call('c1', 'tools__echo', { text: 'x' })), failing]);
    const { store, runner, recordedTokens } = setUp(model, hub);
    const record = await createDiscussion(store, agentWith(['tools']));

    await runner.runJob({ discussionId: record.id, turn: 0 });

    const [note] = (await store.readLog(record.id, { limit: 10 })).filter((entry) => entry.type === 'message');
    expect(note?.type === 'message' && note.message.role).toBe('SYSTEM');
    expect(recordedTokens).toContain(14);
  });

  it('runs the turn without tools when the server cannot list them, and offers none to an agent without tools', async () => {
    const { hub } = scriptedHub();
    const { model, requests } = scriptedModel([answers('Plain.')]);
    const { store, runner } = setUp(model, hub);
    const gone = await createDiscussion(store, agentWith(['elsewhere']));
    const plain = await createDiscussion(store, agentWith([]));

    await runner.runJob({ discussionId: gone.id, turn: 0 });
    await runner.runJob({ discussionId: plain.id, turn: 0 });

    expect(requests.map((request) => [request.tools, request.toolChoice, request.toolSteps])).toEqual([
      [undefined, undefined, undefined],
      [undefined, undefined, undefined],
    ]);
    expect((await committedMessage(store, gone.id))?.content).toBe('Plain.');
  });
});
