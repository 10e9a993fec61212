// Keeps the documents `/history` and the digest read by `_id` (FerretDB 1.x serves no other lookup from an
// index), from the conversations, customers and messages the capture and tag paths write. Runs after each
// counted message (the tag job's after-count hook), after a conversation is resolved, and on demand.
//
// Every write here is idempotent ($set/$unset of a value read afresh, $addToSet, or an $inc guarded by an
// operation id), and each one re-reads its source inside the lock of the document it writes, so the last
// writer always copies the newest state: concurrent jobs of one conversation cannot leave a stale copy.
import { createHash } from 'node:crypto';
import { Conversation, Customer, WeeklyRollup } from '../db/models.js';
import { type Platform } from '../domain/types.js';
import { docLock, withDocLock } from '../db/doc-lock.js';
import { updateOneById } from '../db/by-id.js';
import { nameKey, rollupKey } from '../domain/keys.js';
import { safeKey } from '../counters/contribution.js';
import { releaseOp, rollupInsertFields, type CountedMessage } from '../counters/tag-message.js';
import { isoWeekKey } from '../time/week.js';
import { labelFor } from '../nlp/sentiment.js';
import type { Logger } from '../logger.js';
import { average, waitingSince } from './assemble.js';
import { readCustomer } from './members.js';
import { scopeKey } from './scope.js';
import { briefs, customerConversations, lookupKeys, sets, viewIds, views } from './store.js';
import { OPS_MEMORY } from '../db/models.js';

/** Shards per workspace set, so no one document grows with the whole workspace. */
export const SHARDS = 8;
/** Name prefixes are indexed up to this length; a prefix document keeps at most PREFIX_CAP names. */
export const PREFIX_CHARS = 12;
export const PREFIX_CAP = 400;

export function shardOf(id: string): number {
  return createHash('sha1').update(id).digest().readUInt16BE(0) % SHARDS;
}

export const setIds = {
  /**
   * The workspace's open conversations whose wait began in hour `hour` (ms since the epoch / 1 h):
   * `m.<conversation>` = { id, since }, their count `n` and a version `v` bumped with every change of `n`.
   */
  waitingHour: (scope: string, hour: number) => `uh|${scope}|${hour}`,
  /** Per waiting hour, its count as last copied and that copy's version (`h.h<hour>` = { n, v }). */
  waitingHours: (scope: string) => `uhi|${scope}`,
  replies: (scope: string, week: string, shard: number) => `r|${scope}|${week}|${shard}`,
  /** The week's first-reply histogram: `b.b<bucket>` = how many values bucket `<bucket>` holds. */
  replyHistogram: (scope: string, week: string) => `rh|${scope}|${week}`,
  /** One bucket's first-reply values (`m.<conversation>` = ms) and their count `n`. */
  replyBucket: (scope: string, week: string, bucket: number) => `rb|${scope}|${week}|${bucket}`,
  negative: (scope: string, week: string, shard: number) => `n|${scope}|${week}|${shard}`,
  /** One customer's conversations of the week and whether each is negative (`c.<conversation>`). */
  customerNegative: (scope: string, week: string, customerId: string) => `nx|${scope}|${week}|${customerId}`,
  /** Which counts the week's repeated-negative lists have (`k.n<count>`: true). */
  repeatedNegative: (scope: string, week: string) => `nr|${scope}|${week}`,
  /** The week's customers with exactly `count` (≥ 2) negative conversations (`m.<customer>` = id). */
  repeatedNegativeOf: (scope: string, week: string, count: number) => `nr|${scope}|${week}|${count}`,
  activity: (customerId: string, week: string) => `a|${customerId}|${week}`,
  channels: (scope: string) => `ch|${scope}`,
};

export const keyIds = {
  email: (email: string) => `e|${email}`,
  exactName: (scope: string, key: string) => `x|${scope}|${key}`,
  namePrefix: (scope: string, prefix: string) => `n|${scope}|${prefix}`,
};

