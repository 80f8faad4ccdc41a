import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeVendor } from '../fake-vendor/server.js';
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
      const entry: unknown = JSON.parse(line);
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
