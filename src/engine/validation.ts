import { z } from 'zod';
import { PROTOCOLS, PROVIDERS, type Protocol, STANCES, type Stance } from '../domain.js';
import type { DiscussionConfig } from '../store/types.js';
import { isPrivateHost, MAX_WEBHOOK_URL_LENGTH, webhookUrlProblem } from '../webhooks/address.js';
import { badInput, type DomainError, quoteInput } from './errors.js';

export const LIMITS = {
  topic: 4_000,
  // USD: a cap past this is a typo, not a budget
  maxCostUsd: 100_000,
  content: 16_000,
  agents: 12,
  humans: 12,
  name: 64,
  persona: 2_000,
  systemPrompt: 16_000,
  model: 200,
  temperature: 2,
  maxRounds: 50,
  maxTokens: 32_000,
  maxMessages: 10_000,
  stopPhrases: 20,
  stopPhrase: 200,
  waitSeconds: 3_600,
  minContextTokens: 1_000,
  maxContextTokens: 2_000_000,
  webhookUrl: MAX_WEBHOOK_URL_LENGTH,
  toolsPerAgent: 32,
} as const;

/** `server` or `server/tool`: a server name as MCP_SERVERS allows it, then an MCP tool name. */
const TOOL_SPEC = /^[A-Za-z0-9_-]{1,32}(\/[A-Za-z0-9_.\-/]{1,128})?$/;

/** What a field left out of `createDiscussion` becomes; the GraphQL input types show the same defaults. */
export const DEFAULTS: { protocol: Protocol; maxRounds: number; stance: Stance; speaksInTurn: boolean; waitSeconds: number } = {
  protocol: 'ROUND_ROBIN',
  maxRounds: 3,
  stance: 'NONE',
  speaksInTurn: false,
  waitSeconds: 120,
};

const text = (label: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `${label} must not be empty`)
    .max(max, `${label} must be at most ${max.toLocaleString('en-US')} characters`);

const nullishDefault = <T extends z.ZodType>(schema: T, fallback: z.output<T>) => schema.nullish().transform((value) => value ?? fallback);

const name = text('name', LIMITS.name);
const intBetween = (label: string, min: number, max: number) =>
  z
    .number()
    .int(`${label} must be a whole number`)
    .min(min, `${label} must be at least ${min}`)
    .max(max, `${label} must be at most ${max}`);

const temperatureRange = `temperature must be between 0 and ${LIMITS.temperature}`;

const agentInput = z.object({
  name,
  persona: text('persona', LIMITS.persona).nullish(),
  systemPrompt: text('systemPrompt', LIMITS.systemPrompt).nullish(),
  provider: z.enum(PROVIDERS),
  model: text('model', LIMITS.model).nullish(),
  temperature: z.number().min(0, temperatureRange).max(LIMITS.temperature, temperatureRange).nullish(),
  maxTokens: intBetween('maxTokens', 1, LIMITS.maxTokens).nullish(),
  maxContextTokens: intBetween('maxContextTokens', LIMITS.minContextTokens, LIMITS.maxContextTokens).nullish(),
  stance: nullishDefault(z.enum(STANCES), DEFAULTS.stance),
  tools: z
    .array(z.string().trim().regex(TOOL_SPEC, 'a tool is an MCP server name or server/tool, e.g. "search" or "search/web_search"'))
    .max(LIMITS.toolsPerAgent, `at most ${LIMITS.toolsPerAgent} tools per agent`)
    .nullish(),
});

const humanInput = z.object({
  name,
  speaksInTurn: nullishDefault(z.boolean(), DEFAULTS.speaksInTurn),
  waitSeconds: nullishDefault(intBetween('waitSeconds', 1, LIMITS.waitSeconds), DEFAULTS.waitSeconds),
});

