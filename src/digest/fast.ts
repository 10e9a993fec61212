// The digest from counters and projections kept at write time: two weekly rollups, a few sharded sets and
// the views of the handful of customers it lists (which hold their conversations' briefs), all read by `_id`
// in small partitions (see ../history/store.ts). No message, conversation or customer record is read.
import { WeeklyRollup } from '../db/models.js';
import { rollupKey } from '../domain/keys.js';
import { briefOfWaitingDoc, toRef, trendOf, average } from '../history/assemble.js';
import { dayWindows } from '../history/fast.js';
import { readView } from '../history/members.js';
import { setIds, SHARDS, waitingHourOf, type ConversationEntry } from '../history/projection.js';
import { scopeKey, validateScope } from '../history/scope.js';
import { briefs, sets, viewIds } from '../history/store.js';
import type { ConversationBrief, Scope } from '../history/types.js';
import { assembleDigest, emptyWeek, MAX_AT_RISK, MAX_UNANSWERED, UNANSWERED_AFTER_MS, type AtRiskCandidate, type WeekFacts } from './assemble.js';
import { resolveDigestWeek, type DigestOptions } from './naive.js';
import type { Digest } from './types.js';
import { previousWeek, weekBounds } from '../time/week.js';
import { fastDigestFeedback } from '../feedback/read.js';

type Entries<T> = Record<string, T>;

async function readShards<T>(ids: string[]): Promise<T[]> {
  const docs = await Promise.all(ids.map((id) => sets(id).findOne({ _id: id as never })));
  const out: T[] = [];
  for (const d of docs) for (const v of Object.values((d?.m ?? {}) as Entries<T>)) out.push(v);
  return out;
}

/**
 * The middle first-reply time(s) of the week — the one for an odd count, the two for an even one, so that
 * `median()` of them is the median of all — from the histogram and the one or two buckets holding them.
 */
export async function middleReplies(sk: string, week: string): Promise<number[]> {
  const hid = setIds.replyHistogram(sk, week);
  const h = (await sets(hid).findOne({ _id: hid as never })) as { b?: Record<string, number> } | null;
  const buckets = Object.entries(h?.b ?? {})
    .map(([k, n]) => ({ bucket: Number(k.slice(1)), n }))
    .filter((b) => b.n > 0)
    .sort((a, b) => a.bucket - b.bucket);
  const total = buckets.reduce((a, b) => a + b.n, 0);
  if (total === 0) return [];
  const ranks = total % 2 === 1 ? [total >> 1] : [(total >> 1) - 1, total >> 1];
  const at: Array<{ bucket: number; index: number }> = [];
  for (const rank of ranks) {
    let before = 0;
    for (const b of buckets) {
      if (rank < before + b.n) {
        at.push({ bucket: b.bucket, index: rank - before });
        break;
      }
      before += b.n;
    }
  }
  const wanted = [...new Set(at.map((a) => a.bucket))];
  const docs = await Promise.all(wanted.map((b) => sets(setIds.replyBucket(sk, week, b)).findOne({ _id: setIds.replyBucket(sk, week, b) as never })));
  const values = new Map(wanted.map((b, i) => [b, Object.values((docs[i]?.m ?? {}) as Record<string, number>).sort((x, y) => x - y)]));
  return at.map((a) => values.get(a.bucket)?.[a.index]).filter((v): v is number => v !== undefined);
}

/** Customers with the most negative conversations this week, from the per-count lists, most first, until MAX_AT_RISK are read (all of the last count read). */
async function repeatedNegatives(sk: string, week: string): Promise<Array<{ id: string; negative: number }>> {
  const idx = setIds.repeatedNegative(sk, week);
  const d = (await sets(idx).findOne({ _id: idx as never })) as { k?: Record<string, boolean> } | null;
  const counts = Object.keys(d?.k ?? {})
    .map((k) => Number(k.slice(1)))
    .filter((n) => n >= 2)
    .sort((a, b) => b - a);
  const out: Array<{ id: string; negative: number }> = [];
  for (let i = 0; i < counts.length && out.length < MAX_AT_RISK; i += 4) {
    const batch = counts.slice(i, i + 4);
    const docs = await Promise.all(batch.map((n) => sets(setIds.repeatedNegativeOf(sk, week, n)).findOne({ _id: setIds.repeatedNegativeOf(sk, week, n) as never })));
    for (const [j, doc] of docs.entries()) for (const id of Object.values((doc?.m ?? {}) as Entries<string>)) out.push({ id, negative: batch[j]! });
  }
  return out;
}

