import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BOTH_MODES } from '../support/app.js';
import { mustGraphQL, subscribeWs } from '../support/clients.js';
import { readTranscript } from '../support/distributed.js';
import { MESSAGE_ADDED, START, createDiscussion, messageViewSchema, mockAgents } from '../support/documents.js';
import { useTestServer } from '../support/server-hooks.js';

const MARKDOWN = `query($id: ID!) { discussion(id: $id) { transcriptMarkdown } }`;
const markdownSchema = z.strictObject({ discussion: z.strictObject({ transcriptMarkdown: z.string() }).nullable() });

describe.each(BOTH_MODES)('Discussion.transcriptMarkdown ($mode mode)', ({ redis }) => {
  const context = useTestServer({ redis });

  it('renders the whole transcript in order: summary, rounds, each message under its speaker with usage, contents quoted', async () => {
    const id = await createDiscussion(context.server.url, { topic: 'Markdown *for* tickets', agents: mockAgents(2), maxRounds: 2 });
    const messages = await subscribeWs(context.ws, MESSAGE_ADDED, { id }, 'messageAdded', messageViewSchema);
    await context.server.app.whenListening(id, 1);
    await mustGraphQL(context.server.url, START, { id, initialMessage: '# Not a heading\n\nSecond paragraph.' });
    await messages.collector.waitForCompletion();

    const { discussion } = await mustGraphQL(context.server.url, MARKDOWN, { id }, { schema: markdownSchema });
    const markdown = discussion?.transcriptMarkdown ?? '';
    const transcript = await readTranscript(context.server.url, id);
    expect(transcript.messages).toHaveLength(5);

    expect(markdown.startsWith('# Markdown \\*for\\* tickets\n')).toBe(true);
    expect(markdown).toContain('- Status: COMPLETED (max_rounds)');
    expect(markdown).toContain('- Participants: Ada (MOCK, mock-1, Architect), Bob (MOCK, mock-1, Skeptic)');
    // The opening message is quoted, so its "#" is not a heading of the page.
    expect(markdown).toContain('**user** · human\n\n> # Not a heading\n>\n> Second paragraph.');
    expect(markdown.match(/^## Round \d+$/gm)).toEqual(['## Round 1', '## Round 2']);
    // Every message, in the transcript's order, under its speaker, with the usage the provider reported.
    let from = 0;
    for (const message of transcript.messages) {
      const usage =
        message.role === 'AGENT'
          ? ` · ${(message.usage?.inputTokens ?? 0) + (message.usage?.outputTokens ?? 0)} tokens (${message.usage?.inputTokens} in, ${message.usage?.outputTokens} out)`
          : '';
      const provider = message.provider ? ` · ${message.provider} ${message.model}` : '';
      const block = `**${message.author}** · ${message.role.toLowerCase()}${provider}${usage}\n\n${message.content
        .split('\n')
        .map((line) => (line.trim() === '' ? '>' : `> ${line}`))
        .join('\n')}`;
      const at = markdown.indexOf(block, from);
      expect(at, `${message.author} in round ${message.round}`).toBeGreaterThanOrEqual(from);
      from = at + block.length;
    }
  });

  it('says so when there are no messages yet', async () => {
    const id = await createDiscussion(context.server.url, { topic: 'Empty', agents: mockAgents(1) });
    const { discussion } = await mustGraphQL(context.server.url, MARKDOWN, { id }, { schema: markdownSchema });
    expect(discussion?.transcriptMarkdown).toContain('- Status: CREATED');
    expect(discussion?.transcriptMarkdown).toContain('_No messages yet._');
  });
});
