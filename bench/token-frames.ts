/** Token frames as the service publishes them on a discussion channel, and the raw publisher's copies of them. */

import type { TokenEvent } from '../src/events/types.js';

/** The JSON the engine publishes for each delta, less `offset`: the raw frames need none and the benchmark reads none. */
export type TokenFrame = Omit<TokenEvent, 'offset'>;

/** The fields the benchmark reads of a token frame. */
export type TokenFields = Pick<TokenFrame, 'discussionId' | 'messageId' | 'index' | 'delta'>;

/** A token frame's fields, or undefined for anything else on the channel (messages, status, …). */
export function parseTokenFrame(text: string): TokenFields | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (!('type' in value) || value.type !== 'token') return undefined;
  if (!('discussionId' in value) || typeof value.discussionId !== 'string') return undefined;
  if (!('messageId' in value) || typeof value.messageId !== 'string') return undefined;
  if (!('index' in value) || typeof value.index !== 'number') return undefined;
  if (!('delta' in value) || typeof value.delta !== 'string') return undefined;
  return { discussionId: value.discussionId, messageId: value.messageId, index: value.index, delta: value.delta };
}

/** A discussion's channel, named by the service's own bus. */
export { discussionChannel } from '../src/events/bus.js';

/** The pattern of every discussion channel under a prefix (the prefix must not hold glob characters). */
export const discussionChannelPattern = (keyPrefix: string): string => `${keyPrefix}disc:*:events`;

/** The discussion id of a channel named by `discussionChannel`. */
export const discussionOfChannel = (channel: string): string => /\{([^}]*)\}:events$/.exec(channel)?.[1] ?? channel;

// Words like the MOCK provider's replies, one per frame with its trailing space, as the MOCK provider streams them.
const WORDS = (
  'From where I sit as a pragmatic engineer, adopting GraphQL comes down to one thing: what we can still change cheaply later. ' +
  'I want to push back on Ben: the hard part is not solved yet, and we should write down how we would know it worked. ' +
  'My proposal is to agree on one measurable goal before we pick tools, keep the first version boring and revisit it with numbers.'
).split(' ');

/** Frames per raw message: about a MOCK reply's length at one word per frame. */
export const WORDS_PER_MESSAGE = 50;

/**
 * The `position`-th token frame of a raw channel, as JSON, and its delta: messages of
 * WORDS_PER_MESSAGE frames, indexes from 0 in each, `wordsPerFrame` words per frame.
 */
export function rawFrame(discussionId: string, position: number, wordsPerFrame = 1): { json: string; delta: string } {
  let delta = '';
  for (let word = position * wordsPerFrame; word < (position + 1) * wordsPerFrame; word++)
    delta += `${WORDS[word % WORDS.length] ?? 'word'} `;
  const frame: TokenFrame = {
    type: 'token',
    discussionId,
    messageId: `${discussionId}-m${Math.floor(position / WORDS_PER_MESSAGE)}`,
    author: 'Ada',
    delta,
    index: position % WORDS_PER_MESSAGE,
  };
  return { json: JSON.stringify(frame), delta };
}

/** Characters per word of the raw frames, its trailing space included. */
export const RAW_CHARACTERS_PER_WORD = WORDS.reduce((sum, word) => sum + word.length + 1, 0) / WORDS.length;

/** The text of a WebSocket message as `ws` hands it over (a Buffer, fragments, or an ArrayBuffer). */
export function messageText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return Buffer.isBuffer(data) ? data.toString() : Buffer.from(data).toString();
}

/** Whitespace-separated words of a text. */
export const countWords = (text: string): number => text.match(/\S+/g)?.length ?? 0;