const terminationInput = z.object({
  maxMessages: intBetween('maxMessages', 1, LIMITS.maxMessages).nullish(),
  maxTotalTokens: z.number().int('maxTotalTokens must be a whole number').min(1, 'maxTotalTokens must be at least 1').nullish(),
  maxCostUsd: z
    .number()
    .gt(0, 'maxCostUsd must be more than 0')
    .max(LIMITS.maxCostUsd, `maxCostUsd must be at most ${LIMITS.maxCostUsd}`)
    .nullish(),
  stopPhrases: nullishDefault(
    z.array(text('stop phrase', LIMITS.stopPhrase)).max(LIMITS.stopPhrases, `at most ${LIMITS.stopPhrases} stop phrases`),
    [],
  ),
});

const selectorInput = z.object({
  provider: z.enum(PROVIDERS),
  model: text('model', LIMITS.model).nullish(),
});

/** An http(s) URL without credentials, kept as the URL parser spells it (so delivery checks the host this one did). */
const webhookUrl = z
  .string()
  .trim()
  .superRefine((value, context) => {
    const problem = webhookUrlProblem(value);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: `webhookUrl ${problem}` });
  })
  .transform((value) => new URL(value).href);

/** Reports every name already in `taken` (case-insensitive) and adds the rest to it. */
function checkUniqueNames(items: { name: string }[], field: string, context: z.RefinementCtx, taken: Set<string>): void {
  items.forEach((item, index) => {
    const key = item.name.toLowerCase();
    if (taken.has(key)) {
      context.addIssue({ code: 'custom', path: [field, index, 'name'], message: `name "${item.name}" is already used in this discussion` });
    }
    taken.add(key);
  });
}

export const createDiscussionSchema = z
  .object({
    topic: text('topic', LIMITS.topic),
    agents: z.array(agentInput).min(1, 'at least one agent is required').max(LIMITS.agents, `at most ${LIMITS.agents} agents are allowed`),
    humans: nullishDefault(z.array(humanInput).max(LIMITS.humans, `at most ${LIMITS.humans} humans are allowed`), []),
    protocol: nullishDefault(z.enum(PROTOCOLS), DEFAULTS.protocol),
    maxRounds: nullishDefault(intBetween('maxRounds', 1, LIMITS.maxRounds), DEFAULTS.maxRounds),
    termination: nullishDefault(terminationInput, { stopPhrases: [] }),
    selector: selectorInput.nullish(),
    webhookUrl: webhookUrl.nullish(),
  })
  .superRefine((input, context) => {
    const taken = new Set<string>();
    checkUniqueNames(input.agents, 'agents', context, taken);
    checkUniqueNames(input.humans, 'humans', context, taken);
  });

export type CreateDiscussionInput = z.input<typeof createDiscussionSchema>;
export type ValidCreateDiscussionInput = z.output<typeof createDiscussionSchema>;

export const contentSchema = text('content', LIMITS.content);
export const authorSchema = text('author', LIMITS.name);

/** `InjectOptions`; `visibleTo` is bounded here before any name is looked up, then checked against the participants. */
export const injectOptionsSchema = z.object({
  visibleTo: z
    .array(name)
    .min(1, 'must name at least one participant (leave it out for everyone)')
    .max(LIMITS.agents + LIMITS.humans, `at most ${LIMITS.agents + LIMITS.humans} names`)
    .nullish(),
});

export type InjectOptions = z.input<typeof injectOptionsSchema>;

/**
 * The participants a private message is for, spelled as configured and without duplicates;
 * undefined (everyone) when `visibleTo` is absent. Names match ignoring case, as authors do.
 */
export function checkVisibleTo(
  discussion: Pick<DiscussionConfig, 'agents' | 'humans'>,
  visibleTo: readonly string[] | null | undefined,
  field: string,
): string[] | undefined {
  if (visibleTo === null || visibleTo === undefined) return undefined;
  const participants = [...discussion.agents, ...discussion.humans].map((participant) => participant.name);
  const chosen = visibleTo.map((wanted, index) => {
    const configured = participants.find((participant) => participant.toLowerCase() === wanted.toLowerCase());
    if (configured === undefined) throw badInput(`${field}[${index}]`, `${quoteInput(wanted)} is not a participant of this discussion`);
    return configured;
  });
  return [...new Set(chosen)];
}

