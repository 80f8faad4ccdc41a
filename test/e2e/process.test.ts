import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startFakeVendor } from '../fake-vendor/server.js';
import { freePort } from '../support/processes.js';
import { createWsClient, mustGraphQL, subscribeWs } from '../support/clients.js';
import { createDiscussion, MESSAGE_ADDED, messageViewSchema, mockAgents, START } from '../support/documents.js';

const root = new URL('../..', import.meta.url);
const children = new Set<ChildProcess>();

// A failed assertion must not leave a server running.
afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

/** `npm start` as CI and a user run it, minus npm: node with tsx on src/main.ts. */
function startService(env: Record<string, string>): {
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  listening: Promise<string>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const listening = new Promise<string>((resolve, reject) => {
    const reader = createInterface({ input: child.stdout ?? process.stdin });
    reader.on('line', (line) => {
      lines.push(line);
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        return; // a pretty (LOG_FORMAT=pretty) line
      }
      const url: unknown =
        typeof entry === 'object' && entry !== null && Reflect.get(entry, 'msg') === 'listening' ? Reflect.get(entry, 'url') : undefined;
      if (typeof url === 'string') resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  return { child, lines, stderr: () => stderr, listening };
}

describe('the service process', () => {
  it('refuses a bad environment variable at start, naming it, without a stack trace', async () => {
    const service = startService({ MOCK_TOKEN_DELAY_MS: 'soon', OPENAI_API_KEY: 'sk-do-not-print' });
    service.listening.catch(() => {});
    await once(service.child, 'exit');
    expect(service.child.exitCode).toBe(1);
    expect(service.stderr()).toContain('MOCK_TOKEN_DELAY_MS');
    expect(service.stderr()).not.toMatch(/\n\s+at /);
    expect(service.stderr()).not.toContain('sk-do-not-print');
  });

  it('says what to do when its port is taken, without a stack trace', async () => {
    // Something else holds the port: the service must say so, not throw.
    const holder = createServer();
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const address = holder.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const service = startService({ PORT: String(port) });
      service.listening.catch(() => {});
      await once(service.child, 'exit');
      expect(service.child.exitCode).toBe(1);
      expect(service.stderr()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(service.stderr()).toContain('set PORT');
      expect(service.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('says how to go on when Redis does not answer, without printing its password', async () => {
    // A port nobody listens on: the connection is refused at once.
    const service = startService({ REDIS_URL: `redis://:s3cret-pass@127.0.0.1:${await freePort()}` });
    service.listening.catch(() => {});
    await once(service.child, 'exit');
    expect(service.child.exitCode).toBe(1);
    expect(service.stderr()).toMatch(/Redis at 127\.0\.0\.1:\d+ does not answer \(connect ECONNREFUSED/);
    expect(service.stderr()).toContain('unset REDIS_URL');
    expect(service.stderr()).not.toMatch(/\n\s+at /);
    expect(service.stderr() + service.lines.join('\n')).not.toContain('s3cret-pass');
  });

  it('writes coloured lines instead of JSON when LOG_FORMAT=pretty, and names a provider key that is missing', async () => {
    // A vendor's base URL without its key: the log names the missing variable.
    const service = startService({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'info', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    service.listening.catch(() => {});
    // Pretty lines are not JSON, so "listening" is found as text.
    await vi.waitFor(() => expect(service.lines.some((line) => line.includes('listening'))).toBe(true), { timeout: 60_000 });
    expect(service.lines.join('\n')).toMatch(/WARN.*MEMORY MODE/);
    expect(service.lines.some((line) => line.startsWith('{'))).toBe(false);
    expect(service.lines.join('\n')).toContain('OPENAI_BASE_URL is set but OPENAI_API_KEY is not');
  });

  it('says loudly that memory mode keeps nothing, and shuts down cleanly on SIGTERM mid-discussion', async () => {
    const fake = await startFakeVendor();
    try {
      // Ada is MOCK; Bob speaks through the fake vendor, and his first reply waits at a gate: the SIGTERM comes mid-turn.
      const gate = fake.gate();
      fake.script('openai-compatible', { chunks: ['Hold ', 'on'], gate, afterGate: [', I am almost done.'] });
      // A grace period longer than the test: the shutdown waits for the turn in flight, which ends when the test opens the gate.
      const service = startService({ ...fake.environment(), MOCK_TOKEN_DELAY_MS: '0', SHUTDOWN_GRACE_MS: '600000', LOG_LEVEL: 'info' });
      const url = await service.listening;
      expect(service.lines.join('\n')).toMatch(/MEMORY MODE.*nothing persists/);

      const [ada] = mockAgents(1);
      const id = await createDiscussion(url, {
        topic: 'Shutdown',
        agents: [ada, { name: 'Bob', provider: 'OPENAI_COMPATIBLE' }],
        maxRounds: 20,
      });
      const ws = createWsClient(url);
      const messages = await subscribeWs(ws, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', messageViewSchema);
      await mustGraphQL(url, START, { id });
      await messages.collector.waitForCount(1);
      const [held] = await gate.reached();

      const exited = once(service.child, 'exit');
      service.child.kill('SIGTERM');
      // The subscription is ended by the server as it shuts down, not left hanging...
      await messages.collector.waitForCompletion();
      expect(messages.collector.values.map((message) => message.author)).toEqual(['Ada']);
      // ...and the turn in flight may finish within the grace period: the process waits for it.
      expect(service.child.exitCode).toBeNull();
      gate.release();
      await exited;
      expect(service.child.exitCode).toBe(0);
      expect(await held?.closed).toEqual({ completed: true });
      expect(service.lines.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
      await ws.dispose();
    } finally {
      await fake.close();
    }
  });
});
