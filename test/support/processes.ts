import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Collector } from './collector.js';

const root = new URL('../..', import.meta.url);

const isAlive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** One JSON log line of a spawned service, with the process that wrote it. */
export interface LogLine {
  /** Position in the group's log, across every process. */
  seq: number;
  process: string;
  pid: number;
  entry: { msg?: string; url?: string; discussionId?: string; turn?: number; pid?: number; level?: number; [key: string]: unknown };
}

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The base URL from the 'listening' line: `/graphql` for the API, the bare origin for a worker. */
  readonly url: Promise<string>;
  /** The origin (no path), for /health and /ready. */
  readonly origin: Promise<string>;
  readonly exited: Promise<void>;
  readonly alive: boolean;
  stderr(): string;
  /** Sends a signal and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly pid: number | undefined;
  /** SIGTERM (Redis writes its AOF and exits), resolving once it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory, resolving once it accepts connections. */
  start(): Promise<void>;
}

/** A JSON log line's fields, the well-known ones checked; a line that is not a JSON object is kept as its `msg`. */
function parseLogEntry(line: string): LogLine['entry'] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { msg: line };
  }
  if (typeof parsed !== 'object' || parsed === null) return { msg: line };
  const field = (key: string): unknown => Reflect.get(parsed, key);
  const text = (key: string) => {
    const value = field(key);
    return typeof value === 'string' ? value : undefined;
  };
  const count = (key: string) => {
    const value = field(key);
    return typeof value === 'number' ? value : undefined;
  };
  const fields = Object.fromEntries(Object.keys(parsed).map((key) => [key, field(key)]));
  return {
    ...fields,
    msg: text('msg'),
    url: text('url'),
    discussionId: text('discussionId'),
    turn: count('turn'),
    pid: count('pid'),
    level: count('level'),
  };
}

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it right away). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every child a test spawned, so that none outlives the test file, even when the runner exits abruptly. */
const everyChild = new Map<ChildProcess, Promise<void>>();
process.once('exit', () => {
  for (const child of everyChild.keys()) if (isAlive(child)) child.kill('SIGKILL');
});

function track(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (!isAlive(child)) return resolve();
    child.once('exit', () => resolve());
    // A process that could not be spawned (ENOENT) never exits.
    child.once('error', () => {
      if (child.pid === undefined) resolve();
    });
  });
  everyChild.set(child, exited);
  void exited.then(() => everyChild.delete(child));
  return exited;
}

/**
 * Spawned services (`node --import tsx src/main.ts`, as `npm start` runs it) and
 * Redis servers for one test, with one log of every JSON line they print so a
 * test waits on log lines, not sleeps. `killAll` ends whatever is still running.
 */
export function createProcessGroup(baseEnv: Record<string, string> = {}) {
  const log = new Collector<LogLine>();
  const children = new Map<ChildProcess, Promise<void>>();
  const temporaryDirectories: string[] = [];

  function spawnService(name: string, env: Record<string, string>): ServiceProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', SHUTDOWN_GRACE_MS: '0', ...baseEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = track(child);
    children.set(child, exited);
    const pid = child.pid ?? -1;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = new Promise<string>((resolve, reject) => {
      const reader = createInterface({ input: child.stdout ?? process.stdin });
      reader.on('line', (line) => {
        const entry = parseLogEntry(line);
        log.push({ seq: log.values.length, process: name, pid, entry });
        if (entry.msg === 'listening' && typeof entry.url === 'string') resolve(entry.url);
      });
      void exited.then(() => {
        const how = child.signalCode ?? `code ${String(child.exitCode)}`;
        const output = log.values
          .filter((line) => line.pid === pid)
          .slice(-5)
          .map((line) => JSON.stringify(line.entry));
        reject(new Error(`${name} (pid ${pid}) exited (${how}) before listening: ${stderr.slice(-2_000)}${output.join('\n')}`));
      });
    });
    const origin = url.then((value) => new URL(value).origin);
    // A test awaits these only when it needs them; a service that never listened must not also be an unhandled rejection.
    url.catch(() => {});
    origin.catch(() => {});
    return {
      name,
      pid,
      child,
      url,
      origin,
      exited,
      get alive() {
        return isAlive(child);
      },
      stderr: () => stderr,
      async kill(signal: NodeJS.Signals = 'SIGTERM') {
        if (isAlive(child)) child.kill(signal);
        await exited;
      },
    };
  }

  async function startRedis(): Promise<RedisServer> {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'redis-e2e-'));
    temporaryDirectories.push(dir);
    let current: { child: ChildProcess; exited: Promise<void> } | undefined;

    async function start(): Promise<void> {
      const child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const exited = track(child);
      children.set(child, exited);
      current = { child, exited };
      let output = '';
      await new Promise<void>((resolve, reject) => {
        child.once('error', (error) =>
          reject(new Error(`cannot run redis-server (the Redis restart tests start their own; is it on PATH?): ${error.message}`)),
        );
        const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} not ready after 10 s: ${output}`)), 10_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Ready to accept connections')) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`redis-server on port ${port} exited: ${output}`));
        });
      });
    }

    await start();
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      dir,
      get pid() {
        return current?.child.pid;
      },
      async stop() {
        if (!current) return;
        if (isAlive(current.child)) current.child.kill('SIGTERM');
        await current.exited;
      },
      start,
    };
  }

  return {
    log,
    spawnService,
    startRedis,
    /** Log lines from `fromSeq` on that match. */
    linesSince(fromSeq: number, predicate: (line: LogLine) => boolean): LogLine[] {
      return log.values.slice(fromSeq).filter(predicate);
    },
    /** Resolves with the first log line from `fromSeq` on that matches. */
    async waitForLine(
      predicate: (line: LogLine) => boolean,
      { fromSeq = 0, timeoutMs = 20_000, what = 'a log line' } = {},
    ): Promise<LogLine> {
      const found = () => log.values.slice(fromSeq).find(predicate);
      try {
        await log.waitFor(() => found() !== undefined, { timeoutMs, what });
      } catch (error) {
        const tail = log.values.slice(-8).map((line) => `${line.process}: ${JSON.stringify(line.entry)}`);
        throw new Error(`${error instanceof Error ? error.message : String(error)}\nlast log lines:\n${tail.join('\n')}`, { cause: error });
      }
      const line = found();
      if (!line) throw new Error(`unreachable: ${what} vanished`);
      return line;
    },
    /** SIGKILLs every process still running (services and Redis) and removes temporary directories. */
    async killAll(): Promise<void> {
      await Promise.all(
        [...children].map(async ([child, exited]) => {
          if (isAlive(child)) child.kill('SIGKILL');
          await exited;
        }),
      );
      children.clear();
      await Promise.all(temporaryDirectories.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

export type ProcessGroup = ReturnType<typeof createProcessGroup>;

/** GET a path on a service's origin; the status code, or 0 when nothing answered. */
export async function httpStatus(origin: string, path: string, timeoutMs = 5_000): Promise<number> {
  try {
    const response = await fetch(`${origin}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}

/** Polls a readiness probe until it answers `status`, as a load balancer would. */
export async function waitForStatus(
  origin: string,
  path: string,
  status: number,
  { timeoutMs = 30_000, intervalMs = 200 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    last = await httpStatus(origin, path);
    if (last === status) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${origin}${path} answered ${last}, not ${status}, for ${timeoutMs} ms`);
}
