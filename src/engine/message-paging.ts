import type { MessageRecord, DiscussionStore, Page } from '../store/types.js';
import { isCursor } from '../store/types.js';
import { badInput } from './errors.js';

/** A message together with its place in the log. */
export type CursoredMessage = MessageRecord & { cursor: string };

export interface MessagePageRequest {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/** A log cursor from the client, refused (without repeating it) when it is not one of ours. */
export function checkCursor(value: string | null | undefined, field: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (!isCursor(value)) throw badInput(field, 'is not a cursor from this API');
  return value;
}

export function checkPageSize(value: number | null | undefined, field: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE) throw badInput(field, `must be between 0 and ${MAX_PAGE}`);
  return value;
}

/** Relay paging over the log: `first`/`after` read forward, `last`/`before` backward. */
export async function readMessagePage(store: DiscussionStore, id: string, request: MessagePageRequest) {
  const first = checkPageSize(request.first, 'first');
  const last = checkPageSize(request.last, 'last');
  const after = checkCursor(request.after, 'after');
  const before = checkCursor(request.before, 'before');
  if (first !== undefined && last !== undefined) throw badInput('last', 'use either first or last, not both');
  const backward = last !== undefined || (before !== undefined && after === undefined && first === undefined);
  const page: Page<{ cursor: string; message: MessageRecord }> = await store.readMessages(id, {
    after,
    before,
    limit: (backward ? last : first) ?? DEFAULT_PAGE,
    direction: backward ? 'backward' : 'forward',
  });
  const items: CursoredMessage[] = page.items.map(({ cursor, message }) => ({ ...message, cursor }));
  return {
    items,
    hasNextPage: backward ? before !== undefined : page.hasMore,
    hasPreviousPage: backward ? page.hasMore : after !== undefined,
  };
}

/** The whole transcript, oldest first, read page by page. */
export async function readAllMessages(store: DiscussionStore, id: string): Promise<MessageRecord[]> {
  const messages: MessageRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.readMessages(id, { after, limit: MAX_PAGE, direction: 'forward' });
    messages.push(...page.items.map((item) => item.message));
    const last = page.items.at(-1);
    if (!page.hasMore || !last) return messages;
    after = last.cursor;
  }
}
