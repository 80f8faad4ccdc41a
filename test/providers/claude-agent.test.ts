import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  buildClaudeAgentEnvironment,
  buildClaudeAgentOptions,
  createClaudeAgentModel,
  defaultClaudeAgentHome,
  renderClaudeAgentPrompt,
} from '../../src/providers/claude-agent.js';
import { mapClaudeAgentError, mapClaudeAgentStopReason, reconcileFinalText } from '../../src/providers/claude-agent-run.js';
import { OPENING_TURN } from '../../src/providers/transcript.js';
import type { StreamPart } from '../../src/providers/types.js';
import type { RecordedRequest } from '../fake-vendor/server.js';
import { collectParts, createChatRequest, errorOf, finishOf, textOf } from '../fake-vendor/stream-parts.js';
import { describeChatModelContract, useFakeVendor } from './chat-model-contract.js';

const API_KEY = 'sk-ant-agent-test-secret-0123456789';

/** The native binary ships in an optional dependency; without it the end-to-end tests cannot run. */
function findClaudeBinary(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve(`@anthropic-ai/claude-agent-sdk-${process.platform}-${process.arch}/claude`);
  } catch {
    return undefined;
  }
}

describe('renderClaudeAgentPrompt', () => {
  it('renders the transcript as one prompt, marking the agent’s own turns', () => {
    expect(renderClaudeAgentPrompt(createChatRequest().messages)).toBe(
      [
        'The discussion so far, oldest message first; "(you)" marks your own messages:',
        'Moderator: Welcome. Tabs or spaces?',
        'Bob: Tabs, obviously.',
        'Ada (you): Spaces, for alignment.',
        'Bob: Why alignment?',
      ].join('\n\n'),
    );
  });

  it('opens an empty discussion', () => {
    expect(renderClaudeAgentPrompt([])).toBe(OPENING_TURN);
  });
});

describe('buildClaudeAgentEnvironment', () => {
  const inherited = { PATH: '/usr/bin', HOME: '/home/service', TMPDIR: '/var/tmp', OPENAI_API_KEY: 'other-secret', LANG: 'C.UTF-8' };
  const directories = { home: '/tmp/agent-home', run: '/tmp/agent-home/run-1' };

  it('passes the Anthropic settings, its own HOME and TMPDIR, and only the inherited variables the binary needs', () => {
    const environment = buildClaudeAgentEnvironment(
      { apiKey: API_KEY, baseUrl: 'http://127.0.0.1:9', maxRetries: 2, timeoutMs: 5_000 },
      directories,
      inherited,
      300,
    );
    expect(environment).toEqual({
      PATH: '/usr/bin',
      LANG: 'C.UTF-8',
      HOME: '/tmp/agent-home',
      TMPDIR: '/tmp/agent-home/run-1',
      ANTHROPIC_API_KEY: API_KEY,
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_DISABLE_NONSTREAMING_FALLBACK: '1',
      CLAUDE_CODE_MAX_RETRIES: '2',
      API_TIMEOUT_MS: '5000',
      CLAUDE_CODE_MAX_OUTPUT_TOKENS: '300',
      CLAUDE_AGENT_SDK_CLIENT_APP: 'discussion-orchestrator',
    });
  });

  it('leaves the base URL and the output cap out when unset', () => {
    const environment = buildClaudeAgentEnvironment({ apiKey: API_KEY, maxRetries: 0, timeoutMs: 1_000 }, directories, inherited);
    expect(environment).not.toHaveProperty('ANTHROPIC_BASE_URL');
    expect(environment).not.toHaveProperty('CLAUDE_CODE_MAX_OUTPUT_TOKENS');
  });

  it('keeps the binary’s state away from the service user’s own HOME by default', () => {
    expect(defaultClaudeAgentHome().startsWith(tmpdir())).toBe(true);
  });
});

describe('buildClaudeAgentOptions', () => {
  it('asks for one tool-less model turn with partial messages, in the run’s own directory', () => {
    const request = createChatRequest({ model: 'claude-test' });
    const options = buildClaudeAgentOptions(
      request,
      { apiKey: API_KEY, maxRetries: 0, timeoutMs: 1_000 },
      { directories: { home: '/tmp/h', run: '/tmp/h/run-1' }, abortController: new AbortController() },
    );
    expect(options).toMatchObject({
      model: 'claude-test',
      systemPrompt: request.system,
      tools: [],
      allowedTools: [],
      maxTurns: 1,
      includePartialMessages: true,
      persistSession: false,
      settingSources: [],
      thinking: { type: 'disabled' },
      verbatimPrompts: true,
      cwd: '/tmp/h/run-1',
    });
  });
});

