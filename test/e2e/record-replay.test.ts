import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FAKE_API_KEYS, startFakeVendor, type FakeVendor } from '../fake-vendor/server.js';
import { BOTH_MODES, startTestApp, TEST_REDIS_URL, type TestApp } from '../support/app.js';
import { createWsClient, mustGraphQL, postGraphQL, subscribeWs } from '../support/clients.js';
import { createDiscussion, START } from '../support/documents.js';
import { STATUS_EVENTS, startAndAwaitStatus, statusEventSchema } from '../support/run-to-end.js';

// RECORD_PROVIDER_CALLS keeps every call; replayDiscussion streams them again through REPLAY,
// with no vendor, and the transcript comes out the same byte for byte.

const MESSAGES = `query($id: ID!) { discussion(id: $id) { status stopReason error recorded
  usage { inputTokens outputTokens costUsd }
  messages(first: 200) { edges { node { author role content round turn finishReason visibleTo usage { inputTokens outputTokens } } } } } }`;
const messageSchema = z.strictObject({
  author: z.string(),
  role: z.string(),
  content: z.string(),
  round: z.number(),
  turn: z.number(),
  finishReason: z.string().nullable(),
  visibleTo: z.array(z.string()).nullable(),
  usage: z.strictObject({ inputTokens: z.number().nullable(), outputTokens: z.number().nullable() }).nullable(),
});
const transcriptSchema = z.strictObject({
  discussion: z.strictObject({
    status: z.string(),
    stopReason: z.string().nullable(),
    error: z.string().nullable(),
    recorded: z.boolean(),
    usage: z.strictObject({ inputTokens: z.number().nullable(), outputTokens: z.number().nullable(), costUsd: z.number().nullable() }),
    messages: z.strictObject({ edges: z.array(z.strictObject({ node: messageSchema })) }),
  }),
});
type Transcript = z.infer<typeof transcriptSchema>['discussion'];

const REPLAY = `mutation($id: ID!, $speed: Float) { replayDiscussion(id: $id, speed: $speed) {
  id status recorded replayOf { speed discussion { id } } participants { name ... on Agent { provider model } } } }`;
const replaySchema = z.strictObject({
  replayDiscussion: z.strictObject({
    id: z.string(),
    status: z.string(),
    recorded: z.boolean(),
    replayOf: z.strictObject({ speed: z.number(), discussion: z.strictObject({ id: z.string() }).nullable() }).nullable(),
    participants: z.array(z.strictObject({ name: z.string(), provider: z.string().optional(), model: z.string().optional() })),
  }),
});
const INJECT = `mutation($id: ID!, $content: String!, $author: String, $options: InjectOptions) {
  injectMessage(discussionId: $id, content: $content, author: $author, options: $options) { id } }`;
const STOP = `mutation($id: ID!) { stopDiscussion(id: $id) { status } }`;
const FINAL = ['COMPLETED', 'STOPPED', 'FAILED'];

