/** The processes of the streaming benchmark: the service and the raw broadcaster, each fresh for each part, and the clients. */
import { loadavg } from 'node:os';
import { SERVICE_NODE_FLAGS } from '../src/node-flags.js';
import { spawnChild, type ChildHandle } from './ipc.js';
import { readProcessCpuMs, recordRss, type RssRecorder } from './process-memory.js';
import { broadcasterCommands, memoryCommand, serverCommands } from './stream-protocol.js';

export interface StreamingContext {
  redisUrl: string;
  /** Every key and channel of the run starts with it; the caller deletes the keys afterwards. */
  keyPrefix: string;
  clients: ChildHandle;
  timeoutMs: number;
}

/** One side (the service, or the raw baseline) of a part as it ran. */
export interface SideRun {
  handle: ChildHandle;
  pid: number;
  /** The service: its GraphQL over HTTP. */
  httpUrl: string;
  /** graphql-ws (service) or bare ws (raw). */
  wsUrl: string;
}

/** The 1-minute load average now. */
export const loadNow = (): number => loadavg()[0] ?? Number.NaN;

/** The load average before and after a measured stretch. */
export interface LoadSpan {
  before: number;
  after: number;
}

/** Runs `measure` with the 1-minute load average read before and after it. */
export async function withLoad<T>(measure: () => Promise<T>): Promise<{ value: T; load: LoadSpan }> {
  const before = loadNow();
  const value = await measure();
  return { value, load: { before, after: loadNow() } };
}

/** The share of one core each process used over a measured stretch, from /proc; NaN where it could not be read. */
export type CpuSpan = Record<'server' | 'clients', number>;

/** Runs `measure` with the CPU time of the side's process and of the clients' read before and after it. */
export async function withCpu<T>(side: SideRun, clients: ChildHandle, measure: () => Promise<T>): Promise<{ value: T; cpu: CpuSpan }> {
  const read = () => Promise.all([readProcessCpuMs(side.pid), readProcessCpuMs(clients.pid)]);
  const started = performance.now();
  const before = await read();
  const value = await measure();
  const after = await read();
  const elapsed = performance.now() - started;
  const share = (index: number) => ((after[index] ?? Number.NaN) - (before[index] ?? Number.NaN)) / elapsed;
  return { value, cpu: { server: share(0), clients: share(1) } };
}

/** Samples the side's RSS every second from outside it. */
export function recordSideRss(side: SideRun): Promise<RssRecorder> {
  return recordRss(side.pid, async () => (await side.handle.request(memoryCommand, { gc: false })).rss);
}

/**
 * With BENCH_PROFILE_DIR, the service and the raw broadcaster write a CPU profile there (one .cpuprofile per process);
 * BENCH_NODE_ARGS gives both more node flags, split at spaces (e.g. "--trace-gc-nvp": a line per GC on their output).
 */
const profileArgs = (): string[] => {
  const directory = process.env.BENCH_PROFILE_DIR;
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return [...(directory ? ['--cpu-prof', `--cpu-prof-dir=${directory}`] : []), ...extra];
};

async function runSide<T>(
  script: string,
  env: Record<string, string>,
  commands: typeof serverCommands | typeof broadcasterCommands,
  run: (started: { handle: ChildHandle; url: string }) => Promise<T>,
  nodeFlags: readonly string[] = [],
): Promise<T> {
  const handle = spawnChild(script, env, [...nodeFlags, ...profileArgs()]);
  try {
    const { url } = await handle.request(commands.start, {});
    return await run({ handle, url });
  } finally {
    await handle.request(commands.stop, {}).catch((error: unknown) => {
      console.error(`${script}: stopping failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    await handle.exit();
  }
}

/**
 * The service from src/app.ts in a fresh process of its own (Redis mode, the run's key prefix), for the length of
 * `run`. With `workerProcess`, that process is the API (ROLE=api) and turns run in one more, a worker (ROLE=worker):
 * the side measured is the API's. Each starts with the flags every deployment gives the service (src/node-flags.ts).
 */
export function withService<T>(
  context: StreamingContext,
  env: Record<string, string>,
  run: (side: SideRun) => Promise<T>,
  { workerProcess = false }: { workerProcess?: boolean } = {},
): Promise<T> {
  const serviceEnv = { REDIS_URL: context.redisUrl, BENCH_KEY_PREFIX: context.keyPrefix, ...env };
  const runApi = () =>
    runSide(
      'bench/stream-server.ts',
      { ...serviceEnv, ROLE: workerProcess ? 'api' : 'all' },
      serverCommands,
      ({ handle, url }) => run({ handle, pid: handle.pid, httpUrl: url, wsUrl: url.replace(/^http/, 'ws') }),
      SERVICE_NODE_FLAGS,
    );
  if (!workerProcess) return runApi();
  return runSide('bench/stream-server.ts', { ...serviceEnv, ROLE: 'worker' }, serverCommands, runApi, SERVICE_NODE_FLAGS);
}

/** The raw broadcaster (and publisher) in a fresh process of its own, for the length of `run`. */
export function withBroadcaster<T>(context: StreamingContext, run: (side: SideRun) => Promise<T>): Promise<T> {
  return runSide('bench/raw-broadcaster.ts', { REDIS_URL: context.redisUrl }, broadcasterCommands, ({ handle, url }) =>
    run({ handle, pid: handle.pid, httpUrl: '', wsUrl: url }),
  );
}

/** The clients' process, for the whole benchmark. */
export function spawnClients(): ChildHandle {
  return spawnChild('bench/stream-clients.ts');
}