/** First-reply buckets per doubling of the time (from 1 s; bucket 0 holds replies under a second). */
export const REPLY_BUCKETS_PER_DOUBLING = 16;

export function replyBucket(ms: number): number {
  return ms < 1000 ? 0 : 1 + Math.floor(REPLY_BUCKETS_PER_DOUBLING * Math.log2(ms / 1000));
}

/**
 * Files a conversation's first-reply time in the week's histogram: its bucket document holds the value and
 * counts it once (the key's absence is the guard), then the histogram copies the bucket's count, read afresh
 * inside the histogram's lock (so a retry after a crash between the two heals the copy). The digest reads
 * the histogram and only the one or two buckets holding the middle values: an exact median from ~3 small reads.
 */
export async function fileReply(scope: string, week: string, conversationId: string, ms: number): Promise<void> {
  const bucket = replyBucket(ms);
  const id = setIds.replyBucket(scope, week, bucket);
  const k = safeKey(conversationId);
  await withDocLock('history_sets', id, async () => {
    try {
      await sets(id).updateOne({ _id: id, [`m.${k}`]: { $exists: false } } as never, { $set: { [`m.${k}`]: ms }, $inc: { n: 1 } } as never, { upsert: true });
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err; // filed already
    }
  });
  await copyBucketCount(scope, week, bucket);
}

async function copyBucketCount(scope: string, week: string, bucket: number): Promise<void> {
  const id = setIds.replyBucket(scope, week, bucket);
  const h = setIds.replyHistogram(scope, week);
  await withDocLock('history_sets', h, async () => {
    const d = (await sets(id).findOne({ _id: id as never }, { projection: { n: 1 } })) as { n?: number } | null;
    await sets(h).updateOne({ _id: h as never }, { $set: { [`b.b${bucket}`]: d?.n ?? 0 } }, { upsert: true });
  });
}

/** Takes a conversation's first reply out of the week's sets (the shard entry, its bucket and the histogram). */
export async function removeReply(scope: string, week: string, conversationId: string): Promise<void> {
  const k = safeKey(conversationId);
  const r = setIds.replies(scope, week, shardOf(conversationId));
  const ms = await withDocLock('history_sets', r, async () => {
    const d = (await sets(r).findOne({ _id: r as never })) as { m?: Record<string, number> } | null;
    await sets(r).updateOne({ _id: r as never }, { $unset: { [`m.${k}`]: '' } });
    return d?.m?.[k] ?? null;
  });
  if (ms === null) return;
  const bucket = replyBucket(ms);
  const id = setIds.replyBucket(scope, week, bucket);
  await withDocLock('history_sets', id, () => sets(id).updateOne({ _id: id, [`m.${k}`]: { $exists: true } } as never, { $unset: { [`m.${k}`]: '' }, $inc: { n: -1 } } as never));
  await copyBucketCount(scope, week, bucket);
}

export interface ConvDoc {
  _id: string;
  platform: Platform;
  workspaceId: string;
  channelId: string;
  channelName?: string | null;
  customerId?: string | null;
  status: 'open' | 'answered' | 'resolved';
  startedAt: Date;
  lastMessageAt: Date;
  lastCustomerMessageAt?: Date | null;
  firstAgentReplyAt?: Date | null;
  firstResponseMs?: number | null;
  sentiment?: { sum?: number; count?: number };
  firstLine?: string | null;
  permalink?: string | null;
  needs?: Record<string, number>;
}

const readConv = async (id: string): Promise<ConvDoc | null> => (await Conversation.collection.findOne({ _id: id as never })) as unknown as ConvDoc | null;

/** The entry a customer keeps for each conversation it owns (enough to list, page and tell the state). */
export interface ConversationEntry {
  id: string;
  p: Platform;
  ch: string;
  cn: string | null;
  s: Date;
  l: Date;
  lc: Date | null;
  fa: Date | null;
  st: 'open' | 'answered' | 'resolved';
  /** What `/history` and the digest show of it (first line, permalink, needs, sentiment sum and count). */
  fl: string | null;
  pl: string | null;
  nd: Record<string, number>;
  ss: { sum: number; count: number };
}