/**
 * The conversations waiting longer than UNANSWERED_AFTER_MS at `now`: how many, and the longest waits (at least
 * MAX_UNANSWERED of them when there are that many), longest first. From the hour index (counts per hour the
 * wait began) and only the hour buckets holding the longest waits and the cut-off hour.
 */
export async function waitingLongest(sk: string, now: Date): Promise<{ total: number; longest: Array<{ id: string; since: Date }> }> {
  const idx = setIds.waitingHours(sk);
  const d = (await sets(idx).findOne({ _id: idx as never })) as { h?: Record<string, { n?: number }> } | null;
  const hours = Object.entries(d?.h ?? {})
    .map(([k, v]) => ({ hour: Number(k.slice(1)), n: v?.n ?? 0 }))
    .filter((h) => h.n > 0 && Number.isFinite(h.hour))
    .sort((a, b) => a.hour - b.hour);
  const cutoff = now.getTime() - UNANSWERED_AFTER_MS;
  const cutoffHour = waitingHourOf(new Date(cutoff));
  const bucket = async (hour: number): Promise<Array<{ id: string; since: Date }>> => {
    const id = setIds.waitingHour(sk, hour);
    const b = await sets(id).findOne({ _id: id as never });
    return Object.values((b?.m ?? {}) as Entries<{ id: string; since: Date }>).filter((w) => new Date(w.since).getTime() < cutoff);
  };
  // Every hour before the cut-off hour is wholly late; of the cut-off hour only what began before the cut-off.
  let total = hours.filter((h) => h.hour < cutoffHour).reduce((a, h) => a + h.n, 0);
  const boundary = hours.some((h) => h.hour === cutoffHour) ? bucket(cutoffHour) : Promise.resolve([]);
  const longest: Array<{ id: string; since: Date }> = [];
  const early = hours.filter((h) => h.hour < cutoffHour);
  for (let i = 0; i < early.length && longest.length < MAX_UNANSWERED; i += 4) {
    for (const ws of await Promise.all(early.slice(i, i + 4).map((h) => bucket(h.hour)))) longest.push(...ws);
  }
  const atCutoff = await boundary;
  total += atCutoff.length;
  if (longest.length < MAX_UNANSWERED) longest.push(...atCutoff);
  longest.sort((a, b) => new Date(a.since).getTime() - new Date(b.since).getTime() || a.id.localeCompare(b.id));
  return { total, longest };
}

const shardIds = (f: (shard: number) => string): string[] => Array.from({ length: SHARDS }, (_, i) => f(i));

interface RollupDoc {
  counts?: { conversations?: number; messages?: number };
  customers?: { new?: number; returning?: number };
  needs?: Record<string, number>;
  sentiment?: { positive?: number; neutral?: number; negative?: number };
  channels?: Record<string, number>;
}

async function weekFacts(scope: Scope, week: string, channelIds: Map<string, string>): Promise<WeekFacts> {
  const sk = scopeKey(scope);
  const [r, replies] = await Promise.all([
    WeeklyRollup.collection.findOne({ _id: rollupKey(scope.platform, scope.workspaceId, week) as never }) as Promise<RollupDoc | null>,
    middleReplies(sk, week),
  ]);
  const f = emptyWeek();
  if (!r) return { ...f, firstReplies: replies };
  const channels: Record<string, number> = {};
  for (const [k, n] of Object.entries(r.channels ?? {})) {
    if (n > 0) channels[channelIds.get(k) ?? k.replace(/^c_/, '')] = n;
  }
  return {
    conversations: r.counts?.conversations ?? 0,
    messages: r.counts?.messages ?? 0,
    newCustomers: r.customers?.new ?? 0,
    returningCustomers: r.customers?.returning ?? 0,
    needs: Object.fromEntries(Object.entries(r.needs ?? {}).filter(([, n]) => n > 0)),
    sentiment: { positive: r.sentiment?.positive ?? 0, neutral: r.sentiment?.neutral ?? 0, negative: r.sentiment?.negative ?? 0 },
    firstReplies: replies,
    channels,
  };
}

