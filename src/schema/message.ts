import type { CursoredMessage } from '../engine/discussion-service.js';
import { slowConsumer } from '../engine/errors.js';
import { pricedByModel } from '../pricing/cost.js';
import { builder } from './builder.js';
import { subscriberEvents } from './subscriber-events.js';
import { MessageRoleEnum, ProviderEnum } from './enums.js';
import { ToolCallType } from './tool-call.js';
import { UsageType } from './usage.js';

export const MessageType = builder.objectRef<CursoredMessage>('Message').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    cursor: t.exposeString('cursor', { description: 'Its place in the discussion log; pass it as `after` to resume from here.' }),
    discussionId: t.exposeID('discussionId'),
    author: t.exposeString('author'),
    role: t.field({ type: MessageRoleEnum, resolve: (message) => message.role }),
    provider: t.field({ type: ProviderEnum, nullable: true, resolve: (message) => message.provider ?? null }),
    model: t.string({ nullable: true, resolve: (message) => message.model ?? null }),
    content: t.exposeString('content'),
    round: t.exposeInt('round'),
    turn: t.exposeInt('turn', {
      description: 'The turn this message ended (agent and system messages) or was written in (human messages), from 0.',
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (message) => message.createdAt }),
    usage: t.field({
      type: UsageType,
      nullable: true,
      resolve: (message) => (message.usage ? pricedByModel(message.usage, message.provider, message.model) : null),
    }),
    finishReason: t.string({
      nullable: true,
      description:
        'Why the reply ended: stop, length, content_filter, cancelled (stopped by a user), tool_calls (it still asked for tools when MAX_TOOL_STEPS ran out) or other.',
      resolve: (message) => message.finishReason ?? null,
    }),
    timeToFirstTokenMs: t.int({ nullable: true, resolve: (message) => message.timeToFirstTokenMs ?? null }),
    durationMs: t.int({ nullable: true, resolve: (message) => message.durationMs ?? null }),
    toolCalls: t.field({
      type: [ToolCallType],
      description: 'The tools the agent called during this turn, in order (see `discussionEvents` for them live).',
      resolve: (message) => message.toolCalls ?? [],
    }),
    visibleTo: t.stringList({
      nullable: true,
      description:
        'The only participants whose contexts hold this message (a private message); null: everyone. Subscribers see it either way.',
      resolve: (message) => message.visibleTo ?? null,
    }),
  }),
});

const InjectOptions = builder.inputType('InjectOptions', {
  fields: (t) => ({
    visibleTo: t.stringList({
      description:
        'Makes the message private: only these participants (agents or humans, at least one) have it in their context. The author is not added. Null or left out: everyone.',
    }),
  }),
});

builder.mutationField('injectMessage', (t) =>
  t.field({
    type: MessageType,
    description:
      'A human message, persisted at once and seen by every later turn (only by the named participants with `options.visibleTo`). `author` defaults to "user" and must not be an agent\'s name.',
    args: {
      discussionId: t.arg.id({ required: true }),
      content: t.arg.string({ required: true }),
      author: t.arg.string(),
      options: t.arg({ type: InjectOptions }),
    },
    resolve: (_root, args, context) => context.discussions.inject(String(args.discussionId), args.content, args.author, args.options),
  }),
);

builder.subscriptionField('messageAdded', (t) =>
  t.field({
    type: MessageType,
    description:
      'Each committed message. With `after`, every message after that cursor is replayed first, then live ones follow with no gap. Completes when the discussion ends.',
    args: {
      discussionId: t.arg.id({ required: true }),
      after: t.arg.string(),
    },
    subscribe: (_root, args, context) =>
      subscriberEvents(context, String(args.discussionId), (event) => event.type === 'message', args.after),
    resolve: (event) => {
      if (event.type === 'overflow') throw slowConsumer(event.capacity);
      if (event.type !== 'message') throw new Error(`${event.type} events are not messages`);
      return { ...event.message, cursor: event.cursor };
    },
  }),
);
