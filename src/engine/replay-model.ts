// The REPLAY provider: a replay's calls answered from its source's recordings
// (RECORD_PROVIDER_CALLS), part by part, at `speed` times the recorded pace.

import { addUsage, type Usage } from '../domain.js';
import { ProviderError } from '../providers/errors.js';
import { sleep as sleepUntilAborted } from '../providers/stream-control.js';
import type { ChatModel, StreamPart } from '../providers/types.js';
import type { CallLabel, ProviderCallRecording, RecordedPart } from '../store/provider-call-records.js';
import type { DiscussionStore, ReplaySource } from '../store/types.js';
import { stepSeparator } from './reply-steps.js';
import { createSourceCache } from './source-cache.js';

/** A part as it is kept: an error keeps its kind, our message and the status. */
export function toRecordedPart(part: StreamPart): RecordedPart {
  if (part.type !== 'error') return part;
  const { kind, message, status } = part.error;
  return { type: 'error', error: { kind, message, ...(status === undefined ? {} : { status }) } };
}

export function fromRecordedPart(part: RecordedPart): StreamPart {
  if (part.type !== 'error') return part;
  const { kind, message, status } = part.error;
  return { type: 'error', error: new ProviderError(kind, message, { status }) };
}

/** The replay's clock; tests pass one whose sleep moves time on at once. */
export interface ReplayClock {
  now(): number;
  sleep(milliseconds: number, signal: AbortSignal): Promise<void>;
}

const REAL_CLOCK: ReplayClock = { now: () => Date.now(), sleep: sleepUntilAborted };

/**
 * The calls of the group that counted for one turn's reply or pick: the last one made (an
 * earlier group is an attempt that a crash or a pause cut off), in step order.
 */
export function recordedGroup(recordings: readonly ProviderCallRecording[], label: CallLabel): ProviderCallRecording[] {
  const matching = recordings.filter((recording) => recording.turn === label.turn && recording.purpose === label.purpose);
  const group = matching.at(-1)?.group;
  return matching.filter((recording) => recording.group === group).sort((a, b) => a.step - b.step);
}

/**
 * Streams recorded calls as one: a reply's tool loop comes back as a single call whose text
 * is every step's, joined as the loop joined them, and whose finish sums their usage. The
 * replay runs no tools, so the calls themselves are not streamed. An error ends it there.
 */
async function* replayCalls(
  calls: readonly ProviderCallRecording[],
  speed: number,
  signal: AbortSignal,
  clock: ReplayClock,
): AsyncGenerator<StreamPart> {
  const began = clock.now();
  const origin = Date.parse(calls[0]?.startedAt ?? '');
  let text = '';
  const usage: Usage = {};
  let finish: Extract<StreamPart, { type: 'finish' }> | undefined;
  for (const [index, call] of calls.entries()) {
    const offset = Math.max(0, Date.parse(call.startedAt) - origin) || 0;
    let stepText = '';
    for (const { atMs, part } of call.parts) {
      if (speed > 0) {
        const wait = began + (offset + atMs) / speed - clock.now();
        if (wait > 0) await clock.sleep(wait, signal);
      }
      if (signal.aborted) return;
      if (part.type === 'text-delta') {
        if (part.text === '') continue;
        const delta = (index > 0 && stepText === '' ? stepSeparator(text) : '') + part.text;
        stepText += part.text;
        text += delta;
        yield { type: 'text-delta', text: delta };
      } else if (part.type === 'finish') {
        addUsage(usage, part.usage);
        finish = part;
      } else if (part.type === 'error') {
        yield fromRecordedPart(part);
        return;
      }
    }
  }
  if (finish) yield { type: 'finish', finishReason: finish.finishReason, usage };
}

export function createReplayModels(store: DiscussionStore, clock: ReplayClock = REAL_CLOCK) {
  // an ended discussion's recordings no longer change
  const recordingsOf = createSourceCache((discussionId) => store.readProviderCalls(discussionId));

  /** The REPLAY model of one reply or one pick: its n-th call streams the n-th recorded one (a reply's loop streams as one). */
  function modelFor(source: ReplaySource, label: CallLabel): ChatModel {
    let calls = 0;
    return {
      provider: 'REPLAY',
      async *stream(request) {
        calls += 1;
        const group = recordedGroup(await recordingsOf(source.discussionId), label);
        const replayed = label.purpose === 'reply' ? (calls === 1 ? group : []) : group.filter((call) => call.step === calls);
        if (replayed.length === 0) {
          const error = new ProviderError('bad_request', `the recording has no ${label.purpose} call ${calls} for turn ${label.turn}`);
          yield { type: 'error', error };
          return;
        }
        yield* replayCalls(replayed, source.speed, request.signal, clock);
      },
    };
  }

  return { modelFor };
}
