import type { Redis } from 'ioredis';
import { createRedisKeys } from '../store/redis-keys.js';
import { appendTokensScript } from '../store/redis-in-flight-lua.js';
import { runScript } from '../store/redis-scripts.js';
import { discussionChannel } from './bus.js';
import type { TokenWriter } from './token-writer.js';

/** The most writes one script carries: a script holds every other client of Redis while it runs. */
export const MAX_TOKEN_WRITES_PER_SCRIPT = 128;

/** The writes of one event-loop turn, and who waits for each. */
interface Batch {
  keys: string[];
  args: string[];
  waiters: { resolve: (written: boolean) => void; reject: (error: unknown) => void }[];
}

/**
 * The hot path in Redis mode. Each write appends a delta to its message's
 * in-flight text and publishes the event, fenced by the in-flight message id.
 * Every running turn streams at once, so the writes of one event-loop turn
 * (every discussion's) go out as one script: one command, one reply and one
 * round trip for all of them, instead of one each. A discussion's writes come
 * one at a time (its token sink awaits each), and scripts run in the order
 * sent, so each discussion's text and events stay in order.
 */
export function createRedisTokenWriter({ redis, keyPrefix = '' }: { redis: Redis; keyPrefix?: string }): TokenWriter {
  const keys = createRedisKeys(keyPrefix);
  let batch: Batch | undefined;

  const send = ({ keys: batchKeys, args, waiters }: Batch): void => {
    runScript(redis, appendTokensScript, batchKeys, args).then(
      (reply) => {
        if (!Array.isArray(reply) || reply.length !== waiters.length) {
          const error = new Error(`append-tokens answered ${JSON.stringify(reply)} for ${waiters.length} writes`);
          for (const waiter of waiters) waiter.reject(error);
          return;
        }
        waiters.forEach((waiter, at) => waiter.resolve(reply[at] === 1));
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    );
  };

  const flush = (): void => {
    const full = batch;
    batch = undefined;
    if (full) send(full);
  };

  return {
    write(event) {
      return new Promise<boolean>((resolve, reject) => {
        if (!batch) {
          batch = { keys: [], args: [], waiters: [] };
          // After this turn's timers and I/O callbacks: every turn that streamed in them joins this script.
          setImmediate(flush);
        }
        batch.keys.push(keys.inFlight(event.discussionId), keys.inFlightText(event.discussionId));
        batch.args.push(event.messageId, event.delta, discussionChannel(keyPrefix, event.discussionId), JSON.stringify(event));
        batch.waiters.push({ resolve, reject });
        if (batch.waiters.length >= MAX_TOKEN_WRITES_PER_SCRIPT) flush();
      });
    },
  };
}
