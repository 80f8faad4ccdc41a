/**
 * The live view's state, folded from `discussionEvents` and `Discussion.inFlight`:
 * the committed timeline (messages, speaker picks, status changes) in log order,
 * each persisted event once, and the message being written, joined by offset.
 *
 * Tokens are live only. The in-flight text starts from `Discussion.inFlight` and
 * grows by `text.slice(0, offset) + delta` whenever that is longer; a token that
 * starts past the end of the text means some were missed (a reconnect), so the
 * state asks for `inFlight` again (`gap`) and merges it the same way.
 */
import { ENDED } from './format';
import type { DiscussionEventsSubscription, DiscussionQuery } from './gql/graphql';

export type LiveEvent = DiscussionEventsSubscription['discussionEvents'];
type EventOf<T extends LiveEvent['__typename']> = Extract<LiveEvent, { __typename: T }>;
export type Message = EventOf<'MessageEvent'>['message'];
export type SpeakerPick = Omit<EventOf<'SpeakerSelectedEvent'>, '__typename'>;
export type StatusChange = Omit<EventOf<'StatusEvent'>, '__typename'>;
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
  gap: false,
  seenCursors: new Set(),
  committedIds: new Set(),
  tokens: 0,
};

function withItem(state: LiveState, item: TimelineItem): LiveState {
  if (state.seenCursors.has(item.cursor)) return state;
  return { ...state, items: [...state.items, item], cursor: item.cursor, seenCursors: new Set(state.seenCursors).add(item.cursor) };
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
    case 'MessageEvent': {
      const next = withItem(state, { kind: 'message', cursor: event.cursor, message: event.message });
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
      return ENDED.has(event.status) ? { ...next, inFlight: undefined, gap: false } : next;
    }
    case 'TurnRestartedEvent':
      return state.inFlight?.messageId === event.discardedMessageId ? { ...state, inFlight: undefined, gap: false } : state;
    default:
      return state;
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
