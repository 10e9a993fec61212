// Which conversation a top-level channel message joins, found without scanning the conversations.
//
// A customer's top-level messages in a channel join their latest conversation there if its last message is
// within the window; an agent's or a bot's join the channel's latest (DESIGN.md). As a filter (platform,
// workspace, channel, customer, lastMessageAt) that is an indexed query on MongoDB, but FerretDB 1.x's SQLite
// backend serves only `_id` equality from an index, so the query read every conversation ever stored and capture
// slowed down as history grew. Capture therefore keeps, per channel (`…|*`) and per channel and customer
// (`…|<customerId>`), a small `_id`-keyed "run" document: the recently active conversations with their last
// message time (`e`), and `from`, the time from which that map is complete. A lookup is answered from the map
// only when the map is complete for its whole window and the chosen conversation still exists; otherwise
// (no document yet, an old backfilled message, a conversation deleted since) it runs the query, and a missing
// map is seeded from that query's answer. So the answer is always the query's answer, in one `_id` read.
import { createHash } from 'node:crypto';
import { declareCollection } from '../db/collections.js';
import { withDocLock } from '../db/doc-lock.js';
import { Conversation } from '../db/models.js';
import { type Platform } from '../domain/types.js';

/** Entries kept per run document; older ones are pruned (and `from` moves past them). */
export const RUN_MAX_ENTRIES = 64;
/** Entries whose last message is this much older than the newest are pruned too. */
export const RUN_KEEP_MS = 2 * 24 * 3_600_000;

interface RunEntry {
  /** Conversation id. */
  i: string;
  /** Its last message time, as last seen by capture. */
  l: Date;
}

export interface RunDoc {
  _id: string;
  /** `platform:workspace:channel`, to drop every run of a channel at once. */
  s: string;
  e?: Record<string, RunEntry>;
  /** The map holds every conversation whose last message is at or after this time. Missing: not seeded. */
  from?: Date;
}

export interface RunLookup {
  platform: Platform;
  workspaceId: string;
  channelId: string;
  /** The customer whose run this is; null for the channel's run (agent and bot messages). */
  customerId: string | null;
  from: Date;
  to: Date;
}

const runs = declareCollection<RunDoc>('conversation_runs');

const channelScope = (platform: string, workspaceId: string, channelId: string): string => `${platform}:${workspaceId}:${channelId}`;
const runId = (scope: string, customerId: string | null): string => `${scope}|${customerId ?? '*'}`;
/** A field name safe for any conversation id (ids hold dots and colons). */
const entryKey = (conversationId: string): string => `c${createHash('sha1').update(conversationId).digest('hex').slice(0, 20)}`;

/** The latest conversation in the window, from a list of candidates. */
function latestIn(entries: Iterable<RunEntry>, from: Date, to: Date): RunEntry | null {
  let best: RunEntry | null = null;
  for (const e of entries) {
    const t = new Date(e.l).getTime();
    if (t < from.getTime() || t > to.getTime()) continue;
    if (best === null || t > new Date(best.l).getTime()) best = e;
  }
  return best;
}

/** The query the run documents stand in for (and seed from). */
async function scan(q: RunLookup, since: Date, to: Date): Promise<RunEntry[]> {
  const filter: Record<string, unknown> = {
    platform: q.platform,
    workspaceId: q.workspaceId,
    channelId: q.channelId,
    lastMessageAt: { $gte: since, $lte: to },
  };
  if (q.customerId !== null) filter.customerId = q.customerId;
  const found = await Conversation.find(filter, { _id: 1, lastMessageAt: 1 }).lean();
  return found.map((c) => ({ i: c._id, l: c.lastMessageAt }));
}

