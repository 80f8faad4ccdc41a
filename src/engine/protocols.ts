import { STOP_REASONS, type StopReason } from '../domain.js';
import type { AgentConfig, DiscussionRecord, HumanConfig } from '../store/types.js';

export type Speaker = { kind: 'agent'; agent: AgentConfig } | { kind: 'human'; human: HumanConfig };

export const speakerName = (speaker: Speaker): string => (speaker.kind === 'agent' ? speaker.agent.name : speaker.human.name);

/** What a speaking turn is for, besides taking part: it changes the instruction the agent gets. */
export type TurnPurpose = 'contribute' | 'open' | 'summarize' | 'verdict';

/**
 * The next turn, decided without asking any model:
 * - `speak`: this speaker takes the turn; `final` ends the discussion after it.
 * - `select`: a model picks among `candidates` (OPEN's selector, MODERATED's moderator).
 * - `conclude`: the discussion ends before this turn.
 */
export type TurnPlan =
  | { kind: 'speak'; speaker: Speaker; round: number; purpose: TurnPurpose; final?: StopReason }
  | { kind: 'select'; round: number; candidates: Speaker[]; fallback: Speaker; selector: 'open' | 'moderator' }
  | { kind: 'conclude'; stopReason: StopReason };

/** Agents that take part in the exchange (not the moderator or judge) then humans who speak in turn, in input order. */
export function turnOrder(record: DiscussionRecord): Speaker[] {
  const debaters = record.agents.filter((agent) => agent.stance !== 'MODERATOR' && agent.stance !== 'JUDGE');
  return [
    ...debaters.map((agent): Speaker => ({ kind: 'agent', agent })),
    ...record.humans.filter((human) => human.speaksInTurn).map((human): Speaker => ({ kind: 'human', human })),
  ];
}

function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item at ${index}`);
  return item;
}

/** One debate round: PRO and CON alternate; a side with more debaters finishes alone. */
export function debateRound(record: DiscussionRecord): AgentConfig[] {
  const pro = record.agents.filter((agent) => agent.stance === 'PRO');
  const con = record.agents.filter((agent) => agent.stance === 'CON');
  const round: AgentConfig[] = [];
  for (let index = 0; index < Math.max(pro.length, con.length); index++) {
    const proAgent = pro[index];
    const conAgent = con[index];
    if (proAgent) round.push(proAgent);
    if (conAgent) round.push(conAgent);
  }
  return round;
}

function planRoundRobin(record: DiscussionRecord): TurnPlan {
  const order = turnOrder(record);
  const round = Math.floor(record.turn / order.length) + 1;
  if (round > record.maxRounds) return { kind: 'conclude', stopReason: STOP_REASONS.maxRounds };
  return { kind: 'speak', speaker: at(order, record.turn % order.length), round, purpose: 'contribute' };
}

function planDebate(record: DiscussionRecord): TurnPlan {
  const round = debateRound(record);
  const debateTurns = round.length * record.maxRounds;
  if (record.turn < debateTurns) {
    return {
      kind: 'speak',
      speaker: { kind: 'agent', agent: at(round, record.turn % round.length) },
      round: Math.floor(record.turn / round.length) + 1,
      purpose: 'contribute',
    };
  }
  const judges = record.agents.filter((agent) => agent.stance === 'JUDGE');
  const judgeIndex = record.turn - debateTurns;
  if (judgeIndex >= judges.length) return { kind: 'conclude', stopReason: STOP_REASONS.judgeConcluded };
  return {
    kind: 'speak',
    speaker: { kind: 'agent', agent: at(judges, judgeIndex) },
    round: record.maxRounds,
    purpose: 'verdict',
    final: judgeIndex === judges.length - 1 ? STOP_REASONS.judgeConcluded : undefined,
  };
}

/** The next speaker in turn order after `previous`, for fallbacks. */
export function nextInOrder(order: readonly Speaker[], previous: string | undefined): Speaker {
  const index = previous === undefined ? -1 : order.findIndex((speaker) => speakerName(speaker) === previous);
  return at(order, (index + 1) % order.length);
}

/** Everyone in turn order but the one who just spoke, when someone else exists. */
export function eligibleSpeakers(order: readonly Speaker[], previous: string | undefined): Speaker[] {
  const others = order.filter((speaker) => speakerName(speaker) !== previous);
  return others.length > 0 ? others : [...order];
}

function planOpen(record: DiscussionRecord, previousSpeaker: string | undefined): TurnPlan {
  const order = turnOrder(record);
  const round = Math.floor(record.turn / order.length) + 1;
  if (round > record.maxRounds) return { kind: 'conclude', stopReason: STOP_REASONS.maxRounds };
  const candidates = eligibleSpeakers(order, previousSpeaker);
  const fallback = nextInOrder(order, previousSpeaker);
  return { kind: 'select', round, candidates, fallback: candidates.includes(fallback) ? fallback : at(candidates, 0), selector: 'open' };
}

export function moderatorOf(record: DiscussionRecord): AgentConfig {
  const moderator = record.agents.find((agent) => agent.stance === 'MODERATOR');
  if (!moderator) throw new Error('a moderated discussion has no moderator');
  return moderator;
}

function planModerated(record: DiscussionRecord, previousSpeaker: string | undefined): TurnPlan {
  const moderator: Speaker = { kind: 'agent', agent: moderatorOf(record) };
  if (record.turn === 0) return { kind: 'speak', speaker: moderator, round: 1, purpose: 'open' };
  const order = turnOrder(record);
  const roundIndex = Math.floor((record.turn - 1) / order.length);
  if (roundIndex >= record.maxRounds) {
    return { kind: 'speak', speaker: moderator, round: record.maxRounds, purpose: 'summarize', final: STOP_REASONS.maxRounds };
  }
  const candidates = eligibleSpeakers(order, previousSpeaker);
  const fallback = nextInOrder(order, previousSpeaker);
  return {
    kind: 'select',
    round: roundIndex + 1,
    candidates,
    fallback: candidates.includes(fallback) ? fallback : at(candidates, 0),
    selector: 'moderator',
  };
}

/**
 * The plan for the discussion's next turn under its protocol. `previousSpeaker`
 * is who took the last turn (for "never the same twice in a row").
 */
export function planTurn(record: DiscussionRecord, previousSpeaker?: string): TurnPlan {
  switch (record.protocol) {
    case 'ROUND_ROBIN':
      return planRoundRobin(record);
    case 'DEBATE':
      return planDebate(record);
    case 'OPEN':
      return planOpen(record, previousSpeaker);
    case 'MODERATED':
      return planModerated(record, previousSpeaker);
    default: {
      const unknown: never = record.protocol;
      throw new Error(`unknown protocol ${String(unknown)}`);
    }
  }
}

/** The round a turn belongs to, for turns a human takes or skips. */
export function roundOfTurn(record: DiscussionRecord): number {
  const plan = planTurn(record);
  return plan.kind === 'conclude' ? record.currentRound : plan.round;
}
