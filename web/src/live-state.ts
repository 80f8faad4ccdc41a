/**
 * The live view's state, folded from `discussionEvents` and `Discussion.inFlight`:
 * the committed timeline (messages, speaker picks, status changes) in log order,
 * each persisted event once, and the message being written, joined by offset.
 *
 * Tokens are live only. The in-flight text starts from `Discussion.inFlight` and
 * grows by `text.slice(0, offset) + delta` whenever that is longer; a token that
 * starts past the end of the text means some were missed (a reconnect), so the
 * state asks for `inFlight` again (`gap`) and merges it the same way.
 *
 * Tool calls are persisted as they finish, before their message commits: they wait
 * under the id of the message being written, once per step and call id, and the committed
 * message brings its own `toolCalls` in their place.
 */
import { ENDED } from './format';
import type { DiscussionEventsSubscription, DiscussionQuery, ToolCallFieldsFragment } from './gql/graphql';

export type LiveEvent = DiscussionEventsSubscription['discussionEvents'];
type EventOf<T extends LiveEvent['__typename']> = Extract<LiveEvent, { __typename: T }>;
export type Message = EventOf<'MessageEvent'>['message'];
export type SpeakerPick = Omit<EventOf<'SpeakerSelectedEvent'>, '__typename'>;
export type StatusChange = Omit<EventOf<'StatusEvent'>, '__typename'>;
export type ToolCall = Omit<ToolCallFieldsFragment, '__typename'>;
export type InFlight = NonNullable<NonNullable<DiscussionQuery['discussion']>['inFlight']>;
export type StreamingMessage = Pick<InFlight, 'messageId' | 'author' | 'text'> & Partial<Omit<InFlight, 'messageId' | 'author' | 'text'>>;

export type TimelineItem =
  | { kind: 'message'; cursor: string; message: Message }
  | { kind: 'pick'; cursor: string; pick: SpeakerPick }
  | { kind: 'status'; cursor: string; change: StatusChange };

export interface LiveState {
  readonly items: readonly TimelineItem[];
  /** The last persisted event's cursor: resubscribe with it as `after`. */
  readonly cursor: string | undefined;
  readonly inFlight: StreamingMessage | undefined;
  /** The finished calls of messages not committed yet, by message id, in the order they finished. */
  readonly pendingToolCalls: ReadonlyMap<string, readonly ToolCall[]>;
  /** Tokens were missed: fetch `inFlight` and merge it. */
  readonly gap: boolean;
  readonly seenCursors: ReadonlySet<string>;
  readonly committedIds: ReadonlySet<string>;
  /** Tokens joined so far: a read that started after the last one and finds nothing in flight ends the text in flight. */
  readonly tokens: number;
}

export const EMPTY_LIVE_STATE: LiveState = {
  items: [],
  cursor: undefined,
  inFlight: undefined,
  pendingToolCalls: new Map(),
  gap: false,
  seenCursors: new Set(),
  committedIds: new Set(),
  tokens: 0,
};

function withItem(state: LiveState, item: TimelineItem): LiveState {
  if (state.seenCursors.has(item.cursor)) return state;
  return { ...state, items: [...state.items, item], cursor: item.cursor, seenCursors: new Set(state.seenCursors).add(item.cursor) };
}

function withoutPendingCalls(state: LiveState, messageId: string): LiveState {
  if (!state.pendingToolCalls.has(messageId)) return state;
  const pendingToolCalls = new Map(state.pendingToolCalls);
  pendingToolCalls.delete(messageId);
  return { ...state, pendingToolCalls };
}

function joinToolCall(state: LiveState, event: EventOf<'ToolCallEvent'>): LiveState {
  const { __typename: _, cursor, ...call } = event;
  if (state.seenCursors.has(cursor)) return state;
  const next = { ...state, cursor, seenCursors: new Set(state.seenCursors).add(cursor) };
  // A committed message shows its own `toolCalls`; a call replayed under another cursor is still the same call.
  if (state.committedIds.has(call.messageId)) return next;
  const calls = state.pendingToolCalls.get(call.messageId) ?? [];
  // Some OpenAI-compatible servers number calls per reply (call_0 again at the next step): a call is its step and id.
  if (calls.some((known) => known.id === call.id && known.step === call.step)) return next;
  return { ...next, pendingToolCalls: new Map(state.pendingToolCalls).set(call.messageId, [...calls, call]) };
}

function joinToken(previous: LiveState, token: EventOf<'TokenEvent'>): LiveState {
  if (previous.committedIds.has(token.messageId)) return previous;
  const state = { ...previous, tokens: previous.tokens + 1 };
  const current =
    state.inFlight?.messageId === token.messageId ? state.inFlight : { messageId: token.messageId, author: token.author, text: '' };
  if (token.offset > current.text.length) return { ...state, inFlight: current, gap: true };
  const text = current.text.slice(0, token.offset) + token.delta;
  if (text.length <= current.text.length && current === state.inFlight) return state;
  return { ...state, inFlight: { ...current, text: text.length > current.text.length ? text : current.text } };
}

export function applyEvent(state: LiveState, event: LiveEvent): LiveState {
  switch (event.__typename) {
    case 'TokenEvent':
      return joinToken(state, event);
    case 'ToolCallEvent':
      return joinToolCall(state, event);
    case 'MessageEvent': {
      const next = withoutPendingCalls(
        withItem(state, { kind: 'message', cursor: event.cursor, message: event.message }),
        event.message.id,
      );
      const committedIds = new Set(next.committedIds).add(event.message.id);
      const inFlight = next.inFlight?.messageId === event.message.id ? undefined : next.inFlight;
      return { ...next, committedIds, inFlight, gap: inFlight ? next.gap : false };
    }
    case 'SpeakerSelectedEvent': {
      const { __typename: _, ...pick } = event;
      return withItem(state, { kind: 'pick', cursor: event.cursor, pick });
    }
    case 'StatusEvent': {
      const { __typename: _, ...change } = event;
      const next = withItem(state, { kind: 'status', cursor: event.cursor, change });
      // An ended discussion writes nothing more: a reply cut short by a failure is not left "writing".
      return ENDED.has(event.status) ? { ...next, inFlight: undefined, pendingToolCalls: new Map(), gap: false } : next;
    }
    case 'TurnRestartedEvent': {
      const next = withoutPendingCalls(state, event.discardedMessageId);
      return next.inFlight?.messageId === event.discardedMessageId ? { ...next, inFlight: undefined, gap: false } : next;
    }
    default: {
      // Every kind this view was built with is handled above; one a newer server sends is left out, not shown wrong.
      const unhandled: never = event;
      void unhandled;
      return state;
    }
  }
}

/**
 * Merges `Discussion.inFlight` as read by a read that started when `tokensAtStart` tokens were joined: the longer
 * text wins for the same message; a message already committed is not brought back; nothing in flight, with no token
 * since the read started, ends the text in flight (a turn that failed commits a note under another id).
 */
export function mergeInFlight(state: LiveState, inFlight: InFlight | null | undefined, tokensAtStart: number): LiveState {
  if (!inFlight) return state.tokens === tokensAtStart ? { ...state, inFlight: undefined, gap: false } : { ...state, gap: false };
  if (state.committedIds.has(inFlight.messageId)) return { ...state, gap: false };
  const current = state.inFlight;
  if (current?.messageId === inFlight.messageId && current.text.length >= inFlight.text.length) {
    return { ...state, inFlight: { ...inFlight, text: current.text }, gap: false };
  }
  return { ...state, inFlight, gap: false };
}