/** The conversation a top-level message joins (null: it starts its own). */
export async function recentConversation(q: RunLookup): Promise<string | null> {
  const scope = channelScope(q.platform, q.workspaceId, q.channelId);
  const id = runId(scope, q.customerId);
  const doc = await runs().findOne({ _id: id });
  if (doc?.from && q.from.getTime() >= new Date(doc.from).getTime()) {
    const entries = Object.values(doc.e ?? {});
    if (entries.length > RUN_MAX_ENTRIES) await prune(id, entries);
    const best = latestIn(entries, q.from, q.to);
    if (best === null) return null;
    if ((await Conversation.exists({ _id: best.i })) !== null) return best.i;
    // Deleted since (retention, forget): the query decides, and the stale entry goes.
    await withDocLock('conversation_runs', id, () => runs().updateOne({ _id: id }, { $unset: { [`e.${entryKey(best.i)}`]: '' } }));
    return latestIn(await scan(q, q.from, q.to), q.from, q.to)?.i ?? null;
  }
  if (doc?.from) return latestIn(await scan(q, q.from, q.to), q.from, q.to)?.i ?? null; // an old message: before the map
  // Not seeded yet: one query from the window's start serves this lookup and seeds the map.
  const found = await scan(q, q.from, new Date(8.64e15));
  await seed(id, scope, found, q.from);
  return latestIn(found, q.from, q.to)?.i ?? null;
}

async function seed(id: string, scope: string, found: RunEntry[], since: Date): Promise<void> {
  found.sort((a, b) => new Date(b.l).getTime() - new Date(a.l).getTime());
  const kept = found.slice(0, RUN_MAX_ENTRIES);
  // Complete from `since`, or, when capped, from just after the newest entry left out.
  const from = found.length > kept.length ? new Date(new Date(found[kept.length]!.l).getTime() + 1) : since;
  const max: Record<string, Date> = { from };
  const set: Record<string, unknown> = {};
  for (const e of kept) {
    max[`e.${entryKey(e.i)}.l`] = e.l;
    set[`e.${entryKey(e.i)}.i`] = e.i;
  }
  await withDocLock('conversation_runs', id, () =>
    runs().updateOne({ _id: id }, { $max: max, ...(kept.length > 0 ? { $set: set } : {}), $setOnInsert: { s: scope } } as never, { upsert: true }),
  );
}

/**
 * Keeps the newest entries within RUN_KEEP_MS of the newest; `from` moves just past the newest one dropped.
 * The update matches only if every dropped entry still has the time read, so an entry a concurrent capture
 * just moved forward is never dropped (the prune is then simply left for the next lookup).
 */
async function prune(id: string, entries: RunEntry[]): Promise<void> {
  const sorted = [...entries].sort((a, b) => new Date(b.l).getTime() - new Date(a.l).getTime());
  const newest = new Date(sorted[0]!.l).getTime();
  let keep = 1;
  while (keep < sorted.length && keep < RUN_MAX_ENTRIES / 2 && newest - new Date(sorted[keep]!.l).getTime() <= RUN_KEEP_MS) keep++;
  const dropped = sorted.slice(keep);
  if (dropped.length === 0) return;
  const filter: Record<string, unknown> = { _id: id };
  const unset: Record<string, ''> = {};
  for (const e of dropped) {
    filter[`e.${entryKey(e.i)}.l`] = e.l;
    unset[`e.${entryKey(e.i)}`] = '';
  }
  const from = new Date(new Date(dropped[0]!.l).getTime() + 1);
  await withDocLock('conversation_runs', id, () => runs().updateOne(filter as never, { $unset: unset, $max: { from } } as never));
}

/**
 * Records a conversation's last message time in the channel's run and, when it has one, its customer's.
 * Capture calls it after every conversation write, before the message itself is stored (so a failure here is
 * retried with the event).
 */
export async function noteConversation(
  platform: Platform,
  workspaceId: string,
  channelId: string,
  conversationId: string,
  customerId: string | null,
  lastMessageAt: Date,
): Promise<void> {
  const scope = channelScope(platform, workspaceId, channelId);
  const k = entryKey(conversationId);
  const update = { $max: { [`e.${k}.l`]: lastMessageAt }, $set: { [`e.${k}.i`]: conversationId }, $setOnInsert: { s: scope } } as never;
  for (const owner of customerId === null ? [null] : [null, customerId]) {
    const id = runId(scope, owner);
    await withDocLock('conversation_runs', id, () => runs().updateOne({ _id: id }, update, { upsert: true }));
  }
}

/** Drops the run documents of the channels given (after a bulk import wrote conversations directly): they are seeded again on use. */
export async function forgetRuns(channels: Iterable<{ platform: string; workspaceId: string; channelId: string }>): Promise<void> {
  const scopes = [...new Set([...channels].map((c) => channelScope(c.platform, c.workspaceId, c.channelId)))];
  for (let i = 0; i < scopes.length; i += 500) await runs().deleteMany({ s: { $in: scopes.slice(i, i + 500) } });
}
