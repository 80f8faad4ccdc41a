import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSchemaFile } from '../../scripts/schema-text.js';

describe('schema.graphql', () => {
  it('matches the schema the code builds (run `npm run schema:print` after changing it)', () => {
    const committed = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printSchemaFile());
  });

  it('keeps the names the contract fixes', () => {
    const printed = printSchemaFile();
    for (const fragment of [
      'enum Provider {',
      'enum Protocol {',
      'enum DiscussionStatus {',
      'union DiscussionEvent = MessageEvent | SpeakerSelectedEvent | StatusEvent | TokenEvent',
      'messages(after: String, before: String, first: Int, last: Int): MessageConnection!',
      'discussions(after: String, before: String, first: Int, last: Int, status: DiscussionStatus): DiscussionConnection!',
      'messageAdded(after: String, discussionId: ID!): Message!',
      'tokenStreamed(discussionId: ID!): TokenEvent!',
      'discussionUpdated(discussionId: ID!): Discussion!',
      'discussionEvents(after: String, discussionId: ID!): DiscussionEvent!',
      'injectMessage(author: String, content: String!, discussionId: ID!, options: InjectOptions): Message!',
      'input InjectOptions {',
      'startDiscussion(author: String, id: ID!, initialMessage: String): Discussion!',
      'deleteDiscussion(id: ID!): Boolean!',
      'interface Participant {',
      'type Agent implements Participant {',
      'type Human implements Participant {',
    ]) {
      expect(printed).toContain(fragment);
    }
  });
});
