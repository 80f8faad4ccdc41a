import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { query, type Options, type Query, type SpawnedProcess, type SpawnOptions } from '@anthropic-ai/claude-agent-sdk';
import { DEFAULT_MAX_TOOL_STEPS, DEFAULT_TOOL_LIMITS, type McpServerConfig } from '../tools/types.js';
import { applyClaudeAgentMessage, concludeClaudeAgentRun, createClaudeAgentRunState } from './claude-agent-run.js';
import { buildClaudeAgentToolOptions } from './claude-agent-tools.js';
import { takeUntilAborted } from './stream-control.js';
import { formatSpokenLine, OPENING_TURN } from './transcript.js';
import type { ChatModel, ChatRequest, ChatTurn, StreamPart } from './types.js';

export interface ClaudeAgentModelOptions {
  apiKey: string;
  /** ANTHROPIC_BASE_URL for the child: the host without /v1. */
  baseUrl?: string;
  /** CLAUDE_CODE_MAX_RETRIES: the binary retries 401, 429, 529 and 5xx itself, 10 times unless told. */
  maxRetries: number;
  /** API_TIMEOUT_MS for the binary's requests. */
  timeoutMs: number;
  /** The `claude` binary; default: the one in the SDK's optional platform package. */
  executablePath?: string;
  /**
   * HOME of the child, where it keeps ~/.claude.json and ~/.claude/ (bounded).
   * Default: its own directory under the OS temp dir, so the service never
   * touches a person's Claude Code setup on the same machine.
   */
  home?: string;
  /** Working directory of the child; default: the run's own empty directory, away from any project files and CLAUDE.md. */
  cwd?: string;
  /** Where PATH, proxies and CA settings are inherited from; default process.env. */
  inheritedEnvironment?: Readonly<Record<string, string | undefined>>;
  /** MCP_SERVERS: the binary connects to the ones a request's tools use and runs their calls itself. */
  mcpServers?: Readonly<Record<string, McpServerConfig>>;
  /** TOOL_TIMEOUT_MS: the binary's limit for one tool call. */
  toolTimeoutMs?: number;
  /** MAX_TOOL_STEPS: model calls of one turn that may ask for tools. */
  maxToolSteps?: number;
}

const PROMPT_PREAMBLE = 'The discussion so far, oldest message first; "(you)" marks your own messages:';

/**
 * The binary takes one prompt string: the whole transcript as "Name: text"
 * paragraphs. What to do with it is the system prompt's (and a last user
 * turn's) business, so nothing is appended here.
 */
export function renderClaudeAgentPrompt(turns: readonly ChatTurn[]): string {
  if (turns.length === 0) return OPENING_TURN;
  const lines = turns.map((turn) =>
    turn.role === 'assistant' ? formatSpokenLine({ name: `${turn.name} (you)`, content: turn.content }) : formatSpokenLine(turn),
  );
  return [PROMPT_PREAMBLE, ...lines].join('\n\n');
}

/** Only what the binary needs; the child never sees the service's other secrets. */
const INHERITED_VARIABLES = [
  'PATH',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

/** The binary's HOME unless one is configured: per OS user, reused across runs and restarts. */
export function defaultClaudeAgentHome(): string {
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
  return path.join(tmpdir(), `discussion-orchestrator-claude-${user}`);
}

export interface ClaudeAgentRunDirectories {
  home: string;
  /**
   * Empty and of this run only: the child's TMPDIR (the binary leaves a probe
   * directory there on every run), removed once the child has exited.
   */
  run: string;
}

export async function createRunDirectories(home: string): Promise<ClaudeAgentRunDirectories> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  return { home, run: await mkdtemp(path.join(home, 'run-')) };
}

export function buildClaudeAgentEnvironment(
  options: Pick<ClaudeAgentModelOptions, 'apiKey' | 'baseUrl' | 'maxRetries' | 'timeoutMs'>,
  directories: ClaudeAgentRunDirectories,
  inherited: Readonly<Record<string, string | undefined>>,
  maxTokens?: number,
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = inherited[name];
    if (value !== undefined) environment[name] = value;
  }
  environment.HOME = directories.home;
  environment.TMPDIR = directories.run;
  environment.ANTHROPIC_API_KEY = options.apiKey;
  if (options.baseUrl !== undefined) environment.ANTHROPIC_BASE_URL = options.baseUrl;
  // no telemetry, error reporting, auto-update or model listing: only the one Messages request
  environment.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
  // a failed stream must fail the turn, not come back as a second, non-streamed answer we cannot pass on
  environment.CLAUDE_CODE_DISABLE_NONSTREAMING_FALLBACK = '1';
  environment.CLAUDE_CODE_MAX_RETRIES = String(options.maxRetries);
  environment.API_TIMEOUT_MS = String(options.timeoutMs);
  if (maxTokens !== undefined) environment.CLAUDE_CODE_MAX_OUTPUT_TOKENS = String(maxTokens);
  environment.CLAUDE_AGENT_SDK_CLIENT_APP = 'discussion-orchestrator';
  return environment;
}

export interface SpawnHooks {
  onSpawn?: () => void;
  /** The child has exited and its pipes are closed (also after a failed spawn). */
  onClose?: () => void;
}

/**
 * Spawns the binary like the SDK does, but kills it the moment the turn is
 * cancelled. The SDK's own abort path closes stdin and waits ~2 s before
 * SIGTERM, which keeps the vendor's HTTP stream open that long.
 */
