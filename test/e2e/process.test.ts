import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { createWsClient, mustGraphQL, subscribeWs } from '../support/clients.js';
import { createDiscussion, type MessageView, MESSAGE_ADDED, mockAgents, START } from '../support/documents.js';

const root = new URL('../..', import.meta.url);
const children = new Set<ChildProcess>();

// A failed assertion must not leave a server running.
afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

/** `npm start` as CI and a user run it, minus npm: node with tsx on src/main.ts. */
function startService(env: Record<string, string>): { child: ChildProcess; lines: string[]; stderr: () => string; listening: Promise<string> } {
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
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'listening' && entry.url) resolve(entry.url);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  return { child, lines, stderr: () => stderr, listening };
}

describe('the service process', () => {
  it('refuses a bad environment variable at start, naming it, without a stack trace', async () => {
    const service = startService({ MOCK_TOKEN_DELAY_MS: 'soon', OPENAI_API_KEY: 'sk-do-not-print' });
    service.listening.catch(() => {});
    const [code] = (await once(service.child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(service.stderr()).toContain('MOCK_TOKEN_DELAY_MS');
    expect(service.stderr()).not.toMatch(/\n\s+at /);
    expect(service.stderr()).not.toContain('sk-do-not-print');
  });

  it('says loudly that memory mode keeps nothing, and shuts down cleanly on SIGTERM mid-discussion', async () => {
    const service = startService({ MOCK_TOKEN_DELAY_MS: '20', LOG_LEVEL: 'info' });
    const url = await service.listening;
    expect(service.lines.join('\n')).toMatch(/MEMORY MODE.*nothing persists/);

    const id = await createDiscussion(url, { topic: 'Shutdown', agents: mockAgents(2), maxRounds: 20 });
    const ws = createWsClient(url);
    const messages = await subscribeWs<MessageView>(ws, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded');
    await mustGraphQL(url, START, { id });
    await messages.collector.waitForCount(1);

    const exited = once(service.child, 'exit');
    service.child.kill('SIGTERM');
    const [code] = (await exited) as [number];
    expect(code).toBe(0);
    // The subscription was ended by the server, not left hanging.
    await messages.collector.waitForCompletion();
    expect(service.lines.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
    await ws.dispose();
  });
});
