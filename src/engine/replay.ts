// replayDiscussion: a new CREATED discussion that runs a recorded one again without a vendor.
// Its agents (and selector) use the REPLAY provider, which streams the recorded parts; its
// humans' messages are the recorded ones, each put where it was (replay-course.ts).

import { randomUUID } from 'node:crypto';
import { isTerminal } from '../domain.js';
import { initialState } from '../store/records.js';
import type { DiscussionRecord } from '../store/types.js';
import { badInput, conflict } from './errors.js';

/** A pace far beyond any demo: a replay at it is one at full speed in all but name. */
export const MAX_REPLAY_SPEED = 1_000;

/** BAD_USER_INPUT (naming `speed`) unless it is 0 (as fast as possible) up to MAX_REPLAY_SPEED. */
export function checkReplaySpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed < 0 || speed > MAX_REPLAY_SPEED) {
    throw badInput('speed', `must be 0 (as fast as possible) up to ${MAX_REPLAY_SPEED} times the recorded pace`);
  }
  return speed;
}

/** Refuses a source that cannot be replayed whole: not recorded, a fork (its first messages were copied, not called), or still going. */
export function checkReplayable(source: DiscussionRecord): void {
  if (source.recordCalls !== true) {
    throw badInput('id', `discussion "${source.id}" was not recorded: RECORD_PROVIDER_CALLS=true must be set when a discussion is created`);
  }
  if (source.forkedFrom) {
    throw badInput(
      'id',
      `discussion "${source.id}" is a fork: the messages it copied were not recorded; replay the one it was forked from`,
    );
  }
  if (!isTerminal(source.status)) {
    throw conflict(`Cannot replay discussion "${source.id}": it is ${source.status}; a recording is replayed once it has ended`);
  }
}

/**
 * The replay's record: the source's settings, its agents and selector on REPLAY (each keeping its
 * model's name and its recorded provider), with no tools (the recorded results stand), no cost
 * cap (a replay costs nothing) and no webhook (the source's receiver expects the source).
 */
export function replayRecord(source: DiscussionRecord, speed: number, createdAt: Date): DiscussionRecord {
  const { maxCostUsd, ...termination } = source.termination;
  void maxCostUsd;
  return {
    id: randomUUID(),
    owner: source.owner,
    createdAt: createdAt.toISOString(),
    topic: source.topic,
    protocol: source.protocol,
    maxRounds: source.maxRounds,
    agents: source.agents.map(({ tools, ...agent }) => {
      void tools;
      return { ...agent, provider: 'REPLAY', recordedProvider: agent.provider };
    }),
    humans: source.humans,
    termination,
    ...(source.selector ? { selector: { provider: 'REPLAY', model: source.selector.model } } : {}),
    replayOf: { discussionId: source.id, speed },
    ...initialState(),
  };
}
