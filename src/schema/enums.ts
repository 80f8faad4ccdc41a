import { DISCUSSION_STATUSES, MESSAGE_ROLES, PROTOCOLS, PROVIDERS, STANCES } from '../domain.js';
import { builder } from './builder.js';

export const ProviderEnum = builder.enumType('Provider', { values: PROVIDERS });
export const ProtocolEnum = builder.enumType('Protocol', { values: PROTOCOLS });
export const DiscussionStatusEnum = builder.enumType('DiscussionStatus', { values: DISCUSSION_STATUSES });
export const StanceEnum = builder.enumType('Stance', { values: STANCES });
export const MessageRoleEnum = builder.enumType('MessageRole', { values: MESSAGE_ROLES });
