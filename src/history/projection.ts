// Keeps the documents `/history` and the digest read by `_id` (FerretDB 1.x serves no other lookup from an
// index), from the conversations, customers and messages the capture and tag paths write. Runs after each
// counted message (the tag job's after-count hook), after a conversation is resolved, and on demand.
//
// Every write here is idempotent ($set/$unset of a value read afresh, $addToSet, or an $inc guarded by an
// operation id), and each one re-reads its source inside the lock of the document it writes, so the last
// writer always copies the newest state: concurrent jobs of one conversation cannot leave a stale copy.
import { createHash } from 'node:crypto';
import { Conversation, Customer, WeeklyRollup, type Platform } from '../db/models.js';
import { withDocLock } from '../db/doc-lock.js';
import { nameKey } from '../capture/keys.js';
import { safeKey } from '../counters/contribution.js';
import { releaseOp, type CountedMessage } from '../counters/tag-message.js';
import { isoWeekKey } from '../time/week.js';
import { labelFor } from '../nlp/sentiment.js';
import type { Logger } from '../logger.js';
import { average, waitingSince } from './assemble.js';
import { readCustomer } from './members.js';
import { scopeKey } from './scope.js';
import { customerConversations, lookupKeys, sets } from './store.js';
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
  unanswered: (scope: string, shard: number) => `u|${scope}|${shard}`,
  replies: (scope: string, week: string, shard: number) => `r|${scope}|${week}|${shard}`,
  /** The week's first-reply histogram: `b.b<bucket>` = how many values bucket `<bucket>` holds. */
  replyHistogram: (scope: string, week: string) => `rh|${scope}|${week}`,
  /** One bucket's first-reply values (`m.<conversation>` = ms) and their count `n`. */
  replyBucket: (scope: string, week: string, bucket: number) => `rb|${scope}|${week}|${bucket}`,
  negative: (scope: string, week: string, shard: number) => `n|${scope}|${week}|${shard}`,
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
  const u = setIds.unanswered(scope, shardOf(conversationId));
  await withDocLock('history_sets', u, async () => {
    const c = await readConv(conversationId);
    if (!c) return;
    const update =
      c.status === 'open' && c.customerId
        ? { $set: { [`m.${k}`]: { id: c._id, cu: c.customerId, since: waitingSince({ startedAt: c.startedAt, firstAgentReplyAt: c.firstAgentReplyAt ?? null, lastCustomerMessageAt: c.lastCustomerMessageAt ?? null }) } } }
        : { $unset: { [`m.${k}`]: '' } };
    await sets(u).updateOne({ _id: u as never }, update, { upsert: true });
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

/** Copies the customer record into its view (`v`), read afresh inside the view's lock (idempotent). */
export async function syncCustomerView(customerId: string): Promise<void> {
  await withDocLock('customer_conversations', customerId, async () => {
    const c = await readCustomer(customerId);
    if (!c) return;
    const v: Record<string, unknown> = {};
    for (const f of VIEW_FIELDS) if ((c as unknown as Record<string, unknown>)[f] !== undefined) v[f] = (c as unknown as Record<string, unknown>)[f];
    await customerConversations(customerId).updateOne({ _id: customerId as never }, { $set: { v } }, { upsert: true });
  });
}

/** Marks, for the week of a customer message, whether that conversation of the customer is negative. */
export async function syncNegative(customerId: string, conversationId: string, week: string): Promise<void> {
  const first = await readConv(conversationId);
  if (!first || first.customerId !== customerId) return;
  const id = setIds.negative(scopeKey(first), week, shardOf(customerId));
  await withDocLock('history_sets', id, async () => {
    const c = await readConv(conversationId);
    if (!c) return;
    const avg = average(c.sentiment?.sum ?? 0, c.sentiment?.count ?? 0);
    const negative = avg !== null && labelFor(avg) === 'negative';
    const ck = safeKey(customerId);
    await sets(id).updateOne({ _id: id as never }, { $set: { [`m.${ck}.id`]: customerId, [`m.${ck}.c.${safeKey(conversationId)}`]: negative } }, { upsert: true });
  });
}

/** Counts the customer once in the week's rollup, as new (first contact that week) or returning. */
export async function countActivity(m: CountedMessage): Promise<void> {
  if (!m.customerId) return;
  const markerId = setIds.activity(m.customerId, m.week);
  let marker = (await sets(markerId).findOne({ _id: markerId as never })) as { kind?: string; done?: boolean } | null;
  if (marker?.done) return;
  if (!marker) {
    const c = await readCustomer(m.customerId);
    const kind = c?.firstContactAt && isoWeekKey(c.firstContactAt, m.timeZone) === m.week ? 'new' : 'returning';
    try {
      await sets(markerId).insertOne({ _id: markerId as never, kind, done: false });
      marker = { kind, done: false };
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      marker = (await sets(markerId).findOne({ _id: markerId as never })) as { kind?: string; done?: boolean } | null;
      if (!marker || marker.done) return;
    }
  }
  const rollupId = `${m.platform}:${m.workspaceId}:${m.week}`;
  const opId = `act-${createHash('sha1').update(markerId).digest('hex').slice(0, 16)}`;
  await withDocLock('weekly_rollups', rollupId, async () => {
    try {
      await WeeklyRollup.collection.updateOne(
        { _id: rollupId as never, ops: { $ne: opId } },
        {
          $inc: { [`customers.${marker!.kind === 'new' ? 'new' : 'returning'}`]: 1 },
          $push: { ops: { $each: [opId], $slice: -OPS_MEMORY } },
          $setOnInsert: {
            platform: m.platform,
            workspaceId: m.workspaceId,
            week: m.week,
            timeZone: m.timeZone,
            counts: { conversations: 0, messages: 0, customerMessages: 0, agentMessages: 0 },
            needs: {},
            sentiment: { sum: 0, count: 0, positive: 0, neutral: 0, negative: 0 },
            channels: {},
          },
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
