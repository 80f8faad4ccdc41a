import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BOTH_MODES } from '../support/app.js';
import { mustGraphQL, subscribeWs } from '../support/clients.js';
import { createDiscussion, messageViewSchema, readDiscussion, START } from '../support/documents.js';
import { useTestServer } from '../support/server-hooks.js';

const EVENTS = `subscription($id: ID!, $after: String) { discussionEvents(discussionId: $id, after: $after) {
  __typename
  ... on MessageEvent { message { id author role content round turn usage { inputTokens outputTokens } } }
  ... on StatusEvent { status stopReason }
  ... on SpeakerSelectedEvent { speaker reason candidates attempts fellBack usage { inputTokens outputTokens } }
} }`;
const INJECT =
  'mutation($id: ID!, $content: String!, $author: String) { injectMessage(discussionId: $id, content: $content, author: $author) { author role turn round } }';

/** A discussionEvents payload as EVENTS selects it: which fields are set depends on `__typename`. */
const eventSchema = z.strictObject({
  __typename: z.enum(['MessageEvent', 'SpeakerSelectedEvent', 'StatusEvent', 'TokenEvent', 'TurnRestartedEvent']),
  message: messageViewSchema.pick({ id: true, author: true, role: true, content: true, round: true, turn: true, usage: true }).optional(),
  status: z.string().optional(),
  stopReason: z.string().nullable().optional(),
  speaker: z.string().optional(),
  reason: z.string().optional(),
  candidates: z.array(z.string()).optional(),
  attempts: z.number().optional(),
  fellBack: z.boolean().optional(),
  usage: z.strictObject({ inputTokens: z.number().nullable(), outputTokens: z.number().nullable() }).nullable().optional(),
});
/** What INJECT answers. */
const injectedSchema = z.strictObject({
  injectMessage: z.strictObject({ author: z.string(), role: z.string(), turn: z.number(), round: z.number() }),
});

const agent = (name: string, stance = 'NONE', persona?: string) => ({ name, provider: 'MOCK', stance, persona });