export function entryOf(c: ConvDoc): ConversationEntry {
  return {
    id: c._id,
    p: c.platform,
    ch: c.channelId,
    cn: c.channelName ?? null,
    s: c.startedAt,
    l: c.lastMessageAt,
    lc: c.lastCustomerMessageAt ?? null,
    fa: c.firstAgentReplyAt ?? null,
    st: c.status,
    fl: c.firstLine ?? null,
    pl: c.permalink ?? null,
    nd: c.needs ?? {},
    ss: { sum: c.sentiment?.sum ?? 0, count: c.sentiment?.count ?? 0 },
  };
}

const HOUR_MS = 3_600_000;
export const waitingHourOf = (since: Date): number => Math.floor(since.getTime() / HOUR_MS);

/**
 * Moves the conversation's waiting entry from the hour its brief says it is filed under (`filed`, as last read)
 * to the hour of `since` (null: no longer waiting). Runs inside the brief's lock. Each bucket change adds or
 * removes the entry and moves the bucket's count in one update, conditional on the entry's presence, so a
 * retry changes nothing; the count is then copied to the hour index, whose copies only move forward in version.
 * Order (take out of the old hour, move the brief's mark, file under the new hour) leaves a crash anywhere to be
 * healed by the next sync. Without document locks (MongoDB) two syncs of one conversation may race: the mark
 * moves by compare-and-set, and a sync that finds the mark moved on after filing takes its entry out again.
 */
async function fileWaiting(scope: string, conversationId: string, filed: number | null, since: Date | null): Promise<void> {
  const b = viewIds.brief(conversationId);
  const hour = since === null ? null : waitingHourOf(since);
  for (let attempt = 0; ; attempt++) {
    if (filed !== null && filed !== hour) await unfileWaiting(scope, filed, conversationId);
    if (filed !== hour) {
      const moved = await updateOneById(briefs(b), { _id: b, w: filed === null ? { $exists: false } : filed }, hour === null ? { $unset: { w: '' } } : { $set: { w: hour } });
      if (moved.matchedCount === 0) {
        if (attempt >= 4) throw new Error(`waiting mark of ${conversationId} kept moving; retrying later`);
        filed = await waitingMark(b);
        continue;
      }
    }
    if (hour === null) return;
    const k = safeKey(conversationId);
    const id = setIds.waitingHour(scope, hour);
    const entry = { id: conversationId, since };
    const added = await withDocLock('history_sets', id, async () => {
      await sets(id).updateOne({ _id: id as never }, { $setOnInsert: { n: 0, v: 0 } }, { upsert: true });
      const r = await updateOneById(sets(id), { _id: id, [`m.${k}`]: { $exists: false } }, { $set: { [`m.${k}`]: entry }, $inc: { n: 1, v: 1 } });
      if (r.matchedCount === 0) await sets(id).updateOne({ _id: id as never }, { $set: { [`m.${k}`]: entry } });
      return r.matchedCount > 0;
    });
    if (added) await copyWaitingCount(scope, hour);
    if (!docLock().enabled && (await waitingMark(b)) !== hour) await unfileWaiting(scope, hour, conversationId);
    return;
  }
}

async function waitingMark(briefId: string): Promise<number | null> {
  const d = (await briefs(briefId).findOne({ _id: briefId as never }, { projection: { w: 1 } })) as { w?: number } | null;
  return typeof d?.w === 'number' ? d.w : null;
}

async function unfileWaiting(scope: string, hour: number, conversationId: string): Promise<void> {
  const id = setIds.waitingHour(scope, hour);
  const k = safeKey(conversationId);
  const r = await withDocLock('history_sets', id, () => updateOneById(sets(id), { _id: id, [`m.${k}`]: { $exists: true } }, { $unset: { [`m.${k}`]: '' }, $inc: { n: -1, v: 1 } }));
  if (r.matchedCount > 0) await copyWaitingCount(scope, hour);
}