export async function fastDigest(scope: Scope, opts: DigestOptions = {}): Promise<Digest> {
  scope = validateScope(scope);
  const { timeZone, week, now } = await resolveDigestWeek(scope, opts);
  const cur = weekBounds(week, timeZone);
  const prevWeek = previousWeek(week);
  const ref = new Date(Math.min(now.getTime(), cur.end.getTime() - 1));
  const sk = scopeKey(scope);
  const namesDoc = await sets(setIds.channels(sk)).findOne({ _id: setIds.channels(sk) as never });
  const channelIds = new Map<string, string>();
  const channelNames: Record<string, string> = {};
  for (const [k, v] of Object.entries((namesDoc?.m ?? {}) as Entries<{ id: string; name: string }>)) {
    channelIds.set(k, v.id);
    channelNames[v.id] = v.name;
  }
  const [current, previous, repeatedListed, waiting] = await Promise.all([
    weekFacts(scope, week, channelIds),
    weekFacts(scope, prevWeek, channelIds),
    repeatedNegatives(sk, week),
    waitingLongest(sk, now),
  ]);
  // The repeated-negative lists rank first; the shards (every customer's marks) are read only when they hold
  // fewer than MAX_AT_RISK customers and customers with one negative conversation may make the list.
  const flagged =
    repeatedListed.length >= MAX_AT_RISK
      ? repeatedListed
      : (await readShards<{ id: string; c?: Entries<boolean> }>(shardIds((i) => setIds.negative(sk, week, i))))
          .map((n) => ({ id: n.id, negative: Object.values(n.c ?? {}).filter(Boolean).length }))
          .filter((n) => n.negative > 0);

  const late = waiting.longest;
  // The briefs of the longest waits come from their brief copies (`b|<conversation>`).
  const read = await Promise.all(late.slice(0, MAX_UNANSWERED).map((w) => briefs(viewIds.brief(w.id)).findOne({ _id: viewIds.brief(w.id) as never })));
  const unanswered: ConversationBrief[] = [];
  for (const [i, d] of read.entries()) {
    const w = late[i]!;
    const e = d?.e as ConversationEntry | undefined;
    if (!e || e.st !== 'open') continue;
    unanswered.push(
      briefOfWaitingDoc(
        { _id: e.id, platform: e.p, channelId: e.ch, channelName: e.cn, startedAt: e.s, lastMessageAt: e.l, firstLine: e.fl, needs: e.nd, sentiment: e.ss, status: e.st, permalink: e.pl },
        now.getTime() - new Date(w.since).getTime(),
      ),
    );
  }

  // Customers with two or more negative conversations rank first (see rankAtRisk), most first; customers
  // with one follow by id, listed only when their 30-day sentiment turned negative — so their trends are
  // read in id order, a batch at a time, only until the list is full.
  const repeated = flagged.filter((n) => n.negative >= 2).sort((a, b) => b.negative - a.negative || a.id.localeCompare(b.id));
  const single = flagged.filter((n) => n.negative === 1).sort((a, b) => a.id.localeCompare(b.id));
  const candidate = async (n: { id: string; negative: number }): Promise<AtRiskCandidate | null> => {
    const v = await readView(n.id, { withConversations: false });
    if (!v) return null;
    const c = v.customer;
    const { recent, previous: before } = dayWindows([c], ref);
    const trend = n.negative >= 2 ? { turnedNegative: false } : trendOf(average(recent.sentimentSum, recent.sentimentCount), average(before.sentimentSum, before.sentimentCount));
    return {
      customer: toRef({ id: c._id, name: c.name ?? null, email: c.email ?? null, company: c.company ?? null, lastContactAt: c.lastContactAt ?? null }),
      negativeConversations: n.negative,
      turnedNegative: trend.turnedNegative,
    };
  };
  const ordered = [...repeated, ...single];
  const atRisk: AtRiskCandidate[] = [];
  const listed = () => atRisk.filter((a) => a.negativeConversations >= 2 || a.turnedNegative).length;
  for (let i = 0; i < ordered.length && listed() < MAX_AT_RISK; i += MAX_AT_RISK) {
    atRisk.push(...(await Promise.all(ordered.slice(i, i + MAX_AT_RISK).map(candidate))).filter((x): x is AtRiskCandidate => x !== null));
  }

  const digest = assembleDigest({
    platform: scope.platform,
    workspaceId: scope.workspaceId,
    week,
    timeZone,
    start: cur.start,
    end: cur.end,
    current,
    previous,
    unanswered,
    unansweredTotal: waiting.total,
    atRisk,
    channelNames,
  });
  digest.feedback = await fastDigestFeedback(scope.platform, scope.workspaceId, week, prevWeek);
  return digest;
}
