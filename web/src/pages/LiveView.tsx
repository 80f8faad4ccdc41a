import { useEffect, useRef, useState } from 'preact/hooks';
import { useMutation } from '@urql/preact';
import { errorText, type Api } from '../client';
import { ControlMutations, InjectMutation } from '../documents';
import { ENDED, PROVIDER_NAMES, STATUS_LABELS, hueOf, timeText, titleCase, usageText } from '../format';
import type { HeaderFieldsFragment } from '../gql/graphql';
import type { StreamingMessage, TimelineItem, ToolCall } from '../live-state';
import { onLinkClick } from '../router';
import { DownloadTranscript } from './DownloadTranscript';
import { ToolCalls } from './ToolCalls';
import { useLiveDiscussion, type Participants } from '../use-live-discussion';

type Control = keyof typeof ControlMutations;

const CONTROLS: { control: Control; label: string; when: (status: HeaderFieldsFragment['status']) => boolean }[] = [
  { control: 'start', label: 'Start', when: (status) => status === 'CREATED' },
  { control: 'pause', label: 'Pause', when: (status) => status === 'RUNNING' || status === 'WAITING_FOR_HUMAN' },
  { control: 'resume', label: 'Resume', when: (status) => status === 'PAUSED' },
  { control: 'stop', label: 'Stop', when: (status) => !ENDED.has(status) },
];

function Bubble({
  author,
  role,
  children,
  meta,
  streaming,
}: {
  author: string;
  role: string;
  children: string;
  meta?: string;
  streaming?: boolean;
}) {
  return (
    <article
      class={`bubble ${role.toLowerCase()}${streaming ? ' streaming' : ''}`}
      style={{ '--hue': hueOf(author) }}
      aria-busy={streaming}
    >
      <header>
        <strong>{author}</strong>
        {meta ? <span class="meta">{meta}</span> : null}
        {streaming ? <span class="meta">writing…</span> : null}
      </header>
      <p class="content">{children}</p>
    </article>
  );
}

function TimelineEntry({ item }: { item: TimelineItem }) {
  switch (item.kind) {
    case 'message': {
      const { message } = item;
      const who = [titleCase(message.role), message.provider ? PROVIDER_NAMES[message.provider] : undefined, message.model]
        .filter(Boolean)
        .join(' · ');
      const usage = message.role === 'AGENT' ? ` · ${usageText(message.usage)}` : '';
      const finish = message.finishReason && message.finishReason !== 'stop' ? ` · ${message.finishReason}` : '';
      const audience = message.visibleTo ? ` · private, visible to ${message.visibleTo.join(', ')}` : '';
      const meta = `${who} · round ${message.round}${usage}${finish}${audience}`;
      return (
        <li data-message-id={message.id}>
          <Bubble author={message.author} role={message.role} meta={meta}>
            {message.content}
          </Bubble>
          <ToolCalls calls={message.toolCalls} author={message.author} />
        </li>
      );
    }
    case 'pick':
      return (
        <li class="note pick">
          Next: <strong>{item.pick.speaker}</strong> — {item.pick.reason}
          {item.pick.fellBack ? ' (fallback)' : ''}
        </li>
      );
    case 'status':
      return (
        <li class="note status">
          {STATUS_LABELS[item.change.status]}
          {item.change.stopReason ? `: ${item.change.stopReason}` : ''}
          {item.change.error ? ` — ${item.change.error}` : ''}
        </li>
      );
  }
}

function Streaming({ message, toolCalls }: { message: StreamingMessage; toolCalls: readonly ToolCall[] }) {
  const meta = [message.provider ? PROVIDER_NAMES[message.provider] : undefined, message.model].filter(Boolean).join(' · ');
  return (
    <div class="in-flight" data-message-id={message.messageId}>
      <Bubble author={message.author} role="AGENT" meta={meta} streaming>
        {message.text}
      </Bubble>
      <ToolCalls calls={toolCalls} author={message.author} />
    </div>
  );
}