/** Copies an hour bucket's count into the workspace's hour index, unless a newer copy is there already. */
async function copyWaitingCount(scope: string, hour: number): Promise<void> {
  const id = setIds.waitingHour(scope, hour);
  const d = (await sets(id).findOne({ _id: id as never }, { projection: { n: 1, v: 1 } })) as { n?: number; v?: number } | null;
  if (!d) return;
  const idx = setIds.waitingHours(scope);
  const f = `h.h${hour}`;
  await withDocLock('history_sets', idx, async () => {
    await sets(idx).updateOne({ _id: idx as never }, { $setOnInsert: { h: {} } }, { upsert: true });
    await updateOneById(sets(idx), { _id: idx, $or: [{ [f]: { $exists: false } }, { [`${f}.v`]: { $lt: d.v ?? 0 } }] }, { $set: { [f]: { n: d.n ?? 0, v: d.v ?? 0 } } });
  });
}

/** Takes a conversation out of the waiting hours (it is being deleted); call before its brief is deleted. */
export async function dropWaiting(scope: string, conversationId: string): Promise<void> {
  const b = viewIds.brief(conversationId);
  await withDocLock('history_briefs', b, async () => {
    const filed = await waitingMark(b);
    if (filed !== null) await fileWaiting(scope, conversationId, filed, null);
  });
}

async function upsertSet(id: string, update: Record<string, unknown>): Promise<void> {
  await withDocLock('history_sets', id, () => sets(id).updateOne({ _id: id as never }, update, { upsert: true }));
}

/** The customer's entry for the conversation, the workspace's unanswered set and the week's first-reply times. */
/** `timeZone` null skips the first-reply set (a status change does not move the first reply). */
export async function syncConversation(conversationId: string, timeZone: string | null): Promise<void> {
  const first = await readConv(conversationId);
  if (!first) return;
  const scope = scopeKey(first);
  const k = safeKey(conversationId);
  if (first.customerId) {
    const cid = first.customerId;
    await withDocLock('customer_conversations', cid, async () => {
      const c = await readConv(conversationId);
      if (c?.customerId !== cid) return;
      await customerConversations(cid).updateOne({ _id: cid as never }, { $set: { [`c.${k}`]: entryOf(c) } }, { upsert: true });
    });
  }
  // The brief copy, and the conversation filed under the hour its wait began (the brief remembers which).
  const b = viewIds.brief(conversationId);
  await withDocLock('history_briefs', b, async () => {
    const c = await readConv(conversationId);
    if (!c) return;
    const before = await briefs(b).findOneAndUpdate({ _id: b as never }, { $set: { e: entryOf(c) } }, { upsert: true, returnDocument: 'before' }); // (FerretDB 1.24 refuses a projection in findAndModify)
    const since = c.status === 'open' && c.customerId ? waitingSince({ startedAt: c.startedAt, firstAgentReplyAt: c.firstAgentReplyAt ?? null, lastCustomerMessageAt: c.lastCustomerMessageAt ?? null }) : null;
    await fileWaiting(scope, conversationId, typeof before?.w === 'number' ? before.w : null, since);
  });
  if (timeZone !== null && first.firstResponseMs != null) {
    const r = setIds.replies(scope, isoWeekKey(first.startedAt, timeZone), shardOf(conversationId));
    await withDocLock('history_sets', r, async () => {
      const c = await readConv(conversationId);
      if (c?.firstResponseMs == null || isoWeekKey(c.startedAt, timeZone) !== r.split('|')[2]) return;
      await sets(r).updateOne({ _id: r as never }, { $set: { [`m.${k}`]: c.firstResponseMs } }, { upsert: true });
    });
    if (first.firstResponseMs != null) await fileReply(scope, isoWeekKey(first.startedAt, timeZone), conversationId, first.firstResponseMs);
  }
}

