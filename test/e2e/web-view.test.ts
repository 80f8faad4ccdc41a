/**
 * The web view in real Chromium against the real app (Redis mode) and the fake
 * vendor: Ada speaks through the OpenAI-compatible fake, so a test holds her
 * reply at a gate and looks at the page while it streams; Bob is MOCK.
 */
import { readFileSync } from 'node:fs';
import type { Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeVendor, type FakeVendor } from '../fake-vendor/server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { screenshot, useBrowser } from '../support/browser.js';
import { readTranscript } from '../support/distributed.js';
import { START, createDiscussion, mockAgents } from '../support/documents.js';
import { mustGraphQL } from '../support/clients.js';

const HELD_AGENTS = [{ name: 'Ada', persona: 'Architect', provider: 'OPENAI_COMPATIBLE' }, mockAgents(2)[1]];
const HELD = ['Half ', 'a ', 'thought'];

const { newPage } = useBrowser();
let fake: FakeVendor | undefined;
let server: TestApp | undefined;
beforeAll(async () => {
  fake = await startFakeVendor();
  server = await startTestApp({ redis: true, env: fake.environment() });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
});
beforeEach(() => fake?.reset());

function running(): { fake: FakeVendor; server: TestApp; origin: string } {
  if (!fake || !server) throw new Error('the app is not started yet');
  return { fake, server, origin: new URL(server.url).origin };
}

const transcript = (page: Page) => page.getByRole('log', { name: 'Transcript' });
const committed = (page: Page) => transcript(page).locator('li[data-message-id]');
const inFlight = (page: Page) => page.locator('.in-flight');
const status = (page: Page) => page.getByTestId('status');

/** Waits until the page shows the committed message `id`. */
async function shown(page: Page, id: string | undefined): Promise<void> {
  if (!id) throw new Error('no message to wait for');
  await transcript(page).locator(`li[data-message-id="${id}"]`).waitFor();
}

/** The ids of the committed messages on the page, in order. */
const idsOnPage = (page: Page) => committed(page).evaluateAll((items) => items.map((item) => item.getAttribute('data-message-id')));