export function createImmediateKillSpawner(cancel: AbortSignal, hooks: SpawnHooks = {}): (options: SpawnOptions) => SpawnedProcess {
  return (options) => {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      signal: options.signal,
      stdio: ['pipe', 'pipe', 'ignore'],
      windowsHide: true,
    });
    hooks.onSpawn?.();
    const kill = (): void => {
      child.kill('SIGTERM');
    };
    cancel.addEventListener('abort', kill, { once: true });
    child.once('close', () => {
      cancel.removeEventListener('abort', kill);
      hooks.onClose?.();
    });
    const { stdin, stdout } = child;
    if (stdin === null || stdout === null) throw new Error('the Claude Code process was spawned without pipes');
    return Object.assign(child, { stdin, stdout });
  };
}

export interface ClaudeAgentRunContext {
  directories: ClaudeAgentRunDirectories;
  abortController: AbortController;
  spawnHooks?: SpawnHooks;
}

/** With tools: their servers, exactly their names allowed, and room for the tool rounds. */
function toolOptions(request: ChatRequest, options: ClaudeAgentModelOptions): Partial<Options> {
  const tools = request.tools ?? [];
  if (tools.length === 0) return {};
  return buildClaudeAgentToolOptions(tools, {
    servers: options.mcpServers ?? {},
    timeoutMs: options.toolTimeoutMs ?? DEFAULT_TOOL_LIMITS.timeoutMs,
    maxSteps: options.maxToolSteps ?? DEFAULT_MAX_TOOL_STEPS,
  });
}

export function buildClaudeAgentOptions(request: ChatRequest, options: ClaudeAgentModelOptions, run: ClaudeAgentRunContext): Options {
  return {
    model: request.model,
    systemPrompt: request.system,
    // a discussion turn is one model reply: no built-in tools, no agent loop, no thinking, nothing on disk;
    // with MCP tools (toolOptions) the binary runs their loop and the turn is several model calls
    tools: [],
    allowedTools: [],
    permissionMode: 'dontAsk',
    maxTurns: 1,
    thinking: { type: 'disabled' },
    persistSession: false,
    settingSources: [],
    strictMcpConfig: true,
    includePartialMessages: true,
    // the transcript holds what humans typed: no @path file expansion, no slash commands
    verbatimPrompts: true,
    cwd: options.cwd ?? run.directories.run,
    env: buildClaudeAgentEnvironment(options, run.directories, options.inheritedEnvironment ?? process.env, request.maxTokens),
    abortController: run.abortController,
    spawnClaudeCodeProcess: createImmediateKillSpawner(run.abortController.signal, run.spawnHooks),
    ...(options.executablePath !== undefined ? { pathToClaudeCodeExecutable: options.executablePath } : {}),
    ...toolOptions(request, options),
  };
}

function removeQuietly(directory: string): void {
  rm(directory, { recursive: true, force: true }).catch(() => undefined);
}

async function* streamClaudeAgent(options: ClaudeAgentModelOptions, request: ChatRequest): AsyncGenerator<StreamPart> {
  if (request.signal.aborted) {
    yield { type: 'finish', finishReason: 'cancelled', usage: {} };
    return;
  }
  const abortController = new AbortController();
  const forwardAbort = (): void => abortController.abort();
  request.signal.addEventListener('abort', forwardAbort, { once: true });
  const state = createClaudeAgentRunState(request.tools);
  let session: Query | undefined;
  let directories: ClaudeAgentRunDirectories | undefined;
  let spawned = false;
  try {
    directories = await createRunDirectories(options.home ?? defaultClaudeAgentHome());
    const run = directories.run;
    const spawnHooks: SpawnHooks = {
      onSpawn: () => {
        spawned = true;
      },
      onClose: () => removeQuietly(run),
    };
    session = query({
      prompt: renderClaudeAgentPrompt(request.messages),
      options: buildClaudeAgentOptions(request, options, { directories, abortController, spawnHooks }),
    });
    for await (const message of takeUntilAborted(session, request.signal)) {
      const { parts, done } = applyClaudeAgentMessage(state, message);
      yield* parts;
      if (done) break;
    }
  } catch {
    // the SDK's error for a failed run quotes the vendor's error text: it is never passed on
    state.failed = true;
  } finally {
    request.signal.removeEventListener('abort', forwardAbort);
    // a run we leave before its result (cancelled, capped, restarted) is killed now, before it sends another request
    if (state.result === undefined) abortController.abort();
    session?.close();
    // a spawned child's directory goes when the child has exited (onClose); an unspawned one goes now
    if (directories !== undefined && !spawned) removeQuietly(directories.run);
  }
  yield* concludeClaudeAgentRun(state, request.signal.aborted);
}

/**
 * Claude through the Claude Agent SDK: each turn runs the bundled `claude`
 * binary once (no built-in tools; one model turn, or with MCP tools the
 * binary's own tool loop, reported as tool-call and tool-result parts)
 * against the Anthropic key and base URL. `temperature` and
 * `responseFormat` have no equivalent in the binary and are ignored;
 * `maxTokens` goes through CLAUDE_CODE_MAX_OUTPUT_TOKENS (per model call).
 * `toolChoice` and `toolSteps` are not used: the whole loop is one run.
 */
export function createClaudeAgentModel(options: ClaudeAgentModelOptions): ChatModel {
  return {
    provider: 'CLAUDE_AGENT',
    stream: (request) => streamClaudeAgent(options, request),
  };
}
