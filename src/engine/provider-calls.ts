// Every model call of a turn goes through here: a reply's steps (src/engine/agent-turn.ts) and a
// pick's answers (src/engine/speaker-selection.ts). Each call first waits for its provider's
// PROVIDER_CONCURRENCY slot (src/limits/provider-slots.ts). A discussion created with
// RECORD_PROVIDER_CALLS has each call's request and streamed parts kept with it; a replay's
// calls are answered from its source's recording (replay-model.ts) and wait for nothing.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ProviderName } from '../domain.js';
import type { ProviderSlots } from '../limits/provider-slots.js';
import { ProviderError } from '../providers/errors.js';
import type { ChatModel, ChatRequest, ProviderRegistry, StreamPart } from '../providers/types.js';
import type { CallLabel, ProviderCallRecording } from '../store/provider-call-records.js';
import type { DiscussionRecord, DiscussionStore } from '../store/types.js';
import { createReplayModels, toRecordedPart } from './replay-model.js';

export type { CallLabel } from '../store/provider-call-records.js';

export interface ProviderCalls {
  /**
   * The model one reply or one pick of `record` calls (a tool loop's steps and a pick's
   * correction call it again): the configured adapter, its calls recorded when the discussion
   * records them; for REPLAY the recording of the discussion it replays. Undefined when the
   * provider is not configured.
   */
  modelFor(record: DiscussionRecord, provider: ProviderName, label: CallLabel): ChatModel | undefined;
}

/** The request as it is kept: everything but the abort signal. */
function recordedRequest(request: ChatRequest): ProviderCallRecording['request'] {
  const { signal, ...kept } = request;
  void signal;
  return structuredClone(kept);
}

/** Streams the call once its provider has a slot for it; nothing when the turn is stopped while it waits. */
async function* scheduled(
  slots: ProviderSlots,
  model: ChatModel,
  request: ChatRequest,
  owner: string,
  logger: Logger,
): AsyncGenerator<StreamPart> {
  let lease;
  try {
    lease = await slots.acquire({ provider: model.provider, owner, signal: request.signal });
  } catch (error) {
    logger.error(
      { provider: model.provider, message: error instanceof Error ? error.message : String(error) },
      'could not get a provider call slot',
    );
    const message = `${model.provider} call not made: no slot could be had (PROVIDER_CONCURRENCY's store failed)`;
    yield { type: 'error', error: new ProviderError('network', message) };
    return;
  }
  if (!lease) return;
  try {
    yield* model.stream(request);
  } finally {
    await lease.release().catch(() => undefined);
  }
}

export function createProviderCalls({
  store,
  providers,
  logger,
  slots,
}: {
  store: DiscussionStore;
  providers: ProviderRegistry;
  logger: Logger;
  /** PROVIDER_CONCURRENCY; calls go out at once when absent. */
  slots?: ProviderSlots;
}): ProviderCalls {
  const replays = createReplayModels(store);

  /** Streams the call and, once it has ended however it ended, keeps what it streamed. */
  async function* recorded(
    model: ChatModel,
    request: ChatRequest,
    entry: Omit<ProviderCallRecording, 'request' | 'parts' | 'startedAt'>,
    discussionId: string,
  ): AsyncGenerator<StreamPart> {
    const began = Date.now();
    const startedAt = new Date(began).toISOString();
    const parts: ProviderCallRecording['parts'] = [];
    try {
      for await (const part of model.stream(request)) {
        parts.push({ atMs: Date.now() - began, part: toRecordedPart(part) });
        yield part;
      }
    } finally {
      const recording: ProviderCallRecording = { ...entry, startedAt, request: recordedRequest(request), parts };
      // a recording that cannot be kept costs the replay that call, not the turn
      await store
        .appendProviderCall(discussionId, recording)
        .catch((error: unknown) =>
          logger.warn(
            { discussionId, turn: entry.turn, message: error instanceof Error ? error.message : String(error) },
            'could not keep the recording of a provider call',
          ),
        );
    }
  }

  /** The model whose calls are kept with the discussion, one group per reply or pick. */
  function recording(model: ChatModel, record: DiscussionRecord, provider: ProviderName, label: CallLabel): ChatModel {
    const group = randomUUID();
    let step = 0;
    return {
      provider: model.provider,
      stream: (request) => {
        step += 1;
        return recorded(model, request, { ...label, group, step, provider }, record.id);
      },
    };
  }

  function modelFor(record: DiscussionRecord, provider: ProviderName, label: CallLabel): ChatModel | undefined {
    if (provider === 'REPLAY') return record.replayOf ? replays.modelFor(record.replayOf, label) : undefined;
    const configured = providers.get(provider);
    if (!configured) return undefined;
    // recorded inside the wait: a recording's times start when the call does
    const model = record.recordCalls === true ? recording(configured, record, provider, label) : configured;
    if (!slots) return model;
    return { provider: model.provider, stream: (request) => scheduled(slots, model, request, record.owner, logger) };
  }

  return { modelFor };
}
