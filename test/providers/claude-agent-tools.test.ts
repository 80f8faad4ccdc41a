import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildClaudeAgentOptions, createClaudeAgentModel } from '../../src/providers/claude-agent.js';
import {
  buildClaudeAgentToolOptions,
  claudeAgentToolName,
  convertClaudeAgentMcpServer,
  createClaudeAgentToolTracker,
  joinToolResultContent,
} from '../../src/providers/claude-agent-tools.js';
import type { StreamPart, ToolDefinition } from '../../src/providers/types.js';
import type { McpServerConfig } from '../../src/tools/types.js';
import type { RecordedRequest } from '../fake-vendor/server.js';
import { collectParts, createChatRequest, errorOf } from '../fake-vendor/stream-parts.js';
import { stdioToolsServerConfig } from '../mcp-servers/test-tools.js';
import { useFakeVendor } from './chat-model-contract.js';

const API_KEY = 'sk-ant-agent-tools-secret-0123456789';

const definition = (server: string, tool: string): ToolDefinition => ({
  name: `${server}__${tool}`,
  server,
  tool,
  inputSchema: { type: 'object' },
});
const ECHO = definition('tools', 'echo');
const FAIL = definition('tools', 'fail');

const STDIO: McpServerConfig = { transport: 'stdio', command: 'node', args: ['server.js'], env: { TOKEN: 't' } };
const HTTP: McpServerConfig = { transport: 'http', url: 'http://127.0.0.1:9/mcp', headers: { authorization: 'Bearer h' } };

