/**
 * How `discuss` writes a discussion to the terminal: each speaker's text in a
 * colour of its own as it streams, whole messages that were not streamed (a
 * human's, or a reply written before the CLI joined), and a progress line on
 * stderr for each change of status. With `--json`, one JSON object per line.
 */
import type { Writable } from 'node:stream';

const COLOURS = [36, 33, 35, 32, 34, 31, 96, 93, 95, 92];

export interface OutputOptions {
  json: boolean;
  colour: boolean;
  out: Writable;
  err: Writable;
}

export interface TokenLike {
  messageId: string;
  author: string;
  offset: number;
  delta: string;
}

export interface MessageLike {
  id: string;
  author: string;
  role: string;
  content: string;
}

export interface Progress {
  status: string;
  stopReason?: string | null;
  currentRound: number;
  maxRounds: number;
  nextSpeaker?: string | null;
  usage: { totalTokens?: number | null };
}

/** Colours should be on: a terminal, no NO_COLOR; FORCE_COLOR forces them. */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.NO_COLOR === undefined;
}

export function createOutput({ json, colour, out, err }: OutputOptions) {
  const colourOf = new Map<string, number>();
  const paint = (author: string, text: string) => {
    if (!colour) return text;
    let code = colourOf.get(author);
    if (code === undefined) {
      code = COLOURS[colourOf.size % COLOURS.length] ?? 36;
      colourOf.set(author, code);
    }
    return `\u001b[${code}m${text}\u001b[0m`;
  };
  const dim = (text: string) => (colour ? `\u001b[2m${text}\u001b[0m` : text);
  const line = (value: unknown) => out.write(`${JSON.stringify(value)}\n`);
  /** How much of each message's text is on the screen, so a token repeated after a reconnect is not printed twice. */
  const written = new Map<string, number>();
  /** Messages whose tokens skipped some text: their whole content is written when they commit. */
  const gapped = new Set<string>();
  let open: string | undefined;
  let lastProgress = '';
  const close = () => {
    if (open !== undefined) out.write('\n\n');
    open = undefined;
  };

  return {
    token(token: TokenLike): void {
      if (json) return void line({ type: 'token', ...token });
      const have = written.get(token.messageId) ?? 0;
      const end = token.offset + token.delta.length;
      if (end <= have) return;
      if (open !== token.messageId) {
        close();
        out.write(`${paint(token.author, `${token.author}:`)} `);
        open = token.messageId;
      }
      // A token past the text shown means some were missed; the whole message follows when it commits.
      if (token.offset > have) gapped.add(token.messageId);
      out.write(paint(token.author, token.offset > have ? `… ${token.delta}` : token.delta.slice(have - token.offset)));
      written.set(token.messageId, end);
    },
    message(message: MessageLike): void {
      if (json) return void line({ type: 'message', ...message });
      const shown = written.get(message.id);
      if (shown !== undefined && shown >= message.content.length && !gapped.has(message.id)) {
        if (open === message.id) close();
        return;
      }
      close();
      out.write(
        `${paint(message.author, `${message.author}${message.role === 'AGENT' ? '' : ` (${message.role.toLowerCase()})`}:`)} ${paint(message.author, message.content)}\n\n`,
      );
      written.set(message.id, message.content.length);
    },
    progress(progress: Progress): void {
      // The same state read twice (after a mutation and after its event) is written once.
      const key = JSON.stringify(progress);
      if (key === lastProgress) return;
      lastProgress = key;
      if (json) return void line({ type: 'status', ...progress });
      const parts = [
        progress.status + (progress.stopReason ? ` (${progress.stopReason})` : ''),
        `round ${progress.currentRound}/${progress.maxRounds}`,
        progress.usage.totalTokens == null ? 'usage not reported' : `${progress.usage.totalTokens} tokens`,
        progress.status === 'WAITING_FOR_HUMAN' && progress.nextSpeaker
          ? `waiting for ${progress.nextSpeaker}: answer with injectMessage`
          : undefined,
      ];
      err.write(`${dim(`— ${parts.filter(Boolean).join(' · ')}`)}\n`);
    },
    note(text: string): void {
      if (json) return void line({ type: 'note', text });
      err.write(`${dim(text)}\n`);
    },
    result(value: Record<string, unknown>): void {
      close();
      if (json) line({ type: 'result', ...value });
    },
  };
}
