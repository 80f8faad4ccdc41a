/**
 * Typed request and reply over Node's IPC channel between the benchmark and the
 * processes it spawns (the service, the raw broadcaster, the clients). Each
 * command names its input and output as zod schemas; both ends parse what
 * crosses the channel with them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { z } from 'zod';

/** A command a child answers: its name, and the schemas of its input and output. */
export interface Command<Input, Output> {
  name: string;
  input: z.ZodType<Input>;
  output: z.ZodType<Output>;
}

export const command = <Input, Output>(name: string, input: z.ZodType<Input>, output: z.ZodType<Output>): Command<Input, Output> => ({
  name,
  input,
  output,
});

/** A command's implementation in the child, its types erased once checked. */
export interface Handler {
  name: string;
  run(input: unknown): Promise<unknown>;
}

export const handle = <Input, Output>(spec: Command<Input, Output>, run: (input: Input) => Promise<Output> | Output): Handler => ({
  name: spec.name,
  run: async (input) => run(spec.input.parse(input)),
});

const requestSchema = z.object({ id: z.number(), command: z.string(), input: z.unknown() });
const replySchema = z.discriminatedUnion('ok', [
  z.object({ id: z.number(), ok: z.literal(true), output: z.unknown() }),
  z.object({ id: z.number(), ok: z.literal(false), error: z.string() }),
]);

export interface ChildHandle {
  readonly pid: number;
  request<Input, Output>(spec: Command<Input, Output>, input: Input): Promise<Output>;
  /** Resolves once the process has exited; SIGKILL after `graceMs` if it has not. */
  exit(graceMs?: number): Promise<void>;
}

const root = new URL('..', import.meta.url);

/** Spawns `node --expose-gc [nodeArgs] --import tsx <script>` with an IPC channel; its stdout and stderr go to ours. */
export function spawnChild(script: string, env: Record<string, string> = {}, nodeArgs: readonly string[] = []): ChildHandle {
  const child: ChildProcess = spawn(process.execPath, ['--expose-gc', ...nodeArgs, '--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (output: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${script} exited (code ${child.exitCode ?? child.signalCode})`));
    pending.clear();
  });
  child.on('message', (message: unknown) => {
    const reply = replySchema.safeParse(message);
    if (!reply.success) return;
    const waiter = pending.get(reply.data.id);
    pending.delete(reply.data.id);
    if (reply.data.ok) waiter?.resolve(reply.data.output);
    else waiter?.reject(new Error(`${script}: ${reply.data.error}`));
  });

  return {
    pid: child.pid ?? -1,
    async request(spec, input) {
      const id = nextId++;
      const output = await new Promise<unknown>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, command: spec.name, input }, (error) => {
          if (!error) return;
          pending.delete(id);
          reject(error);
        });
      });
      return spec.output.parse(output);
    },
    async exit(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The child's end: answers each request with its handler; `onExit` runs when the parent disconnects. */
export function serveCommands(handlers: readonly Handler[], onExit: () => Promise<void> = async () => {}): void {
  const byName = new Map(handlers.map((handler) => [handler.name, handler]));
  const send = (reply: z.input<typeof replySchema>) => process.send?.(reply);
  process.on('message', (message: unknown) => {
    const request = requestSchema.safeParse(message);
    if (!request.success) return;
    const { id, command, input } = request.data;
    const handler = byName.get(command);
    if (!handler) {
      send({ id, ok: false, error: `unknown command ${command}` });
      return;
    }
    handler.run(input).then(
      (output) => send({ id, ok: true, output }),
      (error: unknown) => send({ id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  // The parent gone (it disconnected, ended or died): clean up and leave.
  process.once('disconnect', () => {
    onExit().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