describe('Claude Agent tool helpers', () => {
  it('names MCP tools as the binary does, normalising what is outside [a-zA-Z0-9_-]', () => {
    expect(claudeAgentToolName('tools', 'echo')).toBe('mcp__tools__echo');
    expect(claudeAgentToolName('my.server', 'get weather')).toBe('mcp__my_server__get_weather');
  });

  it('converts the configured servers, with the tool timeout, always loaded, and the Anthropic key blanked for stdio', () => {
    expect(convertClaudeAgentMcpServer(STDIO, 7_000)).toEqual({
      type: 'stdio',
      command: 'node',
      args: ['server.js'],
      env: { ANTHROPIC_API_KEY: '', TOKEN: 't' },
      timeout: 7_000,
      alwaysLoad: true,
    });
    expect(convertClaudeAgentMcpServer(HTTP, 7_000)).toEqual({
      type: 'http',
      url: 'http://127.0.0.1:9/mcp',
      headers: { authorization: 'Bearer h' },
      timeout: 7_000,
      alwaysLoad: true,
    });
  });

  it('passes only the servers the tools use and pre-approves exactly their names', () => {
    const options = buildClaudeAgentToolOptions([ECHO, FAIL, definition('missing', 'x')], {
      servers: { tools: STDIO, other: HTTP },
      timeoutMs: 5_000,
      maxSteps: 3,
    });
    expect(options).toEqual({
      allowedTools: ['mcp__tools__echo', 'mcp__tools__fail'],
      mcpServers: { tools: convertClaudeAgentMcpServer(STDIO, 5_000) },
      mcpServersDelivery: 'initialize',
      maxTurns: 4,
    });
  });

  it('adds the tool options to a run with tools and leaves a run without them as it was', () => {
    const run = { directories: { home: '/tmp/h', run: '/tmp/h/run-1' }, abortController: new AbortController() };
    const settings = {
      apiKey: API_KEY,
      maxRetries: 0,
      timeoutMs: 1_000,
      mcpServers: { tools: STDIO },
      toolTimeoutMs: 2_000,
      maxToolSteps: 2,
    };
    const withTools = buildClaudeAgentOptions(createChatRequest({ tools: [ECHO] }), settings, run);
    expect(withTools).toMatchObject({
      tools: [],
      allowedTools: ['mcp__tools__echo'],
      permissionMode: 'dontAsk',
      strictMcpConfig: true,
      maxTurns: 3,
      mcpServersDelivery: 'initialize',
      mcpServers: { tools: { type: 'stdio', timeout: 2_000, alwaysLoad: true } },
    });
    for (const request of [createChatRequest(), createChatRequest({ tools: [] })]) {
      const without = buildClaudeAgentOptions(request, settings, run);
      expect(without).toMatchObject({ tools: [], allowedTools: [], maxTurns: 1 });
      expect(without).not.toHaveProperty('mcpServers');
      expect(without).not.toHaveProperty('mcpServersDelivery');
    }
  });

  it('joins the text blocks of a tool_result', () => {
    expect(joinToolResultContent('plain')).toBe('plain');
    expect(joinToolResultContent(undefined)).toBe('');
    expect(
      joinToolResultContent([
        { type: 'text', text: 'one' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: '' } },
        { type: 'text', text: 'two' },
      ]),
    ).toBe('one\ntwo');
  });

  it('reports a call once, whether its assistant message or its content_block_stop comes first, and pairs its result', () => {
    const tracker = createClaudeAgentToolTracker([ECHO]);
    tracker.startMessage();
    tracker.startBlock(1, { type: 'tool_use', id: 'toolu_1', name: 'mcp__tools__echo' });
    tracker.appendJson(1, '');
    tracker.appendJson(1, '{"text": ');
    tracker.appendJson(1, '"hi"}');
    const fromAssistant = tracker.callsOf(
      { message: { content: [{ type: 'tool_use', id: 'toolu_1', name: 'mcp__tools__echo', input: { text: 'hi' } }] } },
      10,
    );
    expect(fromAssistant).toEqual([{ id: 'toolu_1', name: 'tools__echo', arguments: { text: 'hi' }, argumentsText: '{"text": "hi"}' }]);
    expect(tracker.finishBlock(1, 11)).toBeUndefined();
    tracker.startBlock(2, { type: 'tool_use', id: 'toolu_2', name: 'mcp__tools__add' });
    expect(tracker.finishBlock(2, 12)).toEqual({ id: 'toolu_2', name: 'mcp__tools__add', arguments: {}, argumentsText: '{}' });
    expect(tracker.unansweredCalls()).toBe(2);

    const results = tracker.results(
      {
        type: 'user',
        parent_tool_use_id: null,
        message: {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'echo: hi' }] },
            { type: 'tool_result', tool_use_id: 'toolu_unknown', content: 'not ours' },
          ],
        },
      },
      25,
    );
    expect(results).toEqual([{ type: 'tool-result', callId: 'toolu_1', content: 'echo: hi', isError: false, durationMs: 15 }]);
    expect(tracker.reportedCalls()).toBe(2);
    expect(tracker.unansweredCalls()).toBe(1);
  });
});

/** The binary starts the server in its run's own directory, so tsx is named by its path, not resolved from the cwd. */
function toolsServerForTheBinary(): McpServerConfig {
  const config = stdioToolsServerConfig();
  if (config.transport !== 'stdio') throw new Error('expected the stdio test server');
  return { ...config, args: config.args.map((arg) => (arg === 'tsx' ? import.meta.resolve('tsx') : arg)) };
}

const partsOfType = <T extends StreamPart['type']>(parts: readonly StreamPart[], type: T) =>
  parts.filter((part): part is Extract<StreamPart, { type: T }> => part.type === type);

