import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import { createYoga, isAsyncIterable } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { createAsyncQueue } from '../../src/events/async-queue.js';
import { useSharedSubscriptionResults } from '../../src/http/use-shared-subscription-results.js';

interface Tick {
  room: string;
  value: string;
}

/** One event object per publish, handed to every subscriber of its room, as the event bus does. */
function createHub() {
  const queues = new Set<{ room: string; push: (tick: Tick) => void }>();
  return {
    subscribe(room: string): AsyncIterableIterator<Tick> {
      const queue = createAsyncQueue<Tick>(() => queues.delete(entry));
      const entry = { room, push: (tick: Tick) => queue.push(tick) };
      queues.add(entry);
      return queue.iterator;
    },
    publish(tick: Tick) {
      for (const queue of queues) if (queue.room === tick.room) queue.push(tick);
    },
  };
}

describe('subscription results shared between identical subscriptions', () => {
  const hub = createHub();
  let resolverCalls = 0;
  const TickType = new GraphQLObjectType<Tick>({
    name: 'Tick',
    fields: {
      value: {
        type: GraphQLString,
        resolve: (tick) => {
          resolverCalls += 1;
          if (tick.value === 'boom') throw new Error('tick boom failed');
          return tick.value;
        },
      },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString, resolve: () => 'ok' } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        tick: {
          type: TickType,
          args: { room: { type: GraphQLString } },
          subscribe: (_root, args: { room?: string }) => hub.subscribe(args.room ?? 'lobby'),
          resolve: (tick: Tick) => tick,
        },
      },
    }),
  });
  const scopeOf = (contextValue: unknown) =>
    typeof contextValue === 'object' && contextValue !== null && 'scope' in contextValue && typeof contextValue.scope === 'string'
      ? contextValue.scope
      : undefined;
  const yoga = createYoga({ schema, plugins: [useSharedSubscriptionResults({ scopeOf })], logging: false });
  const document = parse('subscription($room: String) { tick(room: $room) { value } }');

  async function subscribe(room: string, scope: string) {
    const { subscribe: run, contextFactory } = yoga.getEnveloped({ scope });
    const contextValue: unknown = await contextFactory();
    const result: unknown = await run({ schema, document, variableValues: { room }, contextValue });
    if (!isAsyncIterable(result)) return expect.fail('the subscription did not start');
    return result[Symbol.asyncIterator]();
  }

  it('executes each event once per document, variables and scope, and hands every subscriber the same result', async () => {
    const first = await subscribe('red', 'owner-a');
    const second = await subscribe('red', 'owner-a');
    const otherScope = await subscribe('red', 'owner-b');
    const otherRoom = await subscribe('blue', 'owner-a');

    const ticks = [
      { room: 'red', value: 'one' },
      { room: 'red', value: 'two' },
      { room: 'blue', value: 'three' },
    ];
    for (const tick of ticks) hub.publish(tick);

    const read = async (iterator: AsyncIterator<unknown>, count: number) => {
      const results: unknown[] = [];
      for (let index = 0; index < count; index += 1) results.push((await iterator.next()).value);
      return results;
    };
    const [firstResults, secondResults, otherScopeResults, otherRoomResults] = await Promise.all([
      read(first, 2),
      read(second, 2),
      read(otherScope, 2),
      read(otherRoom, 1),
    ]);

    expect(firstResults).toEqual([{ data: { tick: { value: 'one' } } }, { data: { tick: { value: 'two' } } }]);
    // The same subscription twice: one execution per event, one result object.
    expect(secondResults[0]).toBe(firstResults[0]);
    expect(secondResults[1]).toBe(firstResults[1]);
    // Another scope gets its own execution, with the same data.
    expect(otherScopeResults).toEqual(firstResults);
    expect(otherScopeResults[0]).not.toBe(firstResults[0]);
    expect(otherRoomResults).toEqual([{ data: { tick: { value: 'three' } } }]);
    // Two red events for two scopes, one blue event for one: 5 executions, not the 7 of one per subscriber.
    expect(resolverCalls).toBe(5);

    for (const iterator of [first, second, otherScope, otherRoom]) await iterator.return?.();
  });

  it('writes a result without errors once as JSON to every idle subscriber whose transport can, past its iterators', async () => {
    const sent: { subscriber: string; payload: Buffer }[] = [];
    let backedUp = false;
    const sendPayloadOf = (contextValue: unknown) => {
      const subscriber: unknown =
        typeof contextValue === 'object' && contextValue !== null ? Reflect.get(contextValue, 'subscriber') : undefined;
      if (typeof subscriber !== 'string') return undefined;
      return (payload: Buffer) => !backedUp && sent.push({ subscriber, payload }) > 0;
    };
    const direct = createYoga({ schema, plugins: [useSharedSubscriptionResults({ scopeOf, sendPayloadOf })], logging: false });
    const open = async (subscriber: string) => {
      const { subscribe: run, contextFactory } = direct.getEnveloped({ scope: 'owner-a', subscriber });
      const contextValue: unknown = await contextFactory();
      const result: unknown = await run({ schema, document, variableValues: { room: 'green' }, contextValue });
      if (!isAsyncIterable(result)) return expect.fail('the subscription did not start');
      return result[Symbol.asyncIterator]();
    };
    const first = await open('first');
    const second = await open('second');
    const settled = new Set<string>();
    const watch = (name: string, iterator: AsyncIterator<unknown>) => {
      const next = iterator.next();
      void next.then(() => settled.add(name));
      return next;
    };
    const firstNext = watch('first', first);
    const secondNext = watch('second', second);
    // Both consumers wait with nothing queued: one execution, one JSON text, written for each; neither iterator yields it.
    const callsBefore = resolverCalls;
    hub.publish({ room: 'green', value: 'direct' });
    await new Promise((resolve) => setImmediate(resolve));
    const payload = JSON.stringify({ data: { tick: { value: 'direct' } } });
    expect(sent.map((write) => ({ ...write, payload: write.payload.toString('utf8') }))).toEqual([
      { subscriber: 'first', payload },
      { subscriber: 'second', payload },
    ]);
    // Encoded once, for both.
    expect(sent[0]?.payload).toBe(sent[1]?.payload);
    expect(resolverCalls).toBe(callsBefore + 1);
    expect(settled.size).toBe(0);

    // A result with errors goes the usual way, through every plugin's hooks: yoga's masking hides this one's message.
    hub.publish({ room: 'green', value: 'boom' });
    const masked = { done: false, value: { data: { tick: { value: null } }, errors: [{ message: 'Unexpected error.' }] } };
    expect(await firstNext).toMatchObject(masked);
    expect(await secondNext).toMatchObject(masked);
    // So does one the transport cannot take now.
    backedUp = true;
    const waiting = [first.next(), second.next()];
    hub.publish({ room: 'green', value: 'queued' });
    const queued = { done: false, value: { data: { tick: { value: 'queued' } } } };
    expect(await Promise.all(waiting)).toEqual([queued, queued]);
    expect(sent).toHaveLength(2);

    for (const iterator of [first, second]) await iterator.return?.();
  });
});
