// RECORD_PROVIDER_CALLS in Redis: one list per discussion (disc:{ID}:calls, see redis-keys.ts),
// in the discussion's slot, deleted and expired with its other keys.

import type { Redis } from 'ioredis';
import { jsonText } from './records.js';
import { decodeWith, type Readable } from './redis-codec.js';
import type { RedisKeys } from './redis-keys.js';
import { appendProviderCallScript, runScript } from './redis-scripts.js';
import { providerCallRecordingSchema, type ProviderCallRecording } from './provider-call-records.js';
import type { DiscussionStore } from './types.js';

const recordingText = jsonText(providerCallRecordingSchema);

export function createRedisProviderCalls({
  redis,
  keys,
  readable,
}: {
  redis: Redis;
  keys: RedisKeys;
  readable: Readable;
}): Pick<DiscussionStore, 'appendProviderCall' | 'readProviderCalls'> {
  return {
    async appendProviderCall(id, recording) {
      await runScript(redis, appendProviderCallScript, [keys.discussion(id), keys.providerCalls(id)], [JSON.stringify(recording)]);
    },

    async readProviderCalls(id) {
      const items = await redis.lrange(keys.providerCalls(id), 0, -1);
      const recordings: ProviderCallRecording[] = [];
      for (const [index, item] of items.entries()) {
        // one that does not parse is left out (and logged): the replay of that call says it has none
        const recording = readable(
          decodeWith(recordingText, item),
          { discussionId: id, index: String(index) },
          'unreadable provider call recording',
        );
        if (recording) recordings.push(recording);
      }
      return recordings;
    },
  };
}
