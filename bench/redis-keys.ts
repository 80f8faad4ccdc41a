/** The benchmark's Redis keys: each run works under its own prefix and deletes everything under it at the end. */
import { Redis } from 'ioredis';
import { escapeGlob } from './stats.js';

/** Deletes every key of a run: SCAN MATCH prefix* and DEL, batch by batch. */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { connectionName: 'bench-cleanup', lazyConnect: true });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return deleted;
}
