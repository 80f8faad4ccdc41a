import { STOP_REASONS } from '../domain.js';
import type { DiscussionRecord, MessageRecord } from '../store/types.js';
import { DEFAULT_CONTEXT_TOKENS, fitTranscript } from './context-budget.js';
import { publishEntry } from './dependencies.js';
import { buildModeratorPickPrompt, buildSelectorPrompt, buildTranscript } from './prompt.js';
import { moderatorOf, speakerName, turnOrder, type TurnPlan } from './protocols.js';
import { CONCLUDE, SELECTOR_ATTEMPTS, SELECTOR_EXTRA_INPUT_TOKENS, SELECTOR_MAX_TOKENS, selectSpeaker } from './selector.js';
import { pickFits } from './cost-budget.js';
import type { SpeakPlan, TurnContext } from './turn-context.js';

/** A pick's worst case under a cost cap: every answer it may ask for. */
const PICK_LIMITS = { attempts: SELECTOR_ATTEMPTS, maxTokens: SELECTOR_MAX_TOKENS, extraInputTokens: SELECTOR_EXTRA_INPUT_TOKENS };

/** The selector reads this many of the latest messages. */
const SELECTOR_TRANSCRIPT = 12;

export type SelectPlan = Extract<TurnPlan, { kind: 'select' }>;

/** Who took the last turn: the latest message by a participant who speaks in turn. */
export function previousSpeaker(record: DiscussionRecord, history: readonly MessageRecord[]): string | undefined {
  const inTurn = new Set(turnOrder(record).map(speakerName));
  return history.findLast((message) => message.role !== 'SYSTEM' && inTurn.has(message.author))?.author;
}

export interface SpeakerSelector {
  /** Asks the OPEN selector or the moderator who speaks next, and logs the pick. Undefined when aborted. */
  select(record: DiscussionRecord, plan: SelectPlan, history: MessageRecord[], signal: AbortSignal): Promise<SpeakPlan | undefined>;
}

export function createSpeakerSelector({ store, bus, providers, calls, now, recordUsage, pricing }: TurnContext): SpeakerSelector {
  async function select(
    record: DiscussionRecord,
    plan: SelectPlan,
    history: MessageRecord[],
    signal: AbortSignal,
  ): Promise<SpeakPlan | undefined> {
    const moderator = plan.selector === 'moderator' ? moderatorOf(record) : undefined;
    const provider = moderator?.provider ?? record.selector?.provider ?? record.agents[0]?.provider ?? 'MOCK';
    const modelName = moderator?.model ?? record.selector?.model ?? record.agents[0]?.model ?? providers.defaultModel(provider);
    const model = calls.modelFor(record, provider, { turn: record.turn, purpose: 'pick' });
    const names = plan.candidates.map(speakerName);
    const system = moderator ? buildModeratorPickPrompt(record, moderator, names) : buildSelectorPrompt(record, names);
    // A private message reaches the moderator's pick only if it names the moderator; the OPEN selector is no participant and sees none.
    const transcript = buildTranscript(history.slice(-SELECTOR_TRANSCRIPT), moderator?.name ?? '');
    const fitted = fitTranscript(system, transcript, DEFAULT_CONTEXT_TOKENS[provider] / 2);
    // under a cost cap a pick whose worst case does not fit is not asked for: turn order decides
    const affordable = pickFits(pricing, record, { provider, model: modelName }, { system, messages: fitted }, PICK_LIMITS);
    const result =
      model && affordable
        ? await selectSpeaker({
            model,
            modelName,
            system,
            transcript: fitted,
            candidates: names,
            allowConclude: moderator !== undefined,
            fallback: speakerName(plan.fallback),
            signal,
          })
        : {
            choice: speakerName(plan.fallback),
            reason: model
              ? 'the cost cap (maxCostUsd) leaves no room for a pick; turn order decided'
              : `${provider} is not configured; turn order decided`,
            attempts: 0,
            fellBack: true,
            usage: {},
          };
    if (signal.aborted) return undefined;
    // Who picked is kept with the pick: its usage is priced at that model's price.
    const entry = await store.appendSelection(record.id, {
      ...result,
      speaker: result.choice,
      candidates: names,
      at: now().toISOString(),
      provider,
      model: modelName,
    });
    if (!entry) return undefined;
    await Promise.all([publishEntry(bus, record.id, entry), recordUsage(record, result.usage, { provider, model: modelName })]);
    if (moderator && result.choice === CONCLUDE) {
      return {
        kind: 'speak',
        speaker: { kind: 'agent', agent: moderator },
        round: plan.round,
        purpose: 'summarize',
        final: STOP_REASONS.moderatorConcluded,
      };
    }
    const speaker = plan.candidates.find((candidate) => speakerName(candidate) === result.choice) ?? plan.fallback;
    return { kind: 'speak', speaker, round: plan.round, purpose: 'contribute' };
  }

  return { select };
}