function Composer({ id, header, participants }: { id: string; header: HeaderFieldsFragment; participants: Participants }) {
  const [{ fetching, error }, inject] = useMutation(InjectMutation);
  const [content, setContent] = useState('');
  const humans = participants.filter((p) => p.__typename === 'Human').map((p) => p.name);
  const waitingFor = header.status === 'WAITING_FOR_HUMAN' ? header.nextSpeaker : undefined;
  const [author, setAuthor] = useState(humans[0] ?? 'user');
  const as = waitingFor ?? author;
  const send = async (event: Event) => {
    event.preventDefault();
    const result = await inject({ id, content, author: as });
    if (!result.error) setContent('');
  };
  if (ENDED.has(header.status)) return null;
  return (
    <form class={`composer${waitingFor ? ' asking' : ''}`} onSubmit={(event) => void send(event)} aria-label="Add a message">
      {waitingFor ? (
        <p role="status" class="ask">
          It is <strong>{waitingFor}</strong>’s turn: the discussion waits for your answer.
        </p>
      ) : null}
      <label>
        {waitingFor ? `Your answer, as ${waitingFor}` : 'Inject a message'}
        <textarea name="content" rows={3} required value={content} onInput={(e) => setContent(e.currentTarget.value)} />
      </label>
      {waitingFor ? null : (
        <label class="author">
          As
          <input name="author" value={author} onInput={(e) => setAuthor(e.currentTarget.value)} list="humans" />
          <datalist id="humans">
            {humans.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </label>
      )}
      <button type="submit" disabled={fetching || content.trim() === ''}>
        {waitingFor ? `Answer as ${waitingFor}` : 'Send'}
      </button>
      {error ? (
        <p role="alert" class="error">
          {errorText(error)}
        </p>
      ) : null}
    </form>
  );
}

/** The buttons the status allows. Their results are not applied here: discussionUpdated brings each change in order. */
function Controls({ id, status }: { id: string; status: HeaderFieldsFragment['status'] }) {
  const mutations = {
    start: useMutation(ControlMutations.start),
    pause: useMutation(ControlMutations.pause),
    resume: useMutation(ControlMutations.resume),
    stop: useMutation(ControlMutations.stop),
  };
  const failed = Object.values(mutations).find(([state]) => state.error)?.[0].error;
  return (
    <div class="controls" role="group" aria-label="Controls">
      {CONTROLS.filter(({ when }) => when(status)).map(({ control, label }) => {
        const [state, run] = mutations[control];
        return (
          <button key={control} type="button" disabled={state.fetching} onClick={() => void run({ id })}>
            {label}
          </button>
        );
      })}
      {failed ? (
        <p role="alert" class="error">
          {errorText(failed)}
        </p>
      ) : null}
    </div>
  );
}

export function LiveView({ api, id }: { api: Api; id: string }) {
  const { header, participants, live, connection, failure } = useLiveDiscussion(api, id);
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => end.current?.scrollIntoView({ block: 'end' }), [live.items.length, live.inFlight?.text, live.pendingToolCalls]);
  if (failure)
    return (
      <p role="alert" class="error">
        {failure}
      </p>
    );
  if (!header) return <p aria-busy="true">Loading…</p>;
  const speaker = live.inFlight?.author ?? header.nextSpeaker;
  return (
    <section class="live" aria-labelledby="topic">
      <p>
        <a href="/" onClick={onLinkClick}>
          ← All discussions
        </a>
      </p>
      <h1 id="topic">{header.topic}</h1>
      <dl class="facts">
        <div>
          <dt>Status</dt>
          <dd data-testid="status">
            {STATUS_LABELS[header.status]}
            {header.stopReason ? ` (${header.stopReason})` : ''}
          </dd>
        </div>
        <div>
          <dt>Protocol</dt>
          <dd>{titleCase(header.protocol)}</dd>
        </div>
        <div>
          <dt>Round</dt>
          <dd>
            {live.inFlight?.round ?? (header.currentRound || '—')} of {header.maxRounds}
          </dd>
        </div>
        <div>
          <dt>{live.inFlight ? 'Speaking' : 'Next'}</dt>
          <dd data-testid="next-speaker">{speaker ?? '—'}</dd>
        </div>
        <div>
          <dt>Usage</dt>
          <dd data-testid="usage">{usageText(header.usage)}</dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>not tracked yet</dd>
        </div>
        <div>
          <dt>Connection</dt>
          <dd data-testid="connection" role="status">
            {connection === 'live' ? 'live' : connection === 'reconnecting' ? 'reconnecting…' : 'connecting…'}
          </dd>
        </div>
      </dl>
      {header.error ? (
        <p role="alert" class="error">
          {header.error}
        </p>
      ) : null}
      <p class="participants">
        {participants.map((p) => (
          <span key={p.name} class="participant" style={{ '--hue': hueOf(p.name) }}>
            {p.name}
            {p.__typename === 'Agent'
              ? ` · ${PROVIDER_NAMES[p.provider]}${p.stance !== 'NONE' ? ` · ${titleCase(p.stance)}` : ''}`
              : ' · human'}
          </span>
        ))}
      </p>
      <Controls id={id} status={header.status} />
      <ol class="timeline" role="log" aria-label="Transcript" aria-live="polite">
        {live.items.map((item) => (
          <TimelineEntry key={item.cursor} item={item} />
        ))}
      </ol>
      {live.inFlight ? <Streaming message={live.inFlight} toolCalls={live.pendingToolCalls.get(live.inFlight.messageId) ?? []} /> : null}
      <div ref={end} />
      <Composer id={id} header={header} participants={participants} />
      <p class="meta">
        Started {timeText(header.createdAt)} · {header.messageCount} messages · <DownloadTranscript id={id} />
      </p>
    </section>
  );
}
