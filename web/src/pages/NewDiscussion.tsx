import { useState } from 'preact/hooks';
import { useMutation, useQuery } from '@urql/preact';
import { errorText } from '../client';
import { ControlMutations, CreateDiscussionMutation, SetupQuery } from '../documents';
import { PROVIDER_NAMES, titleCase } from '../format';
import type { CreateDiscussionInput, Protocol, Provider, Stance } from '../gql/graphql';
import { navigate, onLinkClick } from '../router';

interface AgentRow {
  name: string;
  provider: Provider | '';
  persona: string;
  model: string;
  stance: Stance;
}

interface HumanRow {
  name: string;
  speaksInTurn: boolean;
}

const PROTOCOLS: Protocol[] = ['ROUND_ROBIN', 'OPEN', 'DEBATE', 'MODERATED'];
const STANCES: Stance[] = ['NONE', 'PRO', 'CON', 'JUDGE', 'MODERATOR'];
const STARTER_NAMES = ['Ada', 'Grace', 'Linus', 'Barbara'];

/** The option a select picked, typed: one of `options`, or `fallback`. */
function oneOf<T extends string>(options: readonly T[], value: string, fallback: T): T {
  return options.find((option) => option === value) ?? fallback;
}

function inputOf(
  topic: string,
  protocol: Protocol,
  maxRounds: number,
  agents: AgentRow[],
  humans: HumanRow[],
  stopPhrases: string,
): CreateDiscussionInput {
  const phrases = stopPhrases
    .split('\n')
    .map((p) => p.trim())
    .filter(Boolean);
  return {
    topic,
    protocol,
    maxRounds,
    agents: agents.map(({ name, provider, persona, model, stance }) => ({
      name: name.trim(),
      // The provider select is required, so '' never gets here; MOCK is only the type's fallback.
      provider: provider || 'MOCK',
      ...(persona.trim() ? { persona: persona.trim() } : {}),
      ...(model.trim() ? { model: model.trim() } : {}),
      stance,
    })),
    ...(humans.length > 0 ? { humans: humans.map((h) => ({ name: h.name.trim(), speaksInTurn: h.speaksInTurn })) } : {}),
    ...(phrases.length > 0 ? { termination: { stopPhrases: phrases } } : {}),
  };
}

