import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BOTH_MODES } from '../support/app.js';
import { createWsClient, mustGraphQL, postGraphQL, subscribeWs } from '../support/clients.js';
import { createDiscussion, START } from '../support/documents.js';
import type { FakeVendorName, RecordedRequest } from '../fake-vendor/server.js';
import { useAppWithFakeVendor } from '../support/fake-vendor-app.js';

const INJECT = `mutation($id: ID!, $content: String!, $author: String, $options: InjectOptions) {
  injectMessage(discussionId: $id, content: $content, author: $author, options: $options) { id author visibleTo } }`;
const MESSAGE_ADDED = `subscription($id: ID!, $after: String) { messageAdded(discussionId: $id, after: $after) { author content visibleTo } }`;
const EVENTS = `subscription($id: ID!, $after: String) { discussionEvents(discussionId: $id, after: $after) {
  __typename ... on MessageEvent { message { author content visibleTo } } ... on StatusEvent { status } } }`;
const TRANSCRIPT = `query($id: ID!) { discussion(id: $id) { status stopReason transcriptMarkdown
  messages(first: 100) { edges { node { author content visibleTo } } } } }`;

const messageSchema = z.strictObject({ author: z.string(), content: z.string(), visibleTo: z.array(z.string()).nullable() });
const injectedSchema = z.strictObject({
  injectMessage: z.strictObject({ id: z.string(), author: z.string(), visibleTo: z.array(z.string()).nullable() }),
});
const eventSchema = z.strictObject({ __typename: z.string(), message: messageSchema.optional(), status: z.string().optional() });
const transcriptSchema = z.strictObject({
  discussion: z.strictObject({
    status: z.string(),
    stopReason: z.string().nullable(),
    transcriptMarkdown: z.string(),
    messages: z.strictObject({ edges: z.array(z.strictObject({ node: messageSchema })) }),
  }),
});

/** Whether the exact body the vendor received holds `text` anywhere (system prompt, turns, names). */
const bodyHolds = (request: RecordedRequest | undefined, text: string): boolean => {
  if (!request) throw new Error('the vendor received no such request');
  return JSON.stringify(request.body).includes(text);
};

