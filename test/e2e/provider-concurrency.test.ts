import { describe, expect, it } from 'vitest';
import type { FakeGate, RecordedRequest } from '../fake-vendor/server.js';
import { BOTH_MODES } from '../support/app.js';
import { mustGraphQL } from '../support/clients.js';
import { useAppWithFakeVendor } from '../support/fake-vendor-app.js';
import { CREATE, createdSchema, START } from '../support/documents.js';
import { useFakeVendor, useProcesses } from '../support/distributed.js';
import { startAndAwaitStatus } from '../support/run-to-end.js';

// PROVIDER_CONCURRENCY across two worker processes: the vendor never has more calls in flight
// than the cap, and an owner with two discussions is served between the calls of an owner with
// eighteen, not after them. Every reply is held at a gate of its own until the test lets it go.

const CAP = 2;
const OWNERS = [
  { name: 'alice', token: 'alice-token-0123456789', discussions: 18 },
  { name: 'bob', token: 'bob-token-0123456789ab', discussions: 2 },
] as const;
const TOTAL = OWNERS.reduce((sum, owner) => sum + owner.discussions, 0);
const VENDOR = 'openai-compatible';

/** The number a worker's `orchestrator_provider_calls_waiting{provider="OPENAI_COMPATIBLE"}` reports. */
async function waiting(origin: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', origin))).text();
  const line = text.split('\n').find((entry) => entry.startsWith('orchestrator_provider_calls_waiting{provider="OPENAI_COMPATIBLE"}'));
  return Number(line?.split(' ').at(-1) ?? Number.NaN);
}

/** Whose discussion a vendor request is for: the topic names the owner. */
const ownerOf = (request: RecordedRequest): string =>
  OWNERS.find((owner) => JSON.stringify(request.body).includes(`${owner.name}'s topic`))?.name ?? '?';

describe('fair provider scheduling across workers', () => {
  const context = useProcesses();
  const vendor = useFakeVendor();

  it(`keeps at most ${CAP} calls in flight and serves the owner of 2 discussions between the owner of 18`, async () => {
    const { group, redisUrl } = context;
    const { fake } = vendor;
    const gates: FakeGate[] = Array.from({ length: TOTAL }, () => fake.gate());
    for (const gate of gates) fake.script(VENDOR, { chunks: ['Held, '], gate, afterGate: ['then done.'] });
    const env = {
      ...fake.environment(),
      REDIS_URL: redisUrl,
      PROVIDER_CONCURRENCY: `OPENAI_COMPATIBLE=${CAP}`,
      PROVIDER_MAX_RETRIES: '0',
      AUTH_TOKENS: OWNERS.map((owner) => `${owner.token}:${owner.name}`).join(','),
    };
    const api = group.spawnService('api', { ...env, ROLE: 'api' });
    const workers = [1, 2].map((number) => group.spawnService(`worker-${number}`, { ...env, ROLE: 'worker' }));
    const [url, ...origins] = await Promise.all([api.url, ...workers.map((worker) => worker.origin)]);

    // the owner with many discussions starts all of them first
    for (const owner of OWNERS) {
      for (let index = 0; index < owner.discussions; index++) {
        const input = { topic: `${owner.name}'s topic ${index}`, maxRounds: 1, agents: [{ name: 'Ada', provider: 'OPENAI_COMPATIBLE' }] };
        const created = await mustGraphQL(url, CREATE, { input }, { token: owner.token, schema: createdSchema });
        await mustGraphQL(url, START, { id: created.createDiscussion.id }, { token: owner.token });
      }
    }

    // two calls are out; every other turn waits for a slot, on one worker or the other
    await fake.waitForRequests(CAP, VENDOR);
    await expect
      .poll(async () => (await Promise.all(origins.map(waiting))).reduce((sum, count) => sum + count, 0), { timeout: 60_000 })
      .toBe(TOTAL - CAP);
    expect(fake.requestsFor(VENDOR)).toHaveLength(CAP);

    // let the replies go one by one; each one that ends lets one more call out
    const spans: { received: number; closed?: number }[] = [];
    const track = (request: RecordedRequest, index: number) => {
      spans[index] = { received: request.receivedAt };
      void request.closed.then(() => {
        const span = spans[index];
        if (span) span.closed = performance.now();
      });
    };
    fake.requestsFor(VENDOR).forEach(track);
    for (let released = 0; released < TOTAL; released++) {
      gates[released]?.release();
      await fake.requestsFor(VENDOR)[released]?.closed;
      const arrived = Math.min(TOTAL, released + 1 + CAP);
      const requests = await fake.waitForRequests(arrived, VENDOR);
      for (let index = spans.length; index < requests.length; index++) {
        const request = requests[index];
        if (request) track(request, index);
      }
    }

    // never more than the cap in flight: at each arrival, the calls still open
    const requests = fake.requestsFor(VENDOR);
    expect(requests).toHaveLength(TOTAL);
    for (const span of spans) {
      const open = spans.filter((other) => other.received <= span.received && (other.closed === undefined || other.closed > span.received));
      expect(open.length).toBeLessThanOrEqual(CAP);
    }
    // served round-robin across owners: bob's two calls come among the first ones, not after alice's eighteen
    const order = requests.map(ownerOf);
    const bobs = order.flatMap((owner, index) => (owner === 'bob' ? [index] : []));
    expect(bobs).toHaveLength(2);
    expect(Math.max(...bobs)).toBeLessThan(CAP + 4);
  }, 180_000);
});

describe.each(BOTH_MODES)('a vendor’s 429 pauses the provider ($mode mode)', ({ redis }) => {
  const context = useAppWithFakeVendor({ redis });

  it('holds the next call to that provider until the retry-after has passed, and counts the wait', async () => {
    const { fake, server } = context;
    fake.script('openai', { status: 429, retryAfter: 1 }, { chunks: ['Bob waited his turn.'] });
    const created = await mustGraphQL(
      server.url,
      CREATE,
      {
        input: {
          topic: 'Patience',
          maxRounds: 1,
          agents: [
            { name: 'Ada', provider: 'OPENAI' },
            { name: 'Bob', provider: 'OPENAI' },
          ],
        },
      },
      { schema: createdSchema },
    );
    const id = created.createDiscussion.id;
    await startAndAwaitStatus(server.url, id);
    const [limited, next] = fake.requestsFor('openai');
    if (!limited || !next) throw new Error('two requests expected');
    // Ada's turn failed on the 429 (no retries here); Bob's call went out only once the second had passed
    expect(next.receivedAt - limited.receivedAt).toBeGreaterThanOrEqual(1_000);
    const metrics = await (await fetch(new URL('/metrics', server.url))).text();
    expect(metrics).toMatch(/^orchestrator_provider_call_wait_seconds_count\{provider="OPENAI",outcome="granted"\} 1$/m);
  });
});
