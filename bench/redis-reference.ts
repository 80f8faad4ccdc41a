import { Redis } from 'ioredis';
import { escapeGlob, tokenKey } from './stats.js';

/** What this reference reads of a token event as the engine publishes it on a discussion channel. */
interface TokenPayload {
  type: 'token';
  messageId: string;
  index: number;
  delta: string;
}

function isTokenPayload(value: unknown): value is TokenPayload {
  if (typeof value !== 'object' || value === null) return false;
  return (
    'type' in value &&
    value.type === 'token' &&
    'messageId' in value &&
    typeof value.messageId === 'string' &&
    'index' in value &&
    typeof value.index === 'number' &&
    'delta' in value &&
    typeof value.delta === 'string'
  );
}

/**
 * A plain ioredis subscriber on every discussion channel of the run. The time a
 * raw token event reaches it is the latency reference: about the publish time
 * plus one Redis hop, the same hop the app's own subscriber connection makes.
 */
export interface RedisReference {
  /** `performance.now()` when the raw token event arrived here, by `tokenKey`. */
  receivedAt(key: string): number | undefined;
  /** Token events seen since the last reset. */
  readonly tokens: number;
  /** The deltas seen for a message, in index order (holes stay empty). */
  textOf(messageId: string): string | undefined;
  reset(): void;
  close(): Promise<void>;
}

export async function createRedisReference(redisUrl: string, keyPrefix: string): Promise<RedisReference> {
  const redis = new Redis(redisUrl, { connectionName: 'bench-reference', lazyConnect: true });
  const arrivals = new Map<string, number>();
  const deltas = new Map<string, string[]>();
  let tokens = 0;

  redis.on('pmessage', (_pattern: string, _channel: string, message: string) => {
    const at = performance.now();
    const event: unknown = JSON.parse(message);
    if (!isTokenPayload(event)) return;
    tokens += 1;
    arrivals.set(tokenKey(event.messageId, event.index), at);
    const parts = deltas.get(event.messageId) ?? [];
    parts[event.index] = event.delta;
    deltas.set(event.messageId, parts);
  });
  await redis.connect();
  await redis.psubscribe(`${escapeGlob(keyPrefix)}disc:*:events`);

  return {
    receivedAt: (key) => arrivals.get(key),
    get tokens() {
      return tokens;
    },
    textOf: (messageId) => deltas.get(messageId)?.join(''),
    reset() {
      arrivals.clear();
      deltas.clear();
      tokens = 0;
    },
    async close() {
      await redis.quit();
    },
  };
}
