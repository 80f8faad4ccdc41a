/**
 * `Discussion.transcriptMarkdown`: the whole transcript as Markdown, for a
 * ticket or a wiki. A summary (status, protocol, participants, usage), then
 * the messages round by round, each under its speaker's name, role, provider,
 * model and usage. Contents are quoted line by line, so a `#` or a `---` a
 * model wrote stays inside its message.
 */
import type { Usage } from '../domain.js';
import type { DiscussionRecord, MessageRecord } from '../store/types.js';

function usageText(usage: Usage | undefined): string {
  if (usage?.inputTokens === undefined && usage?.outputTokens === undefined) return 'usage not reported';
  const total = (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
  const parts = [
    usage.inputTokens === undefined ? undefined : `${usage.inputTokens} in`,
    usage.outputTokens === undefined ? undefined : `${usage.outputTokens} out`,
  ].filter(Boolean);
  return `${total} tokens (${parts.join(', ')})`;
}

/** One line for Markdown: no line breaks, and the characters that would start emphasis or links escaped. */
function inline(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/([\\`*_[\]<>|])/g, '\\$1');
}

function quoted(content: string): string {
  return content
    .split('\n')
    .map((line) => (line.trim() === '' ? '>' : `> ${line}`))
    .join('\n');
}

function participants(discussion: DiscussionRecord): string {
  const agents = discussion.agents.map((agent) => {
    const detail = [agent.provider, agent.model, agent.persona].filter(Boolean).join(', ');
    return `${inline(agent.name)} (${inline(detail)})`;
  });
  const humans = discussion.humans.map((human) => `${inline(human.name)} (human)`);
  return [...agents, ...humans].join(', ');
}

function messageHeading(message: MessageRecord): string {
  const parts = [`**${inline(message.author)}**`, message.role.toLowerCase()];
  if (message.provider)
    parts.push(
      [message.provider, message.model]
        .filter(Boolean)
        .map((part) => inline(String(part)))
        .join(' '),
    );
  if (message.role === 'AGENT') parts.push(usageText(message.usage));
  if (message.finishReason && message.finishReason !== 'stop') parts.push(`ended: ${message.finishReason}`);
  if (message.visibleTo) parts.push(`private, visible to ${message.visibleTo.map(inline).join(', ')}`);
  return parts.join(' · ');
}

export function transcriptMarkdown(discussion: DiscussionRecord, messages: readonly MessageRecord[]): string {
  const status = discussion.stopReason ? `${discussion.status} (${discussion.stopReason})` : discussion.status;
  const lines = [
    `# ${inline(discussion.topic)}`,
    '',
    `- Status: ${status}`,
    `- Protocol: ${discussion.protocol}, round ${discussion.currentRound} of ${discussion.maxRounds}`,
    `- Participants: ${participants(discussion)}`,
    `- Usage: ${usageText(discussion.usage)}`,
    `- Created: ${discussion.createdAt}${discussion.finishedAt ? `, finished: ${discussion.finishedAt}` : ''}`,
  ];
  if (discussion.error) lines.push(`- Error: ${inline(discussion.error)}`);
  let round: number | undefined;
  for (const message of messages) {
    if (message.round !== round) {
      round = message.round;
      lines.push('', round === 0 ? '## Before the first round' : `## Round ${round}`);
    }
    lines.push('', messageHeading(message), '', quoted(message.content));
  }
  if (messages.length === 0) lines.push('', '_No messages yet._');
  return `${lines.join('\n')}\n`;
}