describe.each(BOTH_MODES)('private messages reach only the participants they name ($mode mode)', ({ redis }) => {
  const context = useAppWithFakeVendor({ redis });

  async function inject(id: string, content: string, author: string, visibleTo?: string[]) {
    const data = await mustGraphQL(
      context.server.url,
      INJECT,
      { id, content, author, options: visibleTo ? { visibleTo } : null },
      { schema: injectedSchema },
    );
    return data.injectMessage;
  }

  /** Starts the discussion, lets `during` act on its events, and returns every event once it ends plus its messages as stored. */
  async function runToEnd(id: string, during?: (events: { waitFor: (status: string, count: number) => Promise<void> }) => Promise<void>) {
    const ws = createWsClient(context.server.url);
    try {
      const events = await subscribeWs(ws, EVENTS, { id, after: '0-0' }, 'discussionEvents', eventSchema);
      const added = await subscribeWs(ws, MESSAGE_ADDED, { id, after: '0-0' }, 'messageAdded', messageSchema);
      await mustGraphQL(context.server.url, START, { id });
      await during?.({
        waitFor: async (status, count) => {
          await events.collector.waitFor((values) => values.filter((event) => event.status === status).length >= count, { what: status });
        },
      });
      const all = await events.collector.waitForCompletion({ timeoutMs: 60_000 });
      const messageAdded = await added.collector.waitForCompletion({ timeoutMs: 60_000 });
      const { discussion } = await mustGraphQL(context.server.url, TRANSCRIPT, { id }, { schema: transcriptSchema });
      const eventMessages = all.flatMap((event) => (event.message ? [event.message] : []));
      return { discussion, eventMessages, messageAdded, stored: discussion.messages.edges.map((edge) => edge.node) };
    } finally {
      await ws.dispose();
    }
  }

  const requests = (vendor: FakeVendorName) => context.fake.requestsFor(vendor).filter((request) => request.method === 'POST');

  it('ROUND_ROBIN: a note for Ada is in her request body only, and every subscriber sees it marked', async () => {
    const id = await createDiscussion(context.server.url, {
      topic: 'Which queue to use',
      maxRounds: 1,
      agents: [
        { name: 'Ada', provider: 'ANTHROPIC' },
        { name: 'Bob', provider: 'OPENAI' },
      ],
    });
    const note = `only-for-ada-${id}`;
    const injected = await inject(id, note, 'Grace', ['ada', 'Ada']);
    expect(injected).toMatchObject({ author: 'Grace', visibleTo: ['Ada'] });
    await inject(id, `for-everyone-${id}`, 'Grace');

    const { discussion, eventMessages, messageAdded, stored } = await runToEnd(id);
    expect(discussion.status).toBe('COMPLETED');
    const [ada] = requests('anthropic');
    const [bob] = requests('openai');
    expect(requests('anthropic')).toHaveLength(1);
    expect(requests('openai')).toHaveLength(1);
    expect(bodyHolds(ada, note)).toBe(true);
    expect(bodyHolds(bob, note)).toBe(false);
    // The public message reaches both, so the absence above is the filter and not a lost transcript.
    expect(bodyHolds(ada, `for-everyone-${id}`)).toBe(true);
    expect(bodyHolds(bob, `for-everyone-${id}`)).toBe(true);

    const privateNote = { author: 'Grace', content: note, visibleTo: ['Ada'] };
    const publicNote = { author: 'Grace', content: `for-everyone-${id}`, visibleTo: null };
    for (const seen of [messageAdded, eventMessages, stored]) {
      expect(seen.slice(0, 2)).toEqual([privateNote, publicNote]);
      expect(seen.slice(2).map((message) => [message.author, message.visibleTo])).toEqual([
        ['Ada', null],
        ['Bob', null],
      ]);
    }
    expect(discussion.transcriptMarkdown).toContain('**Grace** · human · private, visible to Ada');
  });

  it('DEBATE: a note for the debaters never reaches the judge', async () => {
    const id = await createDiscussion(context.server.url, {
      topic: 'Remote work beats the office',
      protocol: 'DEBATE',
      maxRounds: 1,
      agents: [
        { name: 'Pia', provider: 'ANTHROPIC', stance: 'PRO' },
        { name: 'Carl', provider: 'OPENAI', stance: 'CON' },
        { name: 'Jo', provider: 'GEMINI', stance: 'JUDGE' },
      ],
    });
    const note = `debaters-only-${id}`;
    expect((await inject(id, note, 'Coach', ['Pia', 'Carl'])).visibleTo).toEqual(['Pia', 'Carl']);

    const { discussion, messageAdded } = await runToEnd(id);
    expect(discussion).toMatchObject({ status: 'COMPLETED', stopReason: 'judge_concluded' });
    expect(messageAdded.map((message) => message.author)).toEqual(['Coach', 'Pia', 'Carl', 'Jo']);
    const [judge] = requests('gemini');
    expect(requests('gemini')).toHaveLength(1);
    expect(bodyHolds(judge, note)).toBe(false);
    // The judge does read the debate: the debaters' replies are in its body.
    expect(bodyHolds(judge, 'Hello from the fake vendor.')).toBe(true);
    expect(bodyHolds(requests('anthropic')[0], note)).toBe(true);
    expect(bodyHolds(requests('openai')[0], note)).toBe(true);
  });

  it("a human's turn answered privately reaches only the agent it names", async () => {
    const id = await createDiscussion(context.server.url, {
      topic: 'Budget for next year',
      maxRounds: 2,
      agents: [
        { name: 'Ada', provider: 'ANTHROPIC' },
        { name: 'Bob', provider: 'OPENAI' },
      ],
      humans: [{ name: 'Grace', speaksInTurn: true, waitSeconds: 600 }],
      // Ada, Bob, Grace, then Ada and Bob again: it ends before Grace's second turn.
      termination: { maxMessages: 5 },
    });
    const answer = `grace-tells-ada-${id}`;
    const { discussion, messageAdded } = await runToEnd(id, async ({ waitFor }) => {
      await waitFor('WAITING_FOR_HUMAN', 1);
      const taken = await inject(id, answer, 'Grace', ['Ada']);
      expect(taken.visibleTo).toEqual(['Ada']);
    });
    expect(discussion).toMatchObject({ status: 'COMPLETED', stopReason: 'max_messages' });
    expect(messageAdded.map((message) => [message.author, message.visibleTo])).toEqual([
      ['Ada', null],
      ['Bob', null],
      ['Grace', ['Ada']],
      ['Ada', null],
      ['Bob', null],
    ]);
    const ada = requests('anthropic');
    const bob = requests('openai');
    expect([ada.length, bob.length]).toEqual([2, 2]);
    expect(bodyHolds(ada[1], answer)).toBe(true);
    expect(bodyHolds(bob[1], answer)).toBe(false);
  });

  it('MODERATED: the moderator reads a note for it in every call, picks too; the OPEN selector reads none', async () => {
    const moderated = await createDiscussion(context.server.url, {
      topic: 'Which database',
      protocol: 'MODERATED',
      maxRounds: 1,
      agents: [
        { name: 'Mo', provider: 'GEMINI', stance: 'MODERATOR' },
        { name: 'Ada', provider: 'ANTHROPIC' },
      ],
    });
    const forMo = `moderator-only-${moderated}`;
    const forAda = `ada-only-${moderated}`;
    await inject(moderated, forMo, 'Grace', ['Mo']);
    await inject(moderated, forAda, 'Grace', ['Ada']);
    expect((await runToEnd(moderated)).discussion.status).toBe('COMPLETED');
    const moderator = requests('gemini');
    // It opens, picks the next speaker at least once, and summarises: each of those calls holds its note.
    expect(moderator.length).toBeGreaterThanOrEqual(3);
    expect(moderator.map((request) => [bodyHolds(request, forMo), bodyHolds(request, forAda)])).toEqual(moderator.map(() => [true, false]));
    expect(requests('anthropic').map((request) => [bodyHolds(request, forMo), bodyHolds(request, forAda)])).toEqual([[false, true]]);

    context.fake.reset();
    const open = await createDiscussion(context.server.url, {
      topic: 'Which cache',
      protocol: 'OPEN',
      maxRounds: 1,
      agents: [
        { name: 'Ada', provider: 'ANTHROPIC' },
        { name: 'Bob', provider: 'OPENAI' },
      ],
      selector: { provider: 'GEMINI' },
    });
    const forBoth = `agents-only-${open}`;
    await inject(open, forBoth, 'Grace', ['Ada', 'Bob']);
    expect((await runToEnd(open)).discussion.status).toBe('COMPLETED');
    const selector = requests('gemini');
    expect(selector.length).toBeGreaterThanOrEqual(1);
    expect(selector.map((request) => bodyHolds(request, forBoth))).toEqual(selector.map(() => false));
    expect([...requests('anthropic'), ...requests('openai')].map((request) => bodyHolds(request, forBoth))).toEqual([true, true]);
  });

  it('refuses a visibleTo that names no participant, naming the entry', async () => {
    const id = await createDiscussion(context.server.url, {
      topic: 'Names',
      agents: [{ name: 'Ada', provider: 'MOCK' }],
      humans: [{ name: 'Grace' }],
    });
    const variables = (visibleTo: string[]) => ({ id, content: 'psst', author: 'Grace', options: { visibleTo } });
    const unknown = await postGraphQL(context.server.url, INJECT, variables(['Grace', 'Zed']));
    expect(unknown.errors?.[0]).toMatchObject({
      message: 'options.visibleTo[1]: "Zed" is not a participant of this discussion',
      extensions: { code: 'BAD_USER_INPUT', field: 'options.visibleTo[1]' },
    });
    const empty = await postGraphQL(context.server.url, INJECT, variables([]));
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'options.visibleTo' });
    const { discussion } = await mustGraphQL(context.server.url, TRANSCRIPT, { id }, { schema: transcriptSchema });
    expect(discussion.messages.edges).toEqual([]);
  });
});
