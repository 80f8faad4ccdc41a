import type { Redis } from 'ioredis';
import { createRedisKeys } from '../store/redis-keys.js';
import { appendTokenScript } from '../store/redis-in-flight-lua.js';
import { runScript } from '../store/redis-scripts.js';
import { discussionChannel } from './bus.js';
import type { TokenWriter } from './token-writer.js';

/**
 * The hot path in Redis mode: one script per flush appends the delta to the
 * in-flight text and publishes the event, fenced by the in-flight message id,
 * so each flush costs one round trip instead of two.
 */
export function createRedisTokenWriter({ redis, keyPrefix = '' }: { redis: Redis; keyPrefix?: string }): TokenWriter {
  const keys = createRedisKeys(keyPrefix);
  return {
    async write(event) {
      const reply = await runScript(
        redis,
        appendTokenScript,
        [keys.inFlight(event.discussionId), keys.inFlightText(event.discussionId)],
        [event.messageId, event.delta, discussionChannel(keyPrefix, event.discussionId), JSON.stringify(event)],
      );
      return reply === 1;
    },
  };
}