/** The customer-record fields `/history` and the digest read (a copy kept in the customer's view). */
export const VIEW_FIELDS = ['platform', 'workspaceId', 'identities', 'name', 'nameKey', 'email', 'company', 'external', 'firstContactAt', 'lastContactAt', 'counts', 'needs', 'sentiment', 'channels', 'days'] as const;

/** Copies the customer record into its view (`v|<customer>`: `v`), read afresh inside the view's lock (idempotent). */
export async function syncCustomerView(customerId: string): Promise<void> {
  const id = viewIds.customer(customerId);
  await withDocLock('history_views', id, async () => {
    const c = await readCustomer(customerId);
    if (!c) return;
    const v: Record<string, unknown> = {};
    for (const f of VIEW_FIELDS) if ((c as unknown as Record<string, unknown>)[f] !== undefined) v[f] = (c as unknown as Record<string, unknown>)[f];
    await views(id).updateOne({ _id: id as never }, { $set: { v } }, { upsert: true });
  });
}

/** Whether a conversation's average sentiment so far is negative (what the at-risk marks record). */
export function isNegative(c: Pick<ConvDoc, 'sentiment'>): boolean {
  const avg = average(c.sentiment?.sum ?? 0, c.sentiment?.count ?? 0);
  return avg !== null && labelFor(avg) === 'negative';
}

/** Marks, for the week of a customer message, whether that conversation of the customer is negative. */
export async function syncNegative(customerId: string, conversationId: string, week: string): Promise<void> {
  const first = await readConv(conversationId);
  if (!first || first.customerId !== customerId) return;
  const id = setIds.negative(scopeKey(first), week, shardOf(customerId));
  await withDocLock('history_sets', id, async () => {
    const c = await readConv(conversationId);
    if (!c) return;
    const negative = isNegative(c);
    const ck = safeKey(customerId);
    await sets(id).updateOne({ _id: id as never }, { $set: { [`m.${ck}.id`]: customerId, [`m.${ck}.c.${safeKey(conversationId)}`]: negative } }, { upsert: true });
  });
  // The same mark in the customer's own document, then its count copied to the week's repeated-negative list
  // (the digest reads that one small document, not the shards, whenever it holds enough customers).
  const x = setIds.customerNegative(scopeKey(first), week, customerId);
  await withDocLock('history_sets', x, async () => {
    const c = await readConv(conversationId);
    if (!c) return;
    const negative = isNegative(c);
    await sets(x).updateOne({ _id: x as never }, { $set: { [`c.${safeKey(conversationId)}`]: negative } }, { upsert: true });
  });
  await copyRepeatedNegative(scopeKey(first), week, customerId);
}

/**
 * Lists the customer under its count of negative conversations this week (two or more), from its own marks.
 * Its document remembers the count it is listed under, so a move takes it out of the old list first; a retry
 * after a crash repeats the same idempotent steps. Runs inside the customer's marks lock (then one list's).
 */
export async function copyRepeatedNegative(scope: string, week: string, customerId: string, opts: { forget?: boolean } = {}): Promise<void> {
  const x = setIds.customerNegative(scope, week, customerId);
  const ck = safeKey(customerId);
  const inList = (count: number, update: Record<string, unknown>) => {
    const id = setIds.repeatedNegativeOf(scope, week, count);
    return withDocLock('history_sets', id, () => sets(id).updateOne({ _id: id as never }, update, { upsert: true }));
  };
  await withDocLock('history_sets', x, async () => {
    const d = (await sets(x).findOne({ _id: x as never })) as { c?: Record<string, boolean>; listed?: number } | null;
    const n = opts.forget ? 0 : Object.values(d?.c ?? {}).filter(Boolean).length;
    const listed = d?.listed ?? 0;
    if (listed >= 2 && listed !== n) await inList(listed, { $unset: { [`m.${ck}`]: '' } });
    if (n >= 2) {
      await inList(n, { $set: { [`m.${ck}`]: customerId } });
      const idx = setIds.repeatedNegative(scope, week);
      await withDocLock('history_sets', idx, () => sets(idx).updateOne({ _id: idx as never }, { $set: { [`k.n${n}`]: true } }, { upsert: true }));
    }
    if (opts.forget) await sets(x).deleteOne({ _id: x as never });
    else if (listed !== n && d) await sets(x).updateOne({ _id: x as never }, { $set: { listed: n } });
  });
}