export function NewDiscussion() {
  const [{ data: setup, error: setupError }] = useQuery({ query: SetupQuery });
  const [created, create] = useMutation(CreateDiscussionMutation);
  const [started, start] = useMutation(ControlMutations.start);
  const [topic, setTopic] = useState('');
  const [protocol, setProtocol] = useState<Protocol>('ROUND_ROBIN');
  const [maxRounds, setMaxRounds] = useState(3);
  const [agents, setAgents] = useState<AgentRow[]>([]);
  const [humans, setHumans] = useState<HumanRow[]>([]);
  const [stopPhrases, setStopPhrases] = useState('');
  const [opening, setOpening] = useState('');

  const configured = setup?.providers.filter((p) => p.configured) ?? [];
  if (setup && agents.length === 0) {
    const provider = configured.find((p) => p.name === 'MOCK')?.name ?? configured[0]?.name ?? '';
    const personas = setup.personaTemplates.map((t) => t.name);
    setAgents(STARTER_NAMES.slice(0, 2).map((name, i) => ({ name, provider, persona: personas[i] ?? '', model: '', stance: 'NONE' })));
  }
  const setAgent = (index: number, patch: Partial<AgentRow>) => setAgents(agents.map((a, i) => (i === index ? { ...a, ...patch } : a)));
  const setHuman = (index: number, patch: Partial<HumanRow>) => setHumans(humans.map((h, i) => (i === index ? { ...h, ...patch } : h)));

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const andStart = event.submitter instanceof HTMLButtonElement && event.submitter.value === 'start';
    const result = await create({ input: inputOf(topic, protocol, maxRounds, agents, humans, stopPhrases) });
    const id = result.data?.createDiscussion.id;
    if (!id) return;
    if (andStart) {
      const run = await start({ id, ...(opening.trim() ? { initialMessage: opening.trim() } : {}) });
      if (run.error) return;
    }
    navigate(`/discussions/${encodeURIComponent(id)}`);
  };
  const failure = created.error ?? started.error ?? setupError;
  const busy = created.fetching || started.fetching;
  return (
    <form class="new" aria-labelledby="new-title" onSubmit={(e) => void submit(e)}>
      <p>
        <a href="/" onClick={onLinkClick}>
          ← All discussions
        </a>
      </p>
      <h1 id="new-title">New discussion</h1>
      <label>
        Topic
        <textarea name="topic" rows={2} required value={topic} onInput={(e) => setTopic(e.currentTarget.value)} />
      </label>
      <div class="row">
        <label>
          Protocol
          <select name="protocol" value={protocol} onChange={(e) => setProtocol(oneOf(PROTOCOLS, e.currentTarget.value, protocol))}>
            {PROTOCOLS.map((p) => (
              <option key={p} value={p}>
                {titleCase(p)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Rounds
          <input
            name="maxRounds"
            type="number"
            min={1}
            max={100}
            value={maxRounds}
            onInput={(e) => setMaxRounds(e.currentTarget.valueAsNumber)}
          />
        </label>
      </div>
      <fieldset>
        <legend>Agents</legend>
        <datalist id="personas">
          {setup?.personaTemplates.map((t) => (
            <option key={t.name} value={t.name}>
              {t.description}
            </option>
          ))}
        </datalist>
        {agents.map((agent, index) => (
          <div class="row agent" key={index} role="group" aria-label={`Agent ${index + 1}`}>
            <label>
              Name
              <input
                name={`agent-${index}-name`}
                required
                value={agent.name}
                onInput={(e) => setAgent(index, { name: e.currentTarget.value })}
              />
            </label>
            <label>
              Provider
              <select
                name={`agent-${index}-provider`}
                required
                value={agent.provider}
                onChange={(e) =>
                  setAgent(index, {
                    provider: oneOf(
                      configured.map((p) => p.name),
                      e.currentTarget.value,
                      agent.provider,
                    ),
                  })
                }
              >
                {configured.map((p) => (
                  <option key={p.name} value={p.name}>
                    {PROVIDER_NAMES[p.name]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Persona
              <input
                name={`agent-${index}-persona`}
                list="personas"
                value={agent.persona}
                onInput={(e) => setAgent(index, { persona: e.currentTarget.value })}
              />
            </label>
            <label>
              Model
              <input
                name={`agent-${index}-model`}
                placeholder={configured.find((p) => p.name === agent.provider)?.defaultModel ?? ''}
                value={agent.model}
                onInput={(e) => setAgent(index, { model: e.currentTarget.value })}
              />
            </label>
            {protocol === 'DEBATE' || protocol === 'MODERATED' ? (
              <label>
                Stance
                <select
                  name={`agent-${index}-stance`}
                  value={agent.stance}
                  onChange={(e) => setAgent(index, { stance: oneOf(STANCES, e.currentTarget.value, agent.stance) })}
                >
                  {STANCES.map((s) => (
                    <option key={s} value={s}>
                      {titleCase(s)}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            <button
              type="button"
              class="quiet"
              aria-label={`Remove agent ${index + 1}`}
              onClick={() => setAgents(agents.filter((_, i) => i !== index))}
            >
              Remove
            </button>
          </div>
        ))}
        <button
          type="button"
          onClick={() =>
            setAgents([
              ...agents,
              {
                name: STARTER_NAMES[agents.length] ?? `Agent ${agents.length + 1}`,
                provider: configured[0]?.name ?? '',
                persona: '',
                model: '',
                stance: 'NONE',
              },
            ])
          }
        >
          Add an agent
        </button>
      </fieldset>
      <fieldset>
        <legend>Humans</legend>
        {humans.map((human, index) => (
          <div class="row" key={index} role="group" aria-label={`Human ${index + 1}`}>
            <label>
              Name
              <input
                name={`human-${index}-name`}
                required
                value={human.name}
                onInput={(e) => setHuman(index, { name: e.currentTarget.value })}
              />
            </label>
            <label class="check">
              <input
                name={`human-${index}-speaksInTurn`}
                type="checkbox"
                checked={human.speaksInTurn}
                onChange={(e) => setHuman(index, { speaksInTurn: e.currentTarget.checked })}
              />
              Takes a turn each round
            </label>
            <button
              type="button"
              class="quiet"
              aria-label={`Remove human ${index + 1}`}
              onClick={() => setHumans(humans.filter((_, i) => i !== index))}
            >
              Remove
            </button>
          </div>
        ))}
        <button
          type="button"
          onClick={() => setHumans([...humans, { name: humans.length === 0 ? 'user' : `human ${humans.length + 1}`, speaksInTurn: true }])}
        >
          Add a human
        </button>
      </fieldset>
      <label>
        Stop phrases (one per line)
        <textarea name="stopPhrases" rows={2} value={stopPhrases} onInput={(e) => setStopPhrases(e.currentTarget.value)} />
      </label>
      <label>
        Opening message (optional, sent when it starts)
        <textarea name="opening" rows={2} value={opening} onInput={(e) => setOpening(e.currentTarget.value)} />
      </label>
      {failure ? (
        <p role="alert" class="error">
          {errorText(failure)}
        </p>
      ) : null}
      <div class="row">
        <button type="submit" name="action" value="start" disabled={busy || !setup}>
          Create and start
        </button>
        <button type="submit" name="action" value="create" class="quiet" disabled={busy || !setup}>
          Create only
        </button>
      </div>
    </form>
  );
}
