import type { Logger } from 'pino';
import type { TokenWriter } from '../events/token-writer.js';
import type { TokenWrite } from './token-sink.js';

/** Whose reply the writes are: every token event names it, and so does the warning. */
export interface ReplyTokens {
  discussionId: string;
  turn: number;
  messageId: string;
  author: string;
}

/**
 * How a reply's token sink writes: each joined delta as one token event. The first write that is
 * refused (another attempt took the turn over, so the rest of this reply goes nowhere) or that fails
 * (thrown again: the sink hands it on when the reply ends) is logged, once per reply.
 */
export function replyTokenWrites(
  tokenWriter: TokenWriter,
  logger: Logger,
  { discussionId, turn, messageId, author }: ReplyTokens,
): (token: TokenWrite) => Promise<void> {
  let told = false;
  const tell = (problem: string, details: object = {}) => {
    if (!told) logger.warn({ discussionId, turn, messageId, ...details }, problem);
    told = true;
  };
  return async ({ delta, index, offset }) => {
    let written: boolean;
    try {
      written = await tokenWriter.write({ type: 'token', discussionId, messageId, author, delta, index, offset });
    } catch (error) {
      tell('a token write failed', { message: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    if (!written) tell('token write refused: the message is no longer in flight, so its tokens go nowhere');
  };
}