/** `input.agents[1].name` from a zod path. */
function formatPath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((result, key) => (typeof key === 'number' ? `${result}[${key}]` : `${result}.${String(key)}`), root);
}

/** Parses `value`, or throws a BAD_USER_INPUT error naming the first field at fault under `root`. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, root: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw toInputError(result.error, root);
}

function toInputError(error: z.ZodError, root: string): DomainError {
  const issue = error.issues[0];
  if (!issue) return badInput(root, 'is invalid');
  return badInput(formatPath(root, issue.path), issue.message);
}

/** A webhook to a loopback, private or link-local host is refused unless the operator allows it (WEBHOOK_ALLOW_PRIVATE). */
export function checkWebhookHost(input: ValidCreateDiscussionInput, allowPrivate: boolean): void {
  if (allowPrivate || input.webhookUrl === null || input.webhookUrl === undefined) return;
  if (isPrivateHost(new URL(input.webhookUrl).hostname)) {
    throw badInput(
      'input.webhookUrl',
      'names a loopback, private or link-local host, which this server does not deliver to (WEBHOOK_ALLOW_PRIVATE)',
    );
  }
}

/**
 * What each protocol needs of its participants, checked after the shape is valid:
 * DEBATE has PRO, CON and JUDGE agents and no one else in turn; MODERATED has one
 * MODERATOR; only those protocols use those stances; someone must speak in turn.
 */
export function checkProtocolRules(input: ValidCreateDiscussionInput): void {
  const stances = input.agents.map((agent) => agent.stance);
  const count = (stance: (typeof stances)[number]) => stances.filter((candidate) => candidate === stance).length;
  const misplaced = (stance: (typeof stances)[number], allowedIn: string) => {
    const index = stances.indexOf(stance);
    if (index >= 0) throw badInput(`input.agents[${index}].stance`, `${stance} is only for the ${allowedIn} protocol`);
  };
  switch (input.protocol) {
    case 'DEBATE': {
      const missing = (['PRO', 'CON', 'JUDGE'] as const).filter((stance) => count(stance) === 0);
      if (missing.length > 0)
        throw badInput('input.agents', `a DEBATE needs at least one PRO, one CON and one JUDGE agent; missing: ${missing.join(', ')}`);
      const other = stances.findIndex((stance) => stance === 'NONE' || stance === 'MODERATOR');
      if (other >= 0) throw badInput(`input.agents[${other}].stance`, 'in a DEBATE every agent is PRO, CON or JUDGE');
      const human = input.humans.findIndex((candidate) => candidate.speaksInTurn);
      if (human >= 0)
        throw badInput(`input.humans[${human}].speaksInTurn`, 'humans cannot take debate turns; they may inject messages at any time');
      return;
    }
    case 'MODERATED': {
      if (count('MODERATOR') !== 1)
        throw badInput('input.agents', `a MODERATED discussion needs exactly one MODERATOR agent; it has ${count('MODERATOR')}`);
      misplaced('JUDGE', 'DEBATE');
      break;
    }
    case 'ROUND_ROBIN':
    case 'OPEN':
      misplaced('MODERATOR', 'MODERATED');
      misplaced('JUDGE', 'DEBATE');
      break;
    default: {
      const unknown: never = input.protocol;
      throw new Error(`unknown protocol ${String(unknown)}`);
    }
  }
  const speakers = stances.filter((stance) => stance !== 'MODERATOR').length + input.humans.filter((human) => human.speaksInTurn).length;
  if (speakers === 0) throw badInput('input.agents', 'someone besides the moderator must speak in turn');
}
