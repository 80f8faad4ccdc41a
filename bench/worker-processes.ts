/** Spawned worker processes for the benchmark, and a list a caller can wait on. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { z } from 'zod';

const root = new URL('..', import.meta.url);

/** Values that arrive over time; `waitFor` resolves once a predicate holds, or rejects after a timeout. */
export class WaitableList<T> {
  readonly values: T[] = [];
  private waiters = new Set<() => void>();

  push(value: T): void {
    this.values.push(value);
    for (const waiter of [...this.waiters]) waiter();
  }

  waitFor<R>(find: (values: readonly T[]) => R | undefined, timeoutMs: number, what: string): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const check = () => {
        const found = find(this.values);
        if (found === undefined) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

/** A JSON log line of a worker. */
export interface WorkerLogLine {
  pid: number;
  msg?: string;
  discussionId?: string;
  turn?: number;
}

// Loose: the line's other fields (level, time, …) stay on it.
const logLineSchema = z.looseObject({ msg: z.string().optional(), discussionId: z.string().optional(), turn: z.number().optional() });

export interface WorkerProcess {
  readonly pid: number;
  /** Resolves once the worker logs 'listening' (it has started taking jobs). */
  readonly ready: Promise<void>;
  readonly alive: boolean;
  /** Sends the signal and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `node --import tsx src/main.ts` with ROLE=worker, as `npm start` runs the service. */
export function spawnWorker(env: Record<string, string>, log?: WaitableList<WorkerLogLine>): WorkerProcess {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', SHUTDOWN_GRACE_MS: '0', ...env, ROLE: 'worker' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid ?? -1;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout ?? process.stdin }).on('line', (line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return;
      }
      const read = logLineSchema.safeParse(parsed);
      if (!read.success) return;
      const entry = read.data;
      log?.push({ ...entry, pid });
      if (entry.msg === 'listening') resolve();
    });
    void exited.then(() => reject(new Error(`worker ${pid} exited before it was ready: ${stderr.slice(-1_000)}`)));
  });
  ready.catch(() => {});
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    pid,
    ready,
    get alive() {
      return alive();
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (alive()) child.kill(signal);
      await exited;
    },
  };
}
