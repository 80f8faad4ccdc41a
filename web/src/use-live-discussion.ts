/**
 * Follows one discussion: its header (status, next speaker, usage), its
 * participants and its live timeline. On a dropped connection it subscribes
 * again with `after` set to the last event it holds, so nothing is missed and
 * nothing is repeated, and reads `inFlight` again for the tokens it missed.
 *
 * The header is read, not pushed: after each persisted event (every change of
 * status, speaker or usage is one) it is read again, so the last read follows
 * the last event and a late answer is corrected by the next.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './client';
import { errorText } from './client';
import { DiscussionEventsSubscription, DiscussionQuery } from './documents';
import type { DiscussionQuery as DiscussionData, HeaderFieldsFragment } from './gql/graphql';
import { EMPTY_LIVE_STATE, applyEvent, mergeInFlight, type LiveState } from './live-state';

export type Participants = NonNullable<DiscussionData['discussion']>['participants'];
export type Connection = 'connecting' | 'live' | 'reconnecting';

const LOG_START = '0-0';
const MAX_BACKOFF_MS = 5_000;

export interface LiveDiscussion {
  header: HeaderFieldsFragment | undefined;
  participants: Participants;
  live: LiveState;
  connection: Connection;
  /** Why the discussion cannot be shown (not found, not yours): not retried. */
  failure: string | undefined;
}

export function useLiveDiscussion({ client, ws }: Api, id: string): LiveDiscussion {
  const [header, setHeader] = useState<HeaderFieldsFragment>();
  const [participants, setParticipants] = useState<Participants>([]);
  const [live, setLive] = useState<LiveState>(EMPTY_LIVE_STATE);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [failure, setFailure] = useState<string>();
  const state = useRef(EMPTY_LIVE_STATE);

  useEffect(() => {
    state.current = EMPTY_LIVE_STATE;
    setLive(EMPTY_LIVE_STATE);
    setHeader(undefined);
    setFailure(undefined);
    let disposed = false;
    let generation = 0;
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let subscription: { unsubscribe(): void } | undefined;
    let reading = false;
    let readAgain = false;

    const update = (next: LiveState) => {
      const persisted = next.cursor !== state.current.cursor;
      state.current = next;
      setLive(next);
      if (next.gap || persisted) read();
    };
    /** Reads the header, participants and in-flight text; one read at a time, and one more if asked meanwhile. */
    const read = () => {
      if (reading) {
        readAgain = true;
        return;
      }
      reading = true;
      const own = generation;
      const tokensAtStart = state.current.tokens;
      void client
        .query(DiscussionQuery, { id }, { requestPolicy: 'network-only' })
        .toPromise()
        .then((result) => {
          reading = false;
          if (disposed) return;
          if (result.error) return dropped(own, result.error);
          const discussion = result.data?.discussion;
          if (!discussion) return setFailure(`There is no discussion ${id}, or it is not yours.`);
          const { participants: who, inFlight, ...rest } = discussion;
          setHeader(rest);
          setParticipants(who);
          update(mergeInFlight(state.current, inFlight, tokensAtStart));
          if (readAgain) {
            readAgain = false;
            read();
          }
        });
    };
    const dropped = (own: number, error: Parameters<typeof errorText>[0]) => {
      if (own !== generation || disposed) return;
      generation += 1;
      subscription?.unsubscribe();
      subscription = undefined;
      if (error.graphQLErrors.length > 0) {
        setFailure(errorText(error));
        return;
      }
      setConnection('reconnecting');
      clearTimeout(timer);
      timer = setTimeout(connect, Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt++));
    };
    const connect = () => {
      if (disposed) return;
      subscription?.unsubscribe();
      const own = generation;
      let first = true;
      subscription = client
        .subscription(DiscussionEventsSubscription, { id, after: state.current.cursor ?? LOG_START })
        .subscribe((result) => {
          if (result.error) return dropped(own, result.error);
          if (!result.data) return;
          attempt = 0;
          setConnection('live');
          update(applyEvent(state.current, result.data.discussionEvents));
          // The server listens before it replays, so from the first event on no token is missed: a read now
          // holds every token published before it, and later ones join it by offset.
          if (first) read();
          first = false;
        });
      read();
    };
    // A socket that is up (its connection_init acknowledged) carries this view's subscription.
    const offConnected = ws.on('connected', () => {
      if (!disposed && subscription) setConnection('live');
    });
    connect();
    return () => {
      disposed = true;
      offConnected();
      clearTimeout(timer);
      subscription?.unsubscribe();
    };
  }, [client, ws, id]);

  return { header, participants, live, connection, failure };
}