describe('Claude Agent adapter running the real binary and a real MCP server against the fake vendor', () => {
  let home: string;
  const fake = useFakeVendor({ freshPerTest: true });
  const model = (options: { maxToolSteps?: number; maxRetries?: number; toolTimeoutMs?: number } = {}) =>
    createClaudeAgentModel({
      apiKey: API_KEY,
      baseUrl: fake().anthropicBaseUrl,
      maxRetries: options.maxRetries ?? 0,
      timeoutMs: 20_000,
      home,
      mcpServers: { tools: toolsServerForTheBinary() },
      toolTimeoutMs: options.toolTimeoutMs ?? 10_000,
      maxToolSteps: options.maxToolSteps ?? 3,
    });
  const messagesRequests = (): RecordedRequest[] =>
    fake()
      .requestsFor('anthropic')
      .filter((request) => request.path === '/v1/messages');
  /** The last message of a request the binary sent: the tool results of the step before. */
  const lastMessage = (request: RecordedRequest | undefined): unknown => {
    const body = request?.body;
    const messages: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, 'messages') : undefined;
    return Array.isArray(messages) ? messages.at(-1) : undefined;
  };
  const toolNames = (request: RecordedRequest | undefined): unknown => {
    const body = request?.body;
    const tools: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, 'tools') : undefined;
    return Array.isArray(tools)
      ? tools.map((tool: unknown): unknown => (typeof tool === 'object' && tool !== null ? Reflect.get(tool, 'name') : tool))
      : tools;
  };

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'claude-agent-tools-home-'));
  });
  afterEach(async () => {
    // each run's directory goes once its child has exited, MCP server included
    await vi.waitFor(async () => expect((await readdir(home)).filter((entry) => entry.startsWith('run-'))).toEqual([]));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('reports the call the binary runs over MCP and its result, streams both model calls’ text, and sums the usage', async () => {
    fake().script(
      'anthropic',
      {
        chunks: ['Let me ', 'check.'],
        toolCalls: [{ id: 'toolu_01', name: 'mcp__tools__echo', arguments: { text: 'hi' }, argumentChunks: ['{"te', 'xt": "h', 'i"}'] }],
        usage: { inputTokens: 100, outputTokens: 10 },
      },
      { chunks: ['It said ', 'hi.'], usage: { inputTokens: 200, outputTokens: 20 } },
    );
    const parts = await collectParts(model().stream(createChatRequest({ tools: [ECHO] })));

    const [call, result] = [partsOfType(parts, 'tool-call'), partsOfType(parts, 'tool-result')];
    expect(parts.map((part) => part.type)).toEqual([
      'text-delta',
      'text-delta',
      'tool-call',
      'tool-result',
      'text-delta',
      'text-delta',
      'finish',
    ]);
    expect(partsOfType(parts, 'text-delta').map((part) => part.text)).toEqual(['Let me ', 'check.', '\n\nIt said ', 'hi.']);
    expect(call).toEqual([
      { type: 'tool-call', call: { id: 'toolu_01', name: 'tools__echo', arguments: { text: 'hi' }, argumentsText: '{"text": "hi"}' } },
    ]);
    expect(result.map(({ type, callId, content, isError }) => ({ type, callId, content, isError }))).toEqual([
      { type: 'tool-result', callId: 'toolu_01', content: 'echo: hi', isError: false },
    ]);
    expect(result[0]?.durationMs).toBeGreaterThanOrEqual(0);
    // result.usage is the run's total; the result's answer is the last call's text, which was streamed
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 300, outputTokens: 30 } });

    const [first, second] = messagesRequests();
    expect(messagesRequests()).toHaveLength(2);
    expect(toolNames(first)).toContain('mcp__tools__echo');
    expect(lastMessage(second)).toMatchObject({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: [{ type: 'text', text: 'echo: hi' }] }],
    });
  });

  it('reports two calls of one reply and a failing tool’s error result', async () => {
    fake().script(
      'anthropic',
      {
        chunks: [],
        toolCalls: [
          { id: 'toolu_A', name: 'mcp__tools__echo', arguments: { text: 'one' } },
          { id: 'toolu_B', name: 'mcp__tools__fail', arguments: {} },
        ],
      },
      { chunks: ['One worked.'] },
    );
    const parts = await collectParts(model().stream(createChatRequest({ tools: [ECHO, FAIL] })));

    expect(partsOfType(parts, 'tool-call').map((part) => part.call)).toEqual([
      { id: 'toolu_A', name: 'tools__echo', arguments: { text: 'one' }, argumentsText: '{"text":"one"}' },
      { id: 'toolu_B', name: 'tools__fail', arguments: {}, argumentsText: '{}' },
    ]);
    expect(partsOfType(parts, 'tool-result').map(({ callId, content, isError }) => ({ callId, content, isError }))).toEqual([
      { callId: 'toolu_A', content: 'echo: one', isError: false },
      { callId: 'toolu_B', content: 'the tool failed on purpose', isError: true },
    ]);
    expect(partsOfType(parts, 'text-delta').map((part) => part.text)).toEqual(['One worked.']);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
    // the binary sends each result back in its own user message; both reach the model's next request
    expect(JSON.stringify(messagesRequests()[1]?.body)).toContain('"tool_use_id":"toolu_B"');
  });

  it('lets the binary deny a tool of the server that was not offered, and reports the denial', async () => {
    fake().script(
      'anthropic',
      { chunks: [], toolCalls: [{ id: 'toolu_X', name: 'mcp__tools__add', arguments: { a: 1, b: 2 } }] },
      { chunks: ['Denied.'] },
    );
    const parts = await collectParts(model().stream(createChatRequest({ tools: [ECHO] })));

    // the binary lists every tool of a server it starts; only allowedTools run under dontAsk
    expect(toolNames(messagesRequests()[0])).toContain('mcp__tools__add');
    expect(partsOfType(parts, 'tool-call').map((part) => part.call.name)).toEqual(['mcp__tools__add']);
    const [denial] = partsOfType(parts, 'tool-result');
    expect(denial).toMatchObject({ callId: 'toolu_X', isError: true });
    expect(denial?.content).toContain('Permission to use mcp__tools__add has been denied');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
  });

  it('gives a call the configured tool timeout', async () => {
    // `slow` without ms runs until it is cancelled: only the binary's timeout ends it
    fake().script(
      'anthropic',
      { chunks: [], toolCalls: [{ id: 'toolu_S', name: 'mcp__tools__slow', arguments: {} }] },
      { chunks: ['Too slow.'] },
    );
    const parts = await collectParts(model({ toolTimeoutMs: 1_000 }).stream(createChatRequest({ tools: [definition('tools', 'slow')] })));
    const [result] = partsOfType(parts, 'tool-result');
    expect(result).toMatchObject({ callId: 'toolu_S', isError: true });
    expect(result?.content).toContain('timed out after 1s');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
  });

  it('ends with tool_calls when the last allowed model call asks for tools too', async () => {
    fake().script(
      'anthropic',
      { chunks: ['First.'], toolCalls: [{ id: 'toolu_1', name: 'mcp__tools__echo', arguments: { text: 'one' } }] },
      { chunks: ['Second.'], toolCalls: [{ id: 'toolu_2', name: 'mcp__tools__echo', arguments: { text: 'two' } }] },
      { chunks: ['Never asked for.'] },
    );
    const parts = await collectParts(model({ maxToolSteps: 1 }).stream(createChatRequest({ tools: [ECHO] })));

    // maxTurns 2: the binary runs the second call's tool, then stops before a third model call
    expect(messagesRequests()).toHaveLength(2);
    expect(partsOfType(parts, 'tool-result').map((part) => part.content)).toEqual(['echo: one', 'echo: two']);
    expect(partsOfType(parts, 'text-delta').map((part) => part.text)).toEqual(['First.', '\n\nSecond.']);
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 24, outputTokens: 10 } });
  });

  it('still ends with an error when the binary restarts a later step it had begun streaming', async () => {
    fake().script(
      'anthropic',
      { chunks: ['Checking.'], toolCalls: [{ id: 'toolu_1', name: 'mcp__tools__echo', arguments: { text: 'x' } }] },
      { chunks: ['Half', ' an answer'], hang: true },
    );
    const parts: StreamPart[] = [];
    for await (const part of model({ maxRetries: 1 }).stream(createChatRequest({ tools: [ECHO] }))) {
      parts.push(part);
      // once the second step's first words are out, cut its stream: the binary retries that request
      if (part.type === 'text-delta' && part.text.includes('Half')) messagesRequests()[1]?.drop();
    }
    expect(partsOfType(parts, 'tool-result')).toHaveLength(1);
    expect(errorOf(parts.filter((part) => part.type !== 'tool-call' && part.type !== 'tool-result'))).toMatchObject({
      kind: 'network',
      retryable: true,
    });
    expect(messagesRequests().length).toBeGreaterThanOrEqual(3);
  });
});