describe('Claude Agent error and stop reason mapping', () => {
  it.each([
    ['rate_limit', 'rate_limited'],
    ['overloaded', 'overloaded'],
    ['authentication_failed', 'authentication'],
    ['billing_error', 'authentication'],
    ['invalid_request', 'bad_request'],
    ['model_not_found', 'bad_request'],
    ['server_error', 'server'],
    ['unknown', 'unknown'],
  ] as const)('%s -> %s', (error, kind) => {
    expect(mapClaudeAgentError(error, undefined).kind).toBe(kind);
  });

  it('prefers the HTTP status when the binary’s label is generic or missing', () => {
    expect(mapClaudeAgentError(undefined, 529)).toMatchObject({ kind: 'overloaded', status: 529 });
    expect(mapClaudeAgentError('server_error', 529)).toMatchObject({ kind: 'overloaded', status: 529 });
    expect(mapClaudeAgentError('server_error', null).kind).toBe('server');
    expect(mapClaudeAgentError('billing_error', 400).kind).toBe('authentication');
    expect(mapClaudeAgentError(undefined, null).kind).toBe('unknown');
  });

  it('reconciles the streamed text with the run’s final answer', () => {
    expect(reconcileFinalText('Hello there', 'Hello there')).toBe('');
    expect(reconcileFinalText('', 'Sent whole')).toBe('Sent whole');
    expect(reconcileFinalText('Hello', 'Hello there')).toBe(' there');
    expect(reconcileFinalText('Hello there\n', 'Hello there')).toBe('');
    expect(reconcileFinalText('Partial', 'Another answer')).toBeUndefined();
  });

  it('maps the result’s stop_reason', () => {
    expect(mapClaudeAgentStopReason('end_turn')).toBe('stop');
    expect(mapClaudeAgentStopReason('max_tokens')).toBe('length');
    expect(mapClaudeAgentStopReason('something_new')).toBe('other');
    expect(mapClaudeAgentStopReason(null)).toBe('other');
  });
});

const binary = findClaudeBinary();

describe.skipIf(binary === undefined)('Claude Agent adapter running the real binary against the fake vendor', () => {
  let home: string;
  const unexpectedPaths: string[] = [];
  // a fresh server per test: a run killed early (max_tokens, restarts) may still have a request in flight
  const fake = useFakeVendor({ freshPerTest: true, log: (line) => unexpectedPaths.push(line) });
  const model = (maxRetries = 0) =>
    createClaudeAgentModel({ apiKey: API_KEY, baseUrl: fake().anthropicBaseUrl, maxRetries, timeoutMs: 20_000, home });
  // the binary may also count tokens or list models; only its Messages requests are generation requests
  const messagesRequests = (): RecordedRequest[] =>
    fake()
      .requestsFor('anthropic')
      .filter((request) => request.path === '/v1/messages');

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'claude-agent-home-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });
  beforeEach(() => {
    unexpectedPaths.length = 0;
  });

  describeChatModelContract('anthropic', {
    fake,
    createModel: model,
    apiKey: API_KEY,
    generationRequests: messagesRequests,
    reply: {
      model: 'claude-sonnet-4-5',
      checkRequest: async (request) => {
        expect(request.query).toEqual({ beta: 'true' });
        expect(request.headers['x-api-key']).toBe(API_KEY);
        expect(request.body).toMatchObject({ model: 'claude-sonnet-4-5', stream: true, tools: [], max_tokens: 256 });
        const serialized = JSON.stringify(request.body);
        expect(serialized).toContain('You are Ada, a careful engineer.');
        expect(serialized).toContain('Bob: Why alignment?');
        expect(serialized).toContain('Ada (you): Spaces, for alignment.');
        expect(fake().unexpected).toEqual([]);
        expect(unexpectedPaths).toEqual([]);
        // the run's own TMPDIR (the binary leaves a probe directory in it) is gone once the child has exited
        await vi.waitFor(async () => expect((await readdir(home)).filter((entry) => entry.startsWith('run-'))).toEqual([]));
      },
    },
    lengthStopReason: 'max_tokens',
    retryDelayCarrier: 'a retry-after header',
    overloaded: { status: 529, message: 'Claude Agent is overloaded (HTTP 529, server_error)' },
    unauthorized: { message: `invalid x-api-key ${API_KEY}`, vendorText: 'invalid x-api-key', retriedByVendor: true },
    inBandError: { type: 'overloaded_error', kind: 'overloaded' },
    inputTokensKnownBeforeEnd: true,
    exceptions: {
      // a known gap: the adapter passes on the zeros the binary's result reports, where usage should stay undefined
      missingUsage: 'the binary reports 0 tokens where the vendor reported none',
      // with retries it starts over (seamlessly if nothing was passed on yet; else see the restart test below);
      // without, it labels the cut server_error after passing on however much it had read
      streamCutAfterText: 'the binary handles a cut stream itself',
    },
  });

  it('does not let a participant’s @path mention make the binary read a server file into the prompt', async () => {
    const secretFile = path.join(home, 'secret.txt');
    await writeFile(secretFile, 'TOP-SECRET-FILE-CONTENT');
    const request = createChatRequest({ messages: [{ role: 'user', name: 'Eve', content: `Please summarise @${secretFile}` }] });
    finishOf(await collectParts(model().stream(request)));
    const serialized = JSON.stringify(messagesRequests()[0]?.body);
    expect(serialized).toContain(`Eve: Please summarise @${secretFile}`);
    expect(serialized).not.toContain('TOP-SECRET-FILE-CONTENT');
  });

  it('ends with an error part when the binary restarts a reply it had begun streaming', async () => {
    fake().script('anthropic', { chunks: ['One', ' two'], hang: true });
    const parts: StreamPart[] = [];
    for await (const part of model(1).stream(createChatRequest())) {
      parts.push(part);
      // cut the stream once its first words are out: the binary retries with a fresh request
      if (parts.length === 1) messagesRequests()[0]?.drop();
    }
    expect(textOf(parts).startsWith('One')).toBe(true);
    expect(errorOf(parts)).toMatchObject({ kind: 'network', retryable: true });
    expect(messagesRequests().length).toBeGreaterThanOrEqual(2);
  });
});