/** Takes a customer out of a week's negative marks (its own document and the repeated list; /customer forget). */
export async function removeNegative(scope: string, week: string, customerId: string): Promise<void> {
  await copyRepeatedNegative(scope, week, customerId, { forget: true });
}

/** The customer's `first|<customer>` document (see countActivity). */
export interface FirstDoc {
  _id: string;
  /** The week whose activity marker counts the customer as new (its first contact's week). */
  w?: string;
  /** Moves of a week's count from new to returning: pending (`mv`) and done (`fl`), by the week moved. */
  mv?: Record<string, Flip>;
  fl?: Record<string, Flip>;
  /** Set by forget (src/privacy/forget.ts) before it undoes the moves: no move is applied or recorded after it. */
  forgotten?: boolean;
}

/** A later week that counted the customer as new while an earlier week turned out to hold its first contact. */
export interface Flip {
  /** The earlier week, now counted as new. */
  to: string;
  /** The later week's rollup (`platform:workspace:week`) and its zone. */
  r: string;
  tz: string;
}

export const firstId = (customerId: string): string => `first|${customerId}`;
/** The operation id of a week's count (`kind` +1) and of its move from new to returning. */
export const activityOpId = (markerId: string): string => `act-${createHash('sha1').update(markerId).digest('hex').slice(0, 16)}`;
export const flipOpId = (customerId: string, from: string, to: string): string =>
  `actmv-${createHash('sha1').update(`${customerId}|${from}|${to}`).digest('hex').slice(0, 16)}`;


type Marker = { kind?: string; done?: boolean };
const readMarker = async (id: string): Promise<Marker | null> => (await sets(id).findOne({ _id: id as never })) as Marker | null;
const readFirst = async (id: string): Promise<FirstDoc | null> => (await sets(id).findOne({ _id: id as never })) as FirstDoc | null;

/**
 * Counts the customer once in the week's rollup, as new (its first contact — earliest captured customer
 * message, deleted or not — falls in that week, workspace zone) or returning; the same definition as the
 * naive digest. Messages may be counted out of time order (a backfill or an import brings an earlier week
 * after a later one counted the customer as new): `first|<customer>` keeps the week counted as new (`w`),
 * and counting an earlier week as new moves the later one from new to returning (`mv`, then `fl` once done).
 * Decisions are taken under that document's lock (so two weeks cannot both claim new); every rollup change
 * is an $inc guarded by its own op id, applied under the rollup's lock only while the record of it does not
 * yet say it is done, and released once it does. A week's count and its move commute, so a move may land
 * before the week's own count. Holds at most one lock at a time (beside the message's).
 */