/** Records every text the in-flight bubble shows, and how many different elements showed it. */
async function recordInFlight(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    const nodes = new Set<Element>();
    Object.assign(window, { inFlightTexts: seen, inFlightNodes: nodes });
    new MutationObserver(() => {
      const content = document.querySelector('.in-flight .content');
      const text = content?.textContent?.replace(/▍$/, '');
      if (!content || !text || text === seen.at(-1)) return;
      nodes.add(content);
      seen.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

/** Starts a discussion whose first reply (Ada's) streams HELD and waits at a gate until the test releases it. */
async function startHeld(input: Record<string, unknown>, afterGate = [', finished.']) {
  const { fake, server } = running();
  const gate = fake.gate();
  fake.script('openai-compatible', { chunks: HELD, gate, afterGate });
  const id = await createDiscussion(server.url, { agents: HELD_AGENTS, maxRounds: 1, ...input });
  await mustGraphQL(server.url, START, { id, initialMessage: 'Opening words.' });
  const [request] = await gate.reached();
  return { id, gate, request };
}

describe('the web view', () => {
  it('creates a discussion from the form, grows the reply in place, and stops it mid-sentence; served compressed', async () => {
    const { fake, origin } = running();
    const gate = fake.gate();
    fake.script('openai-compatible', { chunks: HELD, gate, afterGate: [' never finished.'] });
    const page = await newPage();
    await recordInFlight(page);
    const encodings = new Map<string, string | null>();
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/assets/')) {
        void response.headerValue('content-encoding').then((value) => encodings.set(new URL(response.url()).pathname, value));
      }
    });
    await page.goto(`${origin}/`);
    await page.getByRole('link', { name: 'New discussion' }).click();
    await page.getByLabel('Topic').fill('Should we write the tests first?');
    await page.getByRole('group', { name: 'Agent 1' }).getByLabel('Provider').selectOption('OPENAI_COMPATIBLE');
    await page.getByLabel('Rounds').fill('2');
    await screenshot(page, 'new-discussion');
    await page.getByRole('button', { name: 'Create and start' }).click();
    await page.waitForURL(/\/discussions\/[^/]+$/);

    // Held at the gate: the words so far are in the speaker's bubble, and nothing is committed yet.
    const [request] = await gate.reached();
    await inFlight(page).getByText('Half a thought').waitFor();
    expect(await committed(page).count()).toBe(0);
    expect(await page.getByTestId('next-speaker').textContent()).toBe('Ada');
    const growth = await page.evaluate(() => {
      const texts: unknown = Reflect.get(window, 'inFlightTexts');
      return Array.isArray(texts) ? texts.map(String) : [];
    });
    const nodes = await page.evaluate(() => {
      const seen: unknown = Reflect.get(window, 'inFlightNodes');
      return seen instanceof Set ? seen.size : 0;
    });
    expect(growth.at(-1)).toBe('Half a thought');
    expect(growth.every((text, index) => index === 0 || text.startsWith(growth[index - 1] ?? ''))).toBe(true);
    expect(nodes).toBe(1);

    await page.getByRole('button', { name: 'Stop' }).click();
    await status(page).getByText('Stopped').waitFor();
    await committed(page).getByText('Half a thought').waitFor();
    expect(await inFlight(page).count()).toBe(0);
    expect(await committed(page).first().textContent()).toContain('cancelled');
    expect(await request?.closed).toEqual({ completed: false });
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);

    expect([...encodings.keys()].some((path) => path.endsWith('.js'))).toBe(true);
    expect([...encodings.values()].every((encoding) => encoding === 'br')).toBe(true);
  });

  it('injects a message, and a reload mid-reply shows the transcript and the text in flight, then everything live', async () => {
    const { server, origin } = running();
    const { id, gate } = await startHeld({ topic: 'Reloading mid-sentence' });
    const page = await newPage();
    await page.goto(`${origin}/discussions/${id}`);
    await inFlight(page).getByText('Half a thought').waitFor();

    await page.getByLabel('Inject a message').fill('A word from Carol.');
    await page.getByLabel('As').fill('Carol');
    await page.getByRole('button', { name: 'Send' }).click();
    await committed(page).getByText('A word from Carol.').waitFor();
    // The box empties when the mutation answers, which may come after the message's event.
    await expect.poll(() => page.getByLabel('Inject a message').inputValue(), { timeout: 15_000 }).toBe('');

    await page.reload();
    await inFlight(page).getByText('Half a thought').waitFor();
    const before = await readTranscript(server.url, id);
    await shown(page, before.messages.at(-1)?.id);
    expect(await idsOnPage(page)).toEqual(before.messages.map((message) => message.id));
    expect(await committed(page).allTextContents()).toEqual([
      expect.stringContaining('Opening words.'),
      expect.stringContaining('A word from Carol.'),
    ]);

    gate.release();
    await status(page).getByText('Completed').waitFor();
    await committed(page).getByText('Half a thought, finished.').waitFor();
    const after = await readTranscript(server.url, id);
    expect(await idsOnPage(page)).toEqual(after.messages.map((message) => message.id));
    expect(await inFlight(page).count()).toBe(0);
  });

  it('asks the human the discussion waits for, and goes on with the answer', async () => {
    const { server, origin } = running();
    const id = await createDiscussion(server.url, {
      topic: 'A human in the loop',
      agents: mockAgents(1),
      humans: [{ name: 'Hana', speaksInTurn: true }],
      maxRounds: 1,
    });
    await mustGraphQL(server.url, START, { id });
    const page = await newPage();
    await page.goto(`${origin}/discussions/${id}`);
    await page.getByRole('status').filter({ hasText: 'It is Hana’s turn' }).waitFor();
    await screenshot(page, 'human-turn');
    await page.getByLabel('Your answer, as Hana').fill('Hana thinks the tests come first.');
    await page.getByRole('button', { name: 'Answer as Hana' }).click();
    await status(page).getByText('Completed').waitFor();
    const answer = committed(page).filter({ hasText: 'Hana thinks the tests come first.' });
    expect(await answer.locator('strong').first().textContent()).toBe('Hana');
    const { messages } = await readTranscript(server.url, id);
    expect(messages.map((message) => [message.author, message.role])).toContainEqual(['Hana', 'HUMAN']);
    expect(await idsOnPage(page)).toEqual(messages.map((message) => message.id));

    // The transcript downloads as Markdown, Hana's answer under her name.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download as Markdown' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('a-human-in-the-loop.md');
    const markdown = readFileSync(await download.path(), 'utf8');
    expect(markdown.startsWith('# A human in the loop\n')).toBe(true);
    expect(markdown).toContain('**Hana** · human\n\n> Hana thinks the tests come first.');
  });

  it('catches up after losing its WebSocket, with no gap and no duplicate', async () => {
    const { fake, server, origin } = running();
    const secondGate = fake.gate();
    const { id, gate } = await startHeld({ topic: 'A dropped connection', maxRounds: 2 });
    fake.script('openai-compatible', { chunks: ['Second ', 'reply'], gate: secondGate, afterGate: [' at last.'] });
    const page = await newPage();
    // Every socket the page opens goes through the test, which can cut it and refuse new ones.
    let refuse = false;
    const sockets: WebSocketRoute[] = [];
    // The `after` of each discussionEvents subscribe the page sends.
    const resumedAfter: unknown[] = [];
    await page.routeWebSocket(/\/graphql$/, (socket) => {
      if (refuse) return void socket.close({ code: 1006, reason: 'refused by the test' });
      const upstream = socket.connectToServer();
      socket.onMessage((frame) => {
        const message: unknown = typeof frame === 'string' ? JSON.parse(frame) : undefined;
        const payload: unknown = Reflect.get(Object(message), 'payload');
        if (String(Reflect.get(Object(payload), 'query')).includes('discussionEvents')) {
          resumedAfter.push(Reflect.get(Object(Reflect.get(Object(payload), 'variables')), 'after'));
        }
        upstream.send(frame);
      });
      sockets.push(socket);
    });
    await page.goto(`${origin}/discussions/${id}`);
    await inFlight(page).getByText('Half a thought').waitFor();
    // The page holds a cursor (the opening message), so it resumes after it instead of from the start.
    await committed(page).getByText('Opening words.').waitFor();

    refuse = true;
    for (const socket of sockets) await socket.close({ code: 1006, reason: 'cut by the test' });
    await page.getByTestId('connection').getByText('reconnecting').waitFor();
    // While the page is away, Ada's reply commits, Bob answers and Ada's second reply starts.
    gate.release();
    await secondGate.reached();
    refuse = false;

    await inFlight(page).getByText('Second reply').waitFor();
    // The in-flight text can come from the read over HTTP that starts beside the new subscribe frame.
    await page.getByTestId('connection').getByText('live').waitFor();
    await expect.poll(() => resumedAfter.length).toBeGreaterThan(1);
    const during = await readTranscript(server.url, id);
    // It resumed after the last event it held (the opening message), not from the start.
    expect(resumedAfter[0]).toBe('0-0');
    expect(resumedAfter.slice(1)).toContain(during.messages[0]?.cursor);
    expect(resumedAfter.slice(1)).not.toContain('0-0');
    await shown(page, during.messages.at(-1)?.id);
    await screenshot(page, 'live-view');
    expect(await idsOnPage(page)).toEqual(during.messages.map((message) => message.id));
    secondGate.release();
    await status(page).getByText('Completed').waitFor();
    const { messages } = await readTranscript(server.url, id);
    const ids = await idsOnPage(page);
    expect(ids).toEqual(messages.map((message) => message.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(await committed(page).getByText('Second reply at last.').count()).toBe(1);
  });
});

describe('the web view with auth on', () => {
  let secured: TestApp | undefined;
  beforeAll(async () => {
    secured = await startTestApp({ env: { AUTH_TOKENS: 'team-a-token-0123456789:team-a' } });
  });
  afterAll(async () => {
    await secured?.close();
  });

  it('asks for a token, refuses a wrong one, and then lists and follows the owner’s discussions', async () => {
    if (!secured) throw new Error('the app is not started yet');
    const auth = { token: 'team-a-token-0123456789' };
    const { createDiscussion: created } = await mustGraphQL(
      secured.url,
      `mutation($input: CreateDiscussionInput!) { createDiscussion(input: $input) { id } }`,
      { input: { topic: 'Behind a token', agents: mockAgents(2), maxRounds: 1 } },
      auth,
    );
    const id = String(Reflect.get(Object(created), 'id'));
    const page = await newPage();
    await page.goto(`${new URL(secured.url).origin}/`);
    await page.getByLabel('Token', { exact: true }).fill('not-the-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').getByText('did not accept').waitFor();
    await page.getByLabel('Token', { exact: true }).fill(auth.token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Behind a token' }).click();
    await page.waitForURL(`**/discussions/${id}`);
    await page.getByTestId('connection').getByText('live').waitFor();
    await page.getByRole('button', { name: 'Start' }).click();
    await status(page).getByText('Completed').waitFor();
    expect(await committed(page).count()).toBe(2);
    await page.reload();
    await status(page).getByText('Completed').waitFor();
    expect(await page.getByLabel('Token', { exact: true }).count()).toBe(0);
  });
});

describe('the web view with MCP tools', () => {
  let tooled: TestApp | undefined;
  beforeAll(async () => {
    tooled = await startTestApp({ redis: true, env: { MCP_SERVERS: 'examples/mcp-servers.json' } });
  });
  afterAll(async () => {
    await tooled?.close();
  });

  it('lists the call a turn made under its message, live and again after a reload, once', async () => {
    if (!tooled) throw new Error('the app is not started yet');
    const id = await createDiscussion(tooled.url, {
      topic: 'What is 2 + 3? Ask demo/add {"a": 2, "b": 3}',
      agents: mockAgents(1, { tools: ['demo'] }),
      maxRounds: 1,
    });
    const page = await newPage();
    await page.goto(`${new URL(tooled.url).origin}/discussions/${id}`);
    await page.getByTestId('connection').getByText('live').waitFor();
    await page.getByRole('button', { name: 'Start' }).click();
    await status(page).getByText('Completed').waitFor();
    const { messages } = await readTranscript(tooled.url, id);
    const reply = messages.find((message) => message.author === 'Ada');
    if (!reply) throw new Error('Ada did not answer');
    await shown(page, reply.id);

    const adasMessage = transcript(page).locator(`li[data-message-id="${reply.id}"]`);
    const calls = adasMessage.getByRole('list', { name: 'Tool calls' }).getByRole('listitem');
    const expectTheSum = async () => {
      expect(await adasMessage.locator('article strong').first().textContent()).toBe('Ada');
      expect(await calls.count()).toBe(1);
      expect(await calls.locator('.tool').textContent()).toBe('demo/add');
      expect(JSON.parse((await calls.locator('.arguments').textContent()) ?? '')).toEqual({ a: 2, b: 3 });
      expect(await calls.locator('.result').textContent()).toBe('5');
      expect(await calls.locator('.error').count()).toBe(0);
      expect(await page.getByRole('list', { name: 'Tool calls' }).count()).toBe(1);
    };
    await calls.first().waitFor();
    await expectTheSum();
    expect(await adasMessage.textContent()).toContain('it answered "5"');

    // After a reload the call comes from the replayed log and the message's own toolCalls: still once.
    await page.reload();
    await status(page).getByText('Completed').waitFor();
    await shown(page, reply.id);
    await calls.first().waitFor();
    await expectTheSum();
  });
});