describe.each(BOTH_MODES)('protocols and humans ($mode mode)', ({ redis }) => {
  const context = useTestServer({ redis });

  async function run(input: Record<string, unknown>, initialMessage?: string) {
    const id = await createDiscussion(context.server.url, input);
    const events = await subscribeWs(context.ws, EVENTS, { id, after: '0-0' }, 'discussionEvents', eventSchema);
    await mustGraphQL(context.server.url, START, { id, initialMessage });
    const all = await events.collector.waitForCompletion();
    const messages = all.flatMap((event) => (event.message ? [event.message] : []));
    const picks = all.filter((event) => event.__typename === 'SpeakerSelectedEvent');
    return { id, all, messages, picks, discussion: await readDiscussion(context.server.url, id) };
  }

  it('DEBATE: PRO and CON alternate for maxRounds, then the judge gives the verdict last', async () => {
    const { messages, discussion } = await run({
      topic: 'Remote work beats the office',
      protocol: 'DEBATE',
      maxRounds: 2,
      agents: [agent('Pia', 'PRO'), agent('Carl', 'CON'), agent('Paul', 'PRO'), agent('Jo', 'JUDGE', 'Judge')],
    });
    expect(messages.map((message) => message.author)).toEqual(['Pia', 'Carl', 'Paul', 'Pia', 'Carl', 'Paul', 'Jo']);
    expect(messages.map((message) => message.round)).toEqual([1, 1, 1, 2, 2, 2, 2]);
    expect(messages.at(-1)?.content).toContain('the Judge');
    expect(discussion).toMatchObject({ status: 'COMPLETED', stopReason: 'judge_concluded' });
  });

  it('MODERATED: the moderator opens, picks each speaker (never itself), concludes and summarises', async () => {
    const { messages, picks, discussion } = await run({
      topic: 'Our on-call rotation',
      protocol: 'MODERATED',
      maxRounds: 5,
      agents: [agent('Mo', 'MODERATOR', 'Moderator'), agent('Ada'), agent('Bob')],
    });
    expect(messages.map((message) => message.author)).toEqual(['Mo', 'Ada', 'Bob', 'Ada', 'Bob', 'Mo']);
    expect(picks.map((pick) => pick.speaker)).toEqual(['Ada', 'Bob', 'Ada', 'Bob', 'CONCLUDE']);
    for (const pick of picks) {
      expect(pick.candidates).not.toContain('Mo');
      expect(pick).toMatchObject({ attempts: 1, fellBack: false });
      expect(pick.reason).not.toBe('');
    }
    expect(discussion).toMatchObject({ status: 'COMPLETED', stopReason: 'moderator_concluded' });
  });

  it('MODERATED: when rounds run out the moderator still closes with a summary', async () => {
    const { messages, discussion } = await run({
      topic: 'Short meeting',
      protocol: 'MODERATED',
      maxRounds: 1,
      agents: [agent('Mo', 'MODERATOR'), agent('Ada'), agent('Bob')],
    });
    expect(messages.map((message) => message.author)).toEqual(['Mo', 'Ada', 'Bob', 'Mo']);
    expect(discussion).toMatchObject({ status: 'COMPLETED', stopReason: 'max_rounds' });
  });

  it('OPEN: a selector picks every speaker, never the same twice in a row, and its tokens count', async () => {
    const { messages, picks, discussion } = await run({
      topic: 'Naming the new service',
      protocol: 'OPEN',
      maxRounds: 2,
      agents: [agent('Ada'), agent('Bob'), agent('Cleo')],
    });
    expect(messages).toHaveLength(6);
    expect(picks.map((pick) => pick.speaker)).toEqual(messages.map((message) => message.author));
    for (let index = 1; index < messages.length; index++) expect(messages[index]?.author).not.toBe(messages[index - 1]?.author);
    expect(picks[1]?.candidates).not.toContain(picks[0]?.speaker);
    const messageTokens = messages.reduce((total, message) => total + (message.usage?.inputTokens ?? 0), 0);
    const pickTokens = picks.reduce((total, pick) => total + (pick.usage?.inputTokens ?? 0), 0);
    expect(pickTokens).toBeGreaterThan(0);
    expect(discussion.usage.inputTokens).toBe(messageTokens + pickTokens);
    expect(discussion).toMatchObject({ status: 'COMPLETED', stopReason: 'max_rounds' });
  });

  it('a human in turn who does not answer in time is skipped with a note', async () => {
    const { all, messages, discussion } = await run({
      topic: 'Waiting politely',
      maxRounds: 1,
      agents: [agent('Ada')],
      humans: [{ name: 'Grace', speaksInTurn: true, waitSeconds: 1 }],
    });
    expect(all.filter((event) => event.__typename === 'StatusEvent').map((event) => event.status)).toEqual([
      'RUNNING',
      'WAITING_FOR_HUMAN',
      'RUNNING',
      'COMPLETED',
    ]);
    expect(messages.map((message) => [message.author, message.role])).toEqual([
      ['Ada', 'AGENT'],
      ['system', 'SYSTEM'],
    ]);
    expect(messages[1]?.content).toBe('Grace did not answer within 1 s; their turn was skipped.');
    expect(discussion).toMatchObject({ stopReason: 'max_rounds', turn: 2 });
  });

  it('a human in turn who answers in time takes the turn; observers never do', async () => {
    const id = await createDiscussion(context.server.url, {
      topic: 'Budget for next year',
      maxRounds: 2,
      agents: [agent('Ada')],
      humans: [{ name: 'Grace', speaksInTurn: true, waitSeconds: 600 }],
    });
    const events = await subscribeWs(context.ws, EVENTS, { id, after: '0-0' }, 'discussionEvents', eventSchema);
    await mustGraphQL(context.server.url, START, { id });
    await events.collector.waitFor((values) => values.some((event) => event.status === 'WAITING_FOR_HUMAN'), {
      what: 'the wait for Grace',
    });
    expect((await readDiscussion(context.server.url, id)).status).toBe('WAITING_FOR_HUMAN');
    const waiting = await mustGraphQL(
      context.server.url,
      'query($id: ID!) { discussion(id: $id) { nextSpeaker } }',
      { id },
      {
        schema: z.strictObject({ discussion: z.strictObject({ nextSpeaker: z.string().nullable() }) }),
      },
    );
    expect(waiting.discussion.nextSpeaker).toBe('Grace');

    const observer = await mustGraphQL(
      context.server.url,
      INJECT,
      { id, content: 'Just watching.', author: 'Olaf' },
      { schema: injectedSchema },
    );
    expect(observer.injectMessage.turn).toBe(1);
    expect((await readDiscussion(context.server.url, id)).status).toBe('WAITING_FOR_HUMAN');

    const answer = await mustGraphQL(
      context.server.url,
      INJECT,
      { id, content: 'Keep it flat, please.', author: 'grace' },
      { schema: injectedSchema },
    );
    expect(answer.injectMessage).toMatchObject({ author: 'grace', role: 'HUMAN', turn: 1, round: 1 });
    await events.collector.waitFor((values) => values.filter((event) => event.message?.author === 'Ada').length === 2, {
      what: "Ada's reply",
    });
    const adaSecond = events.collector.values.filter((event) => event.message?.author === 'Ada')[1]?.message;
    expect(adaSecond?.content).toContain('Keep it flat');
    expect(adaSecond?.turn).toBe(2);

    // Grace's second turn: stop while waiting ends the discussion without a skip note.
    await events.collector.waitFor((values) => values.filter((event) => event.status === 'WAITING_FOR_HUMAN').length === 2, {
      what: 'the second wait',
    });
    await mustGraphQL(context.server.url, 'mutation($id: ID!) { stopDiscussion(id: $id) { status } }', { id });
    const all = await events.collector.waitForCompletion();
    expect(all.some((event) => event.message?.role === 'SYSTEM')).toBe(false);
  });

  it('100 discussions wait for their humans at once, and each goes on when its human answers', async () => {
    const ids = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        createDiscussion(context.server.url, {
          topic: `Wait ${index}`,
          maxRounds: 1,
          agents: [agent('Ada')],
          humans: [{ name: 'Grace', speaksInTurn: true, waitSeconds: 600 }],
        }),
      ),
    );
    const watchers = await Promise.all(
      ids.map((id) => subscribeWs(context.ws, EVENTS, { id, after: '0-0' }, 'discussionEvents', eventSchema)),
    );
    await Promise.all(ids.map((id) => mustGraphQL(context.server.url, START, { id })));
    await Promise.all(
      watchers.map((watcher) =>
        watcher.collector.waitFor((values) => values.some((event) => event.status === 'WAITING_FOR_HUMAN'), { what: 'the wait' }),
      ),
    );
    const waiting = await mustGraphQL(
      context.server.url,
      '{ discussions(first: 500, status: WAITING_FOR_HUMAN) { edges { cursor } } }',
      undefined,
      {
        schema: z.strictObject({ discussions: z.strictObject({ edges: z.array(z.strictObject({ cursor: z.string() })) }) }),
      },
    );
    expect(waiting.discussions.edges.length).toBeGreaterThanOrEqual(100);
    await Promise.all(ids.map((id) => mustGraphQL(context.server.url, INJECT, { id, content: 'Here I am.', author: 'Grace' })));
    for (const watcher of watchers) {
      const events = await watcher.collector.waitForCompletion();
      expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', stopReason: 'max_rounds' });
      expect(events.filter((event) => event.message?.author === 'Grace')).toHaveLength(1);
    }
  });

  it('pausing while a human is awaited ends the wait; resuming asks again', async () => {
    // A wait longer than the test: the pause, not the clock, ends the first wait (a short one could lapse before the pause
    // arrives on a slow machine); Grace answers when asked again.
    const id = await createDiscussion(context.server.url, {
      topic: 'Pause during a wait',
      maxRounds: 1,
      agents: [agent('Ada')],
      humans: [{ name: 'Grace', speaksInTurn: true, waitSeconds: 600 }],
    });
    const events = await subscribeWs(context.ws, EVENTS, { id, after: '0-0' }, 'discussionEvents', eventSchema);
    await mustGraphQL(context.server.url, START, { id });
    await events.collector.waitFor((values) => values.some((event) => event.status === 'WAITING_FOR_HUMAN'), { what: 'the wait' });
    await mustGraphQL(context.server.url, 'mutation($id: ID!) { pauseDiscussion(id: $id) { status } }', { id });
    expect((await readDiscussion(context.server.url, id)).status).toBe('PAUSED');
    await mustGraphQL(context.server.url, 'mutation($id: ID!) { resumeDiscussion(id: $id) { status } }', { id });
    await events.collector.waitFor((values) => values.filter((event) => event.status === 'WAITING_FOR_HUMAN').length === 2, {
      what: 'the second wait',
    });
    const asked = await mustGraphQL(
      context.server.url,
      'query($id: ID!) { discussion(id: $id) { status nextSpeaker } }',
      { id },
      {
        schema: z.strictObject({ discussion: z.strictObject({ status: z.string(), nextSpeaker: z.string().nullable() }) }),
      },
    );
    expect(asked.discussion).toEqual({ status: 'WAITING_FOR_HUMAN', nextSpeaker: 'Grace' });
    const answer = await mustGraphQL(
      context.server.url,
      INJECT,
      { id, content: 'Back again.', author: 'Grace' },
      { schema: injectedSchema },
    );
    expect(answer.injectMessage).toMatchObject({ author: 'Grace', role: 'HUMAN', turn: 1 });
    const all = await events.collector.waitForCompletion();
    expect(all.filter((event) => event.__typename === 'StatusEvent').map((event) => event.status)).toEqual([
      'RUNNING',
      'WAITING_FOR_HUMAN',
      'PAUSED',
      'RUNNING',
      'WAITING_FOR_HUMAN',
      'RUNNING',
      'COMPLETED',
    ]);
    // Grace's answer took the turn she was asked for again; nothing was skipped.
    expect(all.flatMap((event) => (event.message ? [[event.message.author, event.message.role]] : []))).toEqual([
      ['Ada', 'AGENT'],
      ['Grace', 'HUMAN'],
    ]);
  });

  it('keeps every request within the context budget of a long discussion', async () => {
    const { messages } = await run({
      topic: 'A long one',
      maxRounds: 30,
      agents: [
        { ...agent('Ada'), maxContextTokens: 1_000, maxTokens: 100 },
        { ...agent('Bob'), maxContextTokens: 1_000, maxTokens: 100 },
      ],
    });
    expect(messages).toHaveLength(60);
    const inputs = messages.map((message) => message.usage?.inputTokens ?? 0);
    for (const input of inputs) expect(input).toBeLessThanOrEqual(1_000);
    // Without the budget the input would keep growing with the transcript.
    expect(Math.max(...inputs.slice(-10))).toBeLessThan(inputs.slice(0, 20).reduce((sum, value) => sum + value, 0));
  });
});