export async function countActivity(m: CountedMessage): Promise<void> {
  if (!m.customerId) return;
  const cid = m.customerId;
  const markerId = setIds.activity(cid, m.week);
  const fid = firstId(cid);
  let marker = await readMarker(markerId);
  if (!marker) {
    marker = await withDocLock('history_sets', fid, async () => {
      const again = await readMarker(markerId);
      if (again) return again;
      const f = await readFirst(fid);
      const c = await readCustomer(cid);
      const firstWeek = c?.firstContactAt ? isoWeekKey(c.firstContactAt, m.timeZone) : null;
      // An earlier week already counted as new can only come from a change of the workspace zone.
      const kind = firstWeek === m.week && !(f?.w && f.w < m.week) ? 'new' : 'returning';
      if (kind === 'new' && f?.w !== m.week) {
        const set: Record<string, unknown> = { w: m.week };
        if (f?.w && !f.fl?.[f.w]) set[`mv.${f.w}`] = { to: m.week, r: rollupKey(m.platform, m.workspaceId, f.w), tz: m.timeZone } satisfies Flip;
        await sets(fid).updateOne({ _id: fid as never }, { $set: set }, { upsert: true });
      }
      try {
        await sets(markerId).insertOne({ _id: markerId as never, kind, done: false });
        return { kind, done: false };
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
        return readMarker(markerId);
      }
    });
  }
  await settleFlips(cid);
  if (!marker || marker.done) return;
  const rollupId = rollupKey(m.platform, m.workspaceId, m.week);
  const opId = activityOpId(markerId);
  const kind = marker.kind === 'new' ? 'new' : 'returning';
  await withDocLock('weekly_rollups', rollupId, async () => {
    // Another job of the customer's week may have counted it and released the id meanwhile.
    if ((await readMarker(markerId))?.done) return;
    try {
      await WeeklyRollup.collection.updateOne(
        { _id: rollupId as never, ops: { $ne: opId } },
        {
          $inc: { [`customers.${kind}`]: 1 },
          $push: { ops: { $each: [opId], $slice: -OPS_MEMORY } },
          $setOnInsert: rollupInsertFields(m.platform, m.workspaceId, m.week, m.timeZone),
        } as never,
        { upsert: true },
      );
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err; // exists and already holds the operation
    }
  });
  await sets(markerId).updateOne({ _id: markerId as never }, { $set: { done: true } });
  // The marker now says it is counted, so the rollup need not remember the operation (see tag-message.ts).
  await releaseOp(WeeklyRollup.collection, rollupId, opId);
}

/** Finishes the customer's pending moves from new to returning (idempotent; any job of the customer may run it). */
export async function settleFlips(customerId: string): Promise<void> {
  const fid = firstId(customerId);
  const f = await readFirst(fid);
  for (const [from, flip] of Object.entries(f?.mv ?? {})) {
    const opId = flipOpId(customerId, from, flip.to);
    const [platform, workspaceId] = flip.r.split(':') as [Platform, string];
    await withDocLock('weekly_rollups', flip.r, async () => {
      const now = await readFirst(fid);
      if (!now?.mv?.[from] || now.fl?.[from] || now.forgotten) return; // done (and its id maybe released), or forgotten
      try {
        await WeeklyRollup.collection.updateOne(
          { _id: flip.r as never, ops: { $ne: opId } },
          {
            $inc: { 'customers.new': -1, 'customers.returning': 1 },
            $push: { ops: { $each: [opId], $slice: -OPS_MEMORY } },
            $setOnInsert: rollupInsertFields(platform, workspaceId, from, flip.tz),
          } as never,
          { upsert: true },
        );
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
      }
    });
    const recorded = await withDocLock('history_sets', fid, async () => {
      const res = await sets(fid).updateOne({ _id: fid, [`mv.${from}`]: { $exists: true }, forgotten: { $exists: false } } as never, { $set: { [`fl.${from}`]: flip }, $unset: { [`mv.${from}`]: '' } } as never);
      return res.matchedCount > 0 || !!(await readFirst(fid))?.fl?.[from];
    });
    // Released only once recorded: a customer forgotten meanwhile leaves the id, which tells forget it was applied.
    if (recorded) await releaseOp(WeeklyRollup.collection, flip.r, opId);
  }
}

function namePrefixes(key: string): string[] {
  const out = new Set<string>();
  for (const w of key.split(' ')) for (let i = 1; i <= Math.min(w.length, PREFIX_CHARS); i++) out.add(w.slice(0, i));
  return [...out];
}

async function addPrefixEntry(id: string, entry: string): Promise<void> {
  await withDocLock('customer_keys', id, async () => {
    try {
      await lookupKeys(id).updateOne({ _id: id, ids: { $ne: entry }, n: { $lt: PREFIX_CAP } } as never, { $push: { ids: entry }, $inc: { n: 1 } } as never, { upsert: true });
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err; // already there, or the prefix is full
    }
  });
}

async function removePrefixEntry(id: string, entry: string): Promise<void> {
  await withDocLock('customer_keys', id, async () => {
    const res = await lookupKeys(id).updateOne({ _id: id, ids: entry } as never, { $pull: { ids: entry }, $inc: { n: -1 } } as never);
    void res;
  });
}

