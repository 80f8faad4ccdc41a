// The Redis store's keys. Layout (every key prefixed with `keyPrefix`):
//
//   disc:{ID}                 hash: config (JSON of DiscussionConfig), owner, createdAt, status,
//                             turn, round, messageCount, failures, inputTokens/outputTokens (only
//                             once reported), in:<agent>/out:<agent>, stopReason, error,
//                             startedAt, finishedAt, nextSpeaker (each only while set)
//   disc:{ID}:log             stream of `type` (message | status | speaker_selected | tool_call)
//                             and `data` (JSON); the entry id is the cursor
//   disc:{ID}:inflight        hash: the in-flight message's metadata, and toolCalls (a JSON list
//                             of the calls it completed, only once it has some)
//   disc:{ID}:inflight:text   string: its text so far, grown by APPEND
//   disc:{ID}:calls           list: JSON of each recorded provider call, oldest first
//                             (RECORD_PROVIDER_CALLS; see provider-call-records.ts)
//   owner:{OWNER}:discussions sorted set: member = id, score = createdAt in ms
//   owner:{OWNER}:running     set: ids counted against the owner's running limit (see admitRunning)
//   discussions:all           sorted set: every discussion, like the owner index (an admin's list)
//   discussions:active        set: ids of discussions that have begun and not ended (for recovery)
//   discussions:status-counts hash: status -> how many discussions are in it (see redis-retention.ts)
//   discussions:expiring      sorted set: member = id of an ended discussion under RETENTION_DAYS,
//                             score = when its keys expire, in ms
//   discussions:expiring:info hash: id -> `<STATUS> <owner>` of each one in discussions:expiring
//
// A discussion's keys share the `{ID}` hash tag, so its multi-key scripts stay
// in one cluster slot. The owner index lives in the owner's slot: `create` and
// `delete` write it in a second command after the discussion's script (no
// script may span two slots), and `list` skips an index entry whose
// discussion is gone, so a crash between the two steps never shows a ghost.
// The status counts and the retention schedule are the exception: they are
// written by the discussion's own create, transition and delete scripts, so
// that the counts stay exact (a script that a cluster would refuse); so is
// discussions:all on create, which a recount of the counts reads. The token
// writer's append-tokens spans discussions too: one script per event-loop turn.

export interface RedisKeys {
  discussion(id: string): string;
  log(id: string): string;
  inFlight(id: string): string;
  inFlightText(id: string): string;
  /** The recordings of its provider calls (RECORD_PROVIDER_CALLS), for replayDiscussion. */
  providerCalls(id: string): string;
  ownerIndex(owner: string): string;
  /** Every discussion, newest last, for an admin's list; written like the owner index. */
  allIndex(): string;
  ownerRunning(owner: string): string;
  /** The set of discussions that have begun and not ended; in its own slot, written after each transition. */
  active(): string;
  /** How many discussions are in each status; written by the discussion scripts themselves. */
  statusCounts(): string;
  /** Ended discussions whose keys expire (RETENTION_DAYS), scored by when; the sweep drops their index entries. */
  expiring(): string;
  /** The status and owner of each discussion in `expiring`, for the sweep once its hash is gone. */
  expiringInfo(): string;
}

export function createRedisKeys(keyPrefix = ''): RedisKeys {
  return {
    discussion: (id) => `${keyPrefix}disc:{${id}}`,
    log: (id) => `${keyPrefix}disc:{${id}}:log`,
    inFlight: (id) => `${keyPrefix}disc:{${id}}:inflight`,
    inFlightText: (id) => `${keyPrefix}disc:{${id}}:inflight:text`,
    providerCalls: (id) => `${keyPrefix}disc:{${id}}:calls`,
    ownerIndex: (owner) => `${keyPrefix}owner:{${owner}}:discussions`,
    allIndex: () => `${keyPrefix}discussions:all`,
    ownerRunning: (owner) => `${keyPrefix}owner:{${owner}}:running`,
    active: () => `${keyPrefix}discussions:active`,
    statusCounts: () => `${keyPrefix}discussions:status-counts`,
    expiring: () => `${keyPrefix}discussions:expiring`,
    expiringInfo: () => `${keyPrefix}discussions:expiring:info`,
  };
}
