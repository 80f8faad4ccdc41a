import { createClient, type Client } from 'graphql-ws';
import { WebSocket } from 'ws';

/** How a subscription ended. */
export type Outcome = { kind: 'complete' } | { kind: 'error'; message: string };

export interface TokenReceipt {
  messageId: string;
  index: number;
  delta: string;
  /** `performance.now()` when the graphql-ws client handed it over. */
  at: number;
}

export interface CommittedMessage {
  id: string;
  role: string;
  author: string;
  content: string;
}

/** One tokenStreamed subscriber: what it received, by message and index. */
export interface TokenSubscriber {
  readonly deltas: Map<string, Map<number, string>>;
  readonly received: number;
  /** The same (messageId, index) received more than once. */
  readonly duplicates: number;
  readonly done: Promise<Outcome>;
  dispose(): Promise<void>;
}

export interface MessageSubscriber {
  readonly messages: CommittedMessage[];
  readonly done: Promise<Outcome>;
  dispose(): Promise<void>;
}

/** The tokenStreamed subscription every benchmark subscriber opens. */
export const TOKEN_SUBSCRIPTION = /* GraphQL */ `
  subscription Tokens($id: ID!) {
    tokenStreamed(discussionId: $id) {
      messageId
      index
      delta
    }
  }
`;

const MESSAGE_SUBSCRIPTION = /* GraphQL */ `
  subscription Messages($id: ID!) {
    messageAdded(discussionId: $id) {
      id
      role
      author
      content
    }
  }
`;

/** The graphql-ws sink reports an Error, a list of GraphQL errors or a CloseEvent. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (Array.isArray(error)) return error.map((item: unknown) => describeError(item)).join('; ');
  if (typeof error === 'object' && error !== null) {
    if ('code' in error && typeof error.code === 'number') {
      const reason = 'reason' in error && typeof error.reason === 'string' ? error.reason : '';
      return `socket closed ${error.code} ${reason}`.trim();
    }
    if ('message' in error && typeof error.message === 'string') return error.message;
  }
  return String(error);
}

/** One WebSocket per subscriber, as separate frontends would have; no retries so failures show. */
function openClient(wsUrl: string): Client {
  return createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}

async function disposeClient(client: Client): Promise<void> {
  await client.dispose();
}

export function subscribeTokens(wsUrl: string, discussionId: string, onToken: (receipt: TokenReceipt) => void): TokenSubscriber {
  const client = openClient(wsUrl);
  const deltas = new Map<string, Map<number, string>>();
  let received = 0;
  let duplicates = 0;
  let settle: (outcome: Outcome) => void = () => {};
  const done = new Promise<Outcome>((resolve) => (settle = resolve));

  client.subscribe<{ tokenStreamed: { messageId: string; index: number; delta: string } }>(
    { query: TOKEN_SUBSCRIPTION, variables: { id: discussionId } },
    {
      next(result) {
        const at = performance.now();
        const token = result.data?.tokenStreamed;
        if (result.errors || !token) {
          settle({ kind: 'error', message: `tokenStreamed result: ${describeError(result.errors ?? 'no data')}` });
          return;
        }
        received += 1;
        const parts = deltas.get(token.messageId) ?? new Map<number, string>();
        if (parts.has(token.index)) duplicates += 1;
        parts.set(token.index, token.delta);
        deltas.set(token.messageId, parts);
        onToken({ ...token, at });
      },
      error: (error) => settle({ kind: 'error', message: `tokenStreamed: ${describeError(error)}` }),
      complete: () => settle({ kind: 'complete' }),
    },
  );

  return {
    deltas,
    get received() {
      return received;
    },
    get duplicates() {
      return duplicates;
    },
    done,
    dispose: () => disposeClient(client),
  };
}

export function subscribeMessages(wsUrl: string, discussionId: string): MessageSubscriber {
  const client = openClient(wsUrl);
  const messages: CommittedMessage[] = [];
  let settle: (outcome: Outcome) => void = () => {};
  const done = new Promise<Outcome>((resolve) => (settle = resolve));

  client.subscribe<{ messageAdded: CommittedMessage }>(
    { query: MESSAGE_SUBSCRIPTION, variables: { id: discussionId } },
    {
      next(result) {
        const message = result.data?.messageAdded;
        if (result.errors || !message) {
          settle({ kind: 'error', message: `messageAdded result: ${describeError(result.errors ?? 'no data')}` });
          return;
        }
        messages.push(message);
      },
      error: (error) => settle({ kind: 'error', message: `messageAdded: ${describeError(error)}` }),
      complete: () => settle({ kind: 'complete' }),
    },
  );

  return { messages, done, dispose: () => disposeClient(client) };
}

/** The text a subscriber assembled for a message, or why it could not be assembled. */
export function assembleText(parts: Map<number, string> | undefined): { text: string; missing: number } {
  if (!parts || parts.size === 0) return { text: '', missing: 0 };
  const last = Math.max(...parts.keys());
  let text = '';
  let missing = 0;
  for (let index = 0; index <= last; index++) {
    const delta = parts.get(index);
    if (delta === undefined) missing += 1;
    else text += delta;
  }
  return { text, missing };
}
