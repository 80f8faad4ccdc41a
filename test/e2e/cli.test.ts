/**
 * `discuss`, the CLI, as a user runs it: `node bin/discuss.js` in its own
 * process against the real app (Redis mode) and the fake vendor.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startFakeVendor, type FakeVendor } from '../fake-vendor/server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { mustGraphQL } from '../support/clients.js';
import { STOP, stoppedSchema } from '../support/distributed.js';

const BIN = fileURLToPath(new URL('../../bin/discuss.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end; `onStdout` sees its output as it comes. */
function discuss(args: string[], env: Record<string, string> = {}, onStdout?: (text: string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      onStdout?.(stdout);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('token'), messageId: z.string(), author: z.string(), offset: z.number(), delta: z.string() }),
  z.object({ type: z.literal('message'), id: z.string(), author: z.string(), role: z.string(), content: z.string() }),
  z.object({ type: z.literal('status'), status: z.string() }),
  z.object({ type: z.literal('note'), text: z.string() }),
  z.object({ type: z.literal('result'), id: z.string(), status: z.string(), stopReason: z.string().nullable() }),
]);
const linesOf = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => lineSchema.parse(JSON.parse(line)));

let fake: FakeVendor | undefined;
let server: TestApp | undefined;
let dir = '';
beforeAll(async () => {
  fake = await startFakeVendor();
  server = await startTestApp({ redis: true, env: fake.environment() });
  dir = mkdtempSync(join(tmpdir(), 'discuss-cli-'));
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => fake?.reset());

function running(): { fake: FakeVendor; url: string } {
  if (!fake || !server) throw new Error('the app is not started yet');
  return { fake, url: server.url };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const YAML = `# two MOCK agents, one round
topic: Tabs or spaces?
maxRounds: 1
initialMessage: Settle it today.
agents:
  - { name: Ada, persona: Architect, provider: MOCK }
  - { name: Bob, persona: Skeptic, provider: MOCK }
`;

describe('discuss, the CLI', () => {
  it('creates from YAML, starts, streams every token and message as JSON lines, and exits 0 on COMPLETED', async () => {
    const { fake, url } = running();
    // Ada's reply waits at a gate until the CLI is following (its first replayed message is out): from then on it sees every token.
    const gate = fake.gate();
    fake.script('openai-compatible', { chunks: ['Half ', 'a thought'], gate, afterGate: [', and', ' the rest.'] });
    const yaml = file('one-round.yaml', YAML.replace('provider: MOCK }', 'provider: OPENAI_COMPATIBLE }'));
    const run = await discuss([yaml, '--url', url, '--json'], {}, (stdout) => {
      if (stdout.includes('"type":"message"')) gate.release();
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = linesOf(run.stdout);
    const messages = lines.flatMap((line) => (line.type === 'message' ? [line] : []));
    expect(messages.map((m) => [m.author, m.role])).toEqual([
      ['user', 'HUMAN'],
      ['Ada', 'AGENT'],
      ['Bob', 'AGENT'],
    ]);
    const [opening, ada, bob] = messages;
    expect(opening?.content).toBe('Settle it today.');
    expect(ada?.content).toBe('Half a thought, and the rest.');
    const tokensOf = (id: string | undefined) => lines.flatMap((line) => (line.type === 'token' && line.messageId === id ? [line] : []));
    // Every token is the piece of the content at its offset; the ones after the gate all came through.
    for (const token of [...tokensOf(ada?.id), ...tokensOf(bob?.id)]) {
      const content = token.messageId === ada?.id ? ada.content : bob?.content;
      expect(content?.slice(token.offset, token.offset + token.delta.length)).toBe(token.delta);
    }
    expect(
      tokensOf(ada?.id)
        .map((token) => token.delta)
        .join(''),
    ).toContain(' the rest.');
    // Bob spoke while the CLI followed: his tokens, joined by offset, spell his whole message.
    let text = '';
    for (const token of tokensOf(bob?.id)) {
      const joined = text.slice(0, token.offset) + token.delta;
      if (joined.length > text.length) text = joined;
    }
    expect(text).toBe(bob?.content);
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'COMPLETED', stopReason: 'max_rounds' });
  });

  it('writes speakers in colour with a progress line, from JSON too', async () => {
    const { url } = running();
    const json = JSON.stringify({
      topic: 'Colours',
      maxRounds: 1,
      agents: [
        { name: 'Ada', provider: 'MOCK' },
        { name: 'Bob', provider: 'MOCK' },
      ],
    });
    const run = await discuss([file('colours.json', json), '--url', url], { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(run.code).toBe(0);
    // Each name is wrapped in an ANSI colour of its own: ESC[<n>mAda: ESC[0m.
    const painted = run.stdout.split(String.fromCharCode(27)).flatMap((part) => /^\[(\d+)m(\w+):$/.exec(part)?.slice(1) ?? []);
    expect(painted).toContain('Ada');
    expect(painted).toContain('Bob');
    const colourOf = (name: string) => painted[painted.indexOf(name) - 1];
    expect(colourOf('Ada')).not.toBe(colourOf('Bob'));
    expect(run.stderr).toContain('created discussion');
    expect(run.stderr).toMatch(/COMPLETED \(max_rounds\) · round 1\/1 · \d+ tokens/);
  });

  it('exits 1 and names the field when the server refuses the file, or the file is not an object', async () => {
    const { url } = running();
    const bad = await discuss([file('bad.yaml', YAML.replace('provider: MOCK }', 'provider: NOPE }')), '--url', url]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^discuss: .*agents.*provider/s);
    const list = await discuss([file('list.yaml', '- just\n- a list\n'), '--url', url]);
    expect(list.code).toBe(1);
    expect(list.stderr).toContain('must hold an object');
    const down = await discuss([file('down.yaml', YAML), '--url', 'http://127.0.0.1:9/graphql']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('does not answer');
  });

  it('exits 3 when the discussion is stopped while it streams, and 2 when it fails', async () => {
    const { fake, url } = running();
    const gate = fake.gate();
    fake.script('openai-compatible', { chunks: ['Half ', 'a thought'], gate });
    const held = file('held.yaml', YAML.replace('provider: MOCK }', 'provider: OPENAI_COMPATIBLE }'));
    let stopping: Promise<unknown> | undefined;
    const stopped = await discuss([held, '--url', url, '--json'], {}, (stdout) => {
      // Once the CLI follows and Ada's reply waits at the gate, stop the discussion from outside.
      const id = stdout.includes('"type":"message"') && /"type":"note","text":"created discussion ([^"]+)"/.exec(stdout)?.[1];
      if (id && !stopping) stopping = gate.reached().then(() => mustGraphQL(url, STOP, { id }, { schema: stoppedSchema }));
    });
    expect(await stopping).toMatchObject({ stopDiscussion: { status: 'STOPPED' } });
    expect(stopped.code).toBe(3);
    const stoppedLines = linesOf(stopped.stdout);
    expect(stoppedLines.at(-1)).toMatchObject({ type: 'result', status: 'STOPPED', stopReason: 'stopped_by_user' });
    expect(stoppedLines).toContainEqual(expect.objectContaining({ type: 'message', author: 'Ada', content: 'Half a thought' }));

    fake.setDefaultResponse({ status: 401 });
    const failing = YAML.replace('maxRounds: 1', 'maxRounds: 5').replace(/provider: MOCK \}/g, 'provider: OPENAI_COMPATIBLE }');
    const failed = await discuss([file('failing.yaml', failing), '--url', url, '--json']);
    expect(failed.code).toBe(2);
    expect(linesOf(failed.stdout).at(-1)).toMatchObject({ type: 'result', status: 'FAILED', stopReason: 'consecutive_failures' });
  });
});

describe('discuss against a server with auth on', () => {
  let secured: TestApp | undefined;
  beforeAll(async () => {
    secured = await startTestApp({ env: { AUTH_TOKENS: 'cli-token-0123456789abc:team-cli' } });
  });
  afterAll(async () => {
    await secured?.close();
  });

  it('exits 1 at once, saying the credential was refused, when --watch has a wrong token; runs with the right one', async () => {
    if (!secured) throw new Error('the app is not started yet');
    const refused = await discuss(['--watch', 'some-id', '--url', secured.url, '--token', 'not-the-token']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused the credential');
    expect(refused.stderr).not.toContain('not-the-token');
    const run = await discuss([file('secured.yaml', YAML), '--url', secured.url, '--json'], { DISCUSS_TOKEN: 'cli-token-0123456789abc' });
    expect(run.code).toBe(0);
    expect(linesOf(run.stdout).at(-1)).toMatchObject({ type: 'result', status: 'COMPLETED' });
  });
});
