import type { SpeakerSelection, StatusChange } from '../store/types.js';
import type { CursoredMessage } from '../engine/discussion-service.js';
import type { OverflowEvent, StreamEvent, TokenEvent, TurnRestartedEvent } from '../events/types.js';
import { slowConsumer } from '../engine/errors.js';
import { pricedByModel } from '../pricing/cost.js';
import { builder } from './builder.js';
import { subscriberEvents } from './subscriber-events.js';
import { DiscussionStatusEnum } from './enums.js';
import { MessageType } from './message.js';
import { ToolCallEventType, type ToolCallEventShape } from './tool-call.js';
import { UsageType } from './usage.js';

type MessageEventShape = { type: 'message'; cursor: string; message: CursoredMessage };
type StatusEventShape = StatusChange & { type: 'status'; cursor: string; discussionId: string };
/** A pick of the next speaker (OPEN and MODERATED protocols). */
type SpeakerSelectedShape = SpeakerSelection & { type: 'speaker_selected'; cursor: string; discussionId: string };
type DiscussionEventShape =
  MessageEventShape | TokenEvent | StatusEventShape | SpeakerSelectedShape | TurnRestartedEvent | ToolCallEventShape;

const TokenEventType = builder.objectRef<TokenEvent>('TokenEvent').implement({
  description: 'A streamed chunk of the message being written. The deltas of a message, in `index` order, concatenate to its content.',
  fields: (t) => ({
    discussionId: t.exposeID('discussionId'),
    messageId: t.exposeID('messageId'),
    author: t.exposeString('author'),
    delta: t.exposeString('delta'),
    index: t.exposeInt('index', {
      description:
        "This event's place among its message's token events, from 0. Events joined under load carry the first one's index, so indexes may skip.",
    }),
    offset: t.exposeInt('offset', {
      description:
        'Where `delta` starts in the message text (UTF-16 code units). Joining by offset is exact even across a reconnect: keep `text.slice(0, offset) + delta` when it is longer than what you have, starting from `inFlight.text`.',
    }),
  }),
});

const MessageEventType = builder.objectRef<MessageEventShape>('MessageEvent').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    message: t.field({ type: MessageType, resolve: (event) => event.message }),
  }),
});

const StatusEventType = builder.objectRef<StatusEventShape>('StatusEvent').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    discussionId: t.exposeID('discussionId'),
    status: t.field({ type: DiscussionStatusEnum, resolve: (event) => event.status }),
    stopReason: t.string({ nullable: true, resolve: (event) => event.stopReason ?? null }),
    error: t.string({ nullable: true, resolve: (event) => event.error ?? null }),
    at: t.field({ type: 'DateTime', resolve: (event) => event.at }),
  }),
});

const SpeakerSelectedEventType = builder.objectRef<SpeakerSelectedShape>('SpeakerSelectedEvent').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    discussionId: t.exposeID('discussionId'),
    speaker: t.exposeString('speaker'),
    reason: t.exposeString('reason'),
    candidates: t.exposeStringList('candidates'),
    attempts: t.exposeInt('attempts'),
    fellBack: t.exposeBoolean('fellBack', { description: 'The selector gave no usable answer, so turn order decided.' }),
    at: t.field({ type: 'DateTime', resolve: (event) => event.at }),
    usage: t.field({
      type: UsageType,
      nullable: true,
      description: "The picking model's tokens, priced at its price.",
      resolve: (event) => (event.usage ? pricedByModel(event.usage, event.provider, event.model) : null),
    }),
  }),
});

const TurnRestartedEventType = builder.objectRef<TurnRestartedEvent>('TurnRestartedEvent').implement({
  description:
    'The process running a turn died and the turn starts over: drop the tokens of `discardedMessageId`; the new attempt streams under a new message id from index 0.',
  fields: (t) => ({
    discussionId: t.exposeID('discussionId'),
    turn: t.exposeInt('turn'),
    discardedMessageId: t.exposeID('discardedMessageId'),
  }),
});

const DiscussionEventUnion = builder.unionType('DiscussionEvent', {
  types: [MessageEventType, TokenEventType, StatusEventType, SpeakerSelectedEventType, TurnRestartedEventType, ToolCallEventType],
  resolveType: (event: DiscussionEventShape) => {
    switch (event.type) {
      case 'message':
        return MessageEventType;
      case 'token':
        return TokenEventType;
      case 'status':
        return StatusEventType;
      case 'speaker_selected':
        return SpeakerSelectedEventType;
      case 'turn_restarted':
        return TurnRestartedEventType;
      case 'tool_call':
        return ToolCallEventType;
      default: {
        const unknown: never = event;
        throw new Error(`unknown event ${JSON.stringify(unknown)}`);
      }
    }
  },
});

/** The payload of a discussionEvents result: resolved once per event (results are shared by identical subscriptions). */
function toDiscussionEvent(event: Exclude<StreamEvent, OverflowEvent>): DiscussionEventShape | undefined {
  switch (event.type) {
    case 'message':
      return { type: 'message', cursor: event.cursor, message: { ...event.message, cursor: event.cursor } };
    case 'status':
      return { ...event.change, type: 'status', cursor: event.cursor, discussionId: event.discussionId };
    case 'speaker_selected':
      return { ...event.selection, type: 'speaker_selected', cursor: event.cursor, discussionId: event.discussionId };
    case 'tool_call':
      return { ...event.toolCall, type: 'tool_call', cursor: event.cursor, discussionId: event.discussionId };
    case 'token':
    case 'turn_restarted':
      return event;
    case 'turn_ended':
    case 'deleted':
      return undefined;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

builder.subscriptionFields((t) => ({
  tokenStreamed: t.field({
    type: TokenEventType,
    description:
      'Live tokens of every message as it is written (not replayed: read `Discussion.inFlight` for the text so far, and join by `offset`).',
    args: { discussionId: t.arg.id({ required: true }) },
    subscribe: (_root, args, context) => subscriberEvents(context, String(args.discussionId), (event) => event.type === 'token'),
    resolve: (event) => {
      if (event.type === 'overflow') throw slowConsumer(event.capacity);
      if (event.type !== 'token') throw new Error(`${event.type} events are not tokens`);
      return event;
    },
  }),
  discussionEvents: t.field({
    type: DiscussionEventUnion,
    description: 'Every event of a discussion. With `after`, persisted events after that cursor are replayed first; tokens are live only.',
    args: { discussionId: t.arg.id({ required: true }), after: t.arg.string() },
    subscribe: (_root, args, context) =>
      subscriberEvents(context, String(args.discussionId), (event) => event.type !== 'turn_ended' && event.type !== 'deleted', args.after),
    resolve: (event) => {
      if (event.type === 'overflow') throw slowConsumer(event.capacity);
      const shape = toDiscussionEvent(event);
      if (!shape) throw new Error(`${event.type} events are not delivered`);
      return shape;
    },
  }),
}));