describe.each(BOTH_MODES)('record and replay ($mode mode)', ({ redis }) => {
  let fake: FakeVendor;
  let server: TestApp;
  beforeAll(async () => {
    fake = await startFakeVendor();
    server = await startTestApp({ redis, env: { ...fake.environment(), PROVIDER_MAX_RETRIES: '0', RECORD_PROVIDER_CALLS: 'true' } });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  const transcript = async (id: string): Promise<Transcript> =>
    (await mustGraphQL(server.url, MESSAGES, { id }, { schema: transcriptSchema })).discussion;

  /** Runs `drive` while watching the discussion's statuses, until it reaches a final one. */
  async function watch(id: string, drive: (reached: (count: number, status: string) => Promise<void>) => Promise<void>) {
    const ws = createWsClient(server.url);
    try {
      const events = await subscribeWs(ws, STATUS_EVENTS, { id }, 'discussionEvents', statusEventSchema);
      const reached = (count: number, status: string) =>
        events.collector
          .waitFor((seen) => seen.filter((event) => event.status === status).length >= count, { timeoutMs: 60_000, what: status })
          .then(() => undefined);
      await drive(reached);
      await events.collector.waitFor((seen) => seen.some((event) => FINAL.includes(event.status ?? '')), { timeoutMs: 60_000 });
    } finally {
      await ws.dispose();
    }
  }

  /** Replays `id` at full speed and returns the replay's transcript, checking that no vendor was called. */
  async function replay(id: string): Promise<Transcript & { replayId: string }> {
    const requestsBefore = fake.requests.length;
    const { replayDiscussion } = await mustGraphQL(server.url, REPLAY, { id, speed: 0 }, { schema: replaySchema });
    expect(replayDiscussion).toMatchObject({ status: 'CREATED', recorded: false, replayOf: { speed: 0, discussion: { id } } });
    for (const participant of replayDiscussion.participants) {
      if (participant.provider !== undefined) expect(participant.provider).toBe('REPLAY');
    }
    await watch(replayDiscussion.id, async () => {
      await mustGraphQL(server.url, START, { id: replayDiscussion.id });
    });
    expect(fake.requests.length).toBe(requestsBefore);
    return { ...(await transcript(replayDiscussion.id)), replayId: replayDiscussion.id };
  }

  it('replays a round robin with a failed turn, a human in turn, injections and a private note, byte for byte', async () => {
    const gate = fake.gate();
    fake.script('anthropic', { chunks: ['Ada opens: ', 'tabs.'], usage: { inputTokens: 40, outputTokens: 7 } });
    fake.script('openai', { status: 500 });
    fake.script('anthropic', { chunks: ['Ada again, ', 'with ünïcödé ✓ and "quotes".'], gate, afterGate: [' Done.'] });
    fake.script('openai', { chunks: ['Bob: ', 'spaces,\nsurely.'], usage: { inputTokens: 90, outputTokens: 11 } });
    const id = await createDiscussion(server.url, {
      topic: 'Tabs or spaces?',
      protocol: 'ROUND_ROBIN',
      maxRounds: 2,
      agents: [
        { name: 'Ada', provider: 'ANTHROPIC' },
        { name: 'Bob', provider: 'OPENAI', model: 'gpt-4.1-mini' },
      ],
      humans: [{ name: 'Lin', speaksInTurn: true, waitSeconds: 600 }],
    });
    await watch(id, async (reached) => {
      await mustGraphQL(server.url, START, { id, initialMessage: 'Settle it.', author: 'Max' });
      await reached(1, 'WAITING_FOR_HUMAN');
      await mustGraphQL(server.url, INJECT, { id, content: 'Lin says: tabs.', author: 'Lin' });
      await gate.reached();
      await mustGraphQL(server.url, INJECT, { id, content: 'Only Bob reads this.', author: 'Max', options: { visibleTo: ['Bob'] } });
      gate.release();
      await reached(2, 'WAITING_FOR_HUMAN');
      await mustGraphQL(server.url, INJECT, { id, content: 'Lin, finally: spaces.', author: 'Lin' });
    });
    const source = await transcript(id);
    expect(source).toMatchObject({ status: 'COMPLETED', stopReason: 'max_rounds', recorded: true });
    const roles = source.messages.edges.map(({ node }) => `${node.author}/${node.role}`);
    expect(roles).toEqual(['Max/HUMAN', 'Ada/AGENT', 'system/SYSTEM', 'Lin/HUMAN', 'Max/HUMAN', 'Ada/AGENT', 'Bob/AGENT', 'Lin/HUMAN']);
    expect(source.messages.edges[2]?.node.content).toContain('(OPENAI: server)');

    const replayed = await replay(id);
    expect(replayed.messages).toEqual(source.messages);
    const bytes = (value: Transcript) => Buffer.from(value.messages.edges.map(({ node }) => node.content).join('\u0000'));
    expect(bytes(replayed).equals(bytes(source))).toBe(true);
    expect({ status: replayed.status, stopReason: replayed.stopReason }).toEqual({ status: 'COMPLETED', stopReason: 'max_rounds' });
    // the same tokens, at no cost: nothing was called
    expect(replayed.usage).toEqual({ ...source.usage, costUsd: 0 });

    if (redis) {
      // one recording per call, kept without any key
      const client = new Redis(TEST_REDIS_URL);
      try {
        const recordings = await client.lrange(`${server.keyPrefix}disc:{${id}}:calls`, 0, -1);
        expect(recordings).toHaveLength(4);
        for (const key of Object.values(FAKE_API_KEYS)) expect(recordings.join('\n')).not.toContain(key);
        expect(recordings.map((text) => z.looseObject({ provider: z.string() }).parse(JSON.parse(text)).provider)).toEqual([
          'ANTHROPIC',
          'OPENAI',
          'ANTHROPIC',
          'OPENAI',
        ]);
      } finally {
        await client.quit();
      }
    }
  });

  it('replays the OPEN selector’s picks, a corrected one too, so the speakers come in the recorded order', async () => {
    const picks = ['Cy', 'Bob', 'Ada', 'Cy', 'Bob', 'Ada'];
    for (const [index, name] of picks.entries()) {
      // the third pick needs a correction: its first answer names no one usable
      if (index === 2) fake.script('gemini', { chunks: ['I would say someone.'] });
      fake.script('gemini', { chunks: [JSON.stringify({ speaker: name, reason: `${name} has not said enough` })] });
    }
    for (let reply = 0; reply < 2; reply++) {
      fake.script('anthropic', { chunks: [`Ada ${reply}.`] });
      fake.script('openai', { chunks: [`Bob ${reply}.`] });
      fake.script('openai-compatible', { chunks: [`Cy ${reply}.`] });
    }
    const id = await createDiscussion(server.url, {
      topic: 'Who goes next?',
      protocol: 'OPEN',
      maxRounds: 2,
      agents: [
        { name: 'Ada', provider: 'ANTHROPIC' },
        { name: 'Bob', provider: 'OPENAI' },
        { name: 'Cy', provider: 'OPENAI_COMPATIBLE' },
      ],
      selector: { provider: 'GEMINI' },
    });
    await watch(id, async () => {
      await mustGraphQL(server.url, START, { id });
    });
    const source = await transcript(id);
    expect(source.messages.edges.map(({ node }) => node.author)).toEqual(picks);
    expect(fake.requestsFor('gemini')).toHaveLength(picks.length + 1);

    const replayed = await replay(id);
    expect(replayed.messages).toEqual(source.messages);
    expect(replayed.stopReason).toBe(source.stopReason);
  });

  it('replays a stopped discussion: the reply the stop cut short is copied, and the replay ends STOPPED', async () => {
    const gate = fake.gate();
    fake.script('anthropic', { chunks: ['Ada first.'] }, { chunks: ['Ada is half'], gate, afterGate: [' way.'] });
    const id = await createDiscussion(server.url, {
      topic: 'Stop me',
      protocol: 'ROUND_ROBIN',
      maxRounds: 3,
      agents: [
        { name: 'Ada', provider: 'ANTHROPIC' },
        { name: 'Bob', provider: 'MOCK' },
      ],
    });
    await watch(id, async () => {
      await mustGraphQL(server.url, START, { id });
      await gate.reached();
      await mustGraphQL(server.url, STOP, { id });
    });
    const source = await transcript(id);
    expect(source.status).toBe('STOPPED');
    expect(source.messages.edges.at(-1)?.node).toMatchObject({ author: 'Ada', finishReason: 'cancelled', content: 'Ada is half' });

    const replayed = await replay(id);
    expect(replayed.messages).toEqual(source.messages);
    expect({ status: replayed.status, stopReason: replayed.stopReason }).toEqual({ status: 'STOPPED', stopReason: source.stopReason });
  });

  it('refuses what cannot be replayed, naming why', async () => {
    const plain = await createDiscussion(server.url, {
      topic: 'Not yet',
      protocol: 'ROUND_ROBIN',
      maxRounds: 1,
      agents: [{ name: 'Ada', provider: 'MOCK' }],
    });
    const running = await postGraphQL(server.url, REPLAY, { id: plain });
    expect(running.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(running.errors?.[0]?.message).toContain('CREATED');

    const badSpeed = await postGraphQL(server.url, REPLAY, { id: plain, speed: -1 });
    expect(badSpeed.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'speed' } });

    const missing = await postGraphQL(server.url, REPLAY, { id: '00000000-0000-4000-8000-000000000000' });
    expect(missing.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });

    const direct = await postGraphQL(server.url, `mutation($input: CreateDiscussionInput!) { createDiscussion(input: $input) { id } }`, {
      input: { topic: 'Sneaky', protocol: 'ROUND_ROBIN', maxRounds: 1, agents: [{ name: 'Ada', provider: 'REPLAY' }] },
    });
    expect(direct.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.agents[0].provider' } });
  });
});

describe('replaying a discussion that was not recorded', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({});
  });
  afterAll(async () => {
    await server?.close();
  });

  it('is refused with BAD_USER_INPUT that names RECORD_PROVIDER_CALLS', async () => {
    const id = await createDiscussion(server.url, {
      topic: 'Unrecorded',
      protocol: 'ROUND_ROBIN',
      maxRounds: 1,
      agents: [{ name: 'Ada', provider: 'MOCK' }],
    });
    await startAndAwaitStatus(server.url, id);
    const refused = await postGraphQL(server.url, REPLAY, { id });
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'id' } });
    expect(refused.errors?.[0]?.message).toContain('RECORD_PROVIDER_CALLS');
  });
});