async function addToKey(id: string, value: string): Promise<void> {
  await withDocLock('customer_keys', id, () => lookupKeys(id).updateOne({ _id: id }, { $addToSet: { ids: value } }, { upsert: true }));
}

async function removeFromKey(id: string, value: string): Promise<void> {
  await withDocLock('customer_keys', id, () => lookupKeys(id).updateOne({ _id: id }, { $pull: { ids: value } }));
}

/** Indexes the customer's name and email for lookup (when they changed) and returns the email's other customers. */
export async function indexCustomer(customerId: string): Promise<{ email: string | null; sameEmail: string[] }> {
  const c = await readCustomer(customerId);
  if (!c) return { email: null, sameEmail: [] };
  const scope = scopeKey(c);
  const key = c.nameKey ?? (c.name ? nameKey(c.name) : null);
  const email = c.email ? c.email.toLowerCase() : null;
  const indexed = (c as { indexed?: { name: string | null; email: string | null } }).indexed ?? { name: null, email: null };
  if (indexed.name !== key) {
    if (indexed.name) {
      await removeFromKey(keyIds.exactName(scope, indexed.name), customerId);
      for (const p of namePrefixes(indexed.name)) await removePrefixEntry(keyIds.namePrefix(scope, p), `${indexed.name}\t${customerId}`);
    }
    if (key) {
      await addToKey(keyIds.exactName(scope, key), customerId);
      for (const p of namePrefixes(key)) await addPrefixEntry(keyIds.namePrefix(scope, p), `${key}\t${customerId}`);
    }
  }
  if (indexed.email !== email) {
    if (indexed.email) await removeFromKey(keyIds.email(indexed.email), customerId);
    if (email) await addToKey(keyIds.email(email), customerId);
  }
  if (indexed.name !== key || indexed.email !== email) {
    // Customer writes elsewhere take the same lock, so this $set cannot erase a concurrent counter update.
    await withDocLock('customers', customerId, () => Customer.collection.updateOne({ _id: customerId as never }, { $set: { indexed: { name: key, email } } }));
  }
  if (!email) return { email, sameEmail: [] };
  const doc = await lookupKeys(keyIds.email(email)).findOne({ _id: keyIds.email(email) });
  return { email, sameEmail: (doc?.ids ?? []).filter((id) => id !== customerId) };
}

/** Remembers channel names per workspace for the digest (in-process cache of what was written). */
const namedChannels = new Set<string>();

export async function syncChannelName(m: CountedMessage): Promise<void> {
  if (!m.conversationId) return;
  const c = await readConv(m.conversationId);
  if (!c?.channelName) return;
  const scope = scopeKey(m);
  const memo = `${scope}|${c.channelId}|${c.channelName}`;
  if (namedChannels.has(memo)) return;
  await upsertSet(setIds.channels(scope), { $set: { [`m.c_${safeKey(c.channelId)}`]: { id: c.channelId, name: c.channelName } } });
  namedChannels.add(memo);
}

export interface ProjectorDeps {
  log: Logger;
  /** Links customers whose emails match (from src/history/link.ts; injected to keep this file free of cycles). */
  autoLink?: (customerId: string, others: string[]) => Promise<void>;
}

/** The tag job's after-count hook. */
export function createProjector(deps: ProjectorDeps): (m: CountedMessage) => Promise<void> {
  return async (m) => {
    if (m.conversationId) await syncConversation(m.conversationId, m.timeZone);
    await syncChannelName(m);
    if (m.role !== 'customer' || !m.customerId) return;
    await syncCustomerView(m.customerId);
    if (m.conversationId) await syncNegative(m.customerId, m.conversationId, m.week);
    await countActivity(m);
    const { sameEmail } = await indexCustomer(m.customerId);
    if (sameEmail.length > 0 && deps.autoLink) await deps.autoLink(m.customerId, sameEmail);
  };
}
