// The scan-everything digest: reads every message and conversation of the workspace in the two weeks.
// Correct but slow on FerretDB; the benchmark's baseline and the tests' oracle for the fast path.
import { Conversation, Customer, Message, Workspace } from '../db/models.js';
import { type SentimentLabel } from '../domain/types.js';
import { workspaceKey } from '../domain/keys.js';
import { labelFor } from '../nlp/sentiment.js';
import { average, briefOfWaitingDoc, trendOf, toRef, waitingSince } from '../history/assemble.js';
import type { ConversationBrief, Scope } from '../history/types.js';
import { validateScope } from '../history/scope.js';
import { windowOf, dayKey } from '../history/windows.js';
import { assembleDigest, emptyWeek, UNANSWERED_AFTER_MS, type AtRiskCandidate, type WeekFacts } from './assemble.js';
import type { Digest } from './types.js';
import { previousWeek, weekBounds, weekOf } from '../time/week.js';
import { naiveDigestFeedback } from '../feedback/read.js';

export interface DigestOptions {
  week?: string;
  now?: Date;
  /** The zone for a workspace that has none of its own (the workspace's own zone wins). */
  timeZone?: string;
}

export async function resolveDigestWeek(scope: Scope, opts: DigestOptions): Promise<{ timeZone: string; week: string; now: Date }> {
  const ws = await Workspace.findById(workspaceKey(scope.platform, scope.workspaceId), { timeZone: 1 }).lean();
  const timeZone = ws?.timeZone ?? opts.timeZone ?? 'UTC';
  const now = opts.now ?? new Date();
  const week = opts.week ?? weekOf(now, timeZone);
  weekBounds(week, timeZone); // validates the week
  return { timeZone, week, now };
}

interface RawMsg {
  _id: string;
  conversationId: string | null;
  customerId: string | null;
  channelId: string;
  ts: Date;
  deletedAt: Date | null;
  author?: { role?: string | null };
  tags?: { needs?: Array<{ need: string }>; sentiment?: { score: number; label: SentimentLabel }; untaggedReason?: string | null } | null;
}

async function naiveWeek(scope: Scope, start: Date, end: Date, ref: Date): Promise<{ facts: WeekFacts; atRisk: AtRiskCandidate[] }> {
  const msgs = (await Message.collection
    .find({ platform: scope.platform, workspaceId: scope.workspaceId, ts: { $gte: start, $lt: end } })
    .toArray()) as unknown as RawMsg[];
  const f = emptyWeek();
  const active = new Set<string>();
  const negConvs = new Map<string, Set<string>>();
  const customerConvs = new Set<string>();
  for (const m of msgs) {
    const role = m.author?.role ?? null;
    if (role === 'customer' && m.customerId) active.add(m.customerId);
    if (m.deletedAt) continue;
    f.messages += 1;
    f.channels[m.channelId] = (f.channels[m.channelId] ?? 0) + 1;
    if (m.conversationId === m._id) f.conversations += 1;
    if (role !== 'customer') continue;
    if (m.conversationId) customerConvs.add(m.conversationId);
    const tags = m.tags && !m.tags.untaggedReason ? m.tags : null;
    if (tags?.sentiment) f.sentiment[tags.sentiment.label] += 1;
    for (const n of tags?.needs ?? []) f.needs[n.need] = (f.needs[n.need] ?? 0) + 1;
  }
  const customers = active.size ? await Customer.collection.find({ _id: { $in: [...active] as never[] } }).toArray() : [];
  for (const c of customers) {
    const first = c.firstContactAt as Date | null;
    if (first && first >= start && first < end) f.newCustomers += 1;
    else f.returningCustomers += 1;
  }
  const convs = await Conversation.collection
    .find({ platform: scope.platform, workspaceId: scope.workspaceId, startedAt: { $gte: start, $lt: end }, firstResponseMs: { $ne: null } })
    .toArray();
  f.firstReplies = convs.map((c) => c.firstResponseMs as number);
  // Negative conversations: a conversation with a customer message this week whose customer sentiment averages negative.
  if (customerConvs.size) {
    const withMsgs = await Conversation.collection.find({ _id: { $in: [...customerConvs] as never[] } }).toArray();
    for (const c of withMsgs) {
      const avg = average(c.sentiment?.sum ?? 0, c.sentiment?.count ?? 0);
      if (!c.customerId || avg === null || labelFor(avg) !== 'negative') continue;
      let s = negConvs.get(c.customerId);
      if (!s) negConvs.set(c.customerId, (s = new Set()));
      s.add(c._id as unknown as string);
    }
  }
  // Their sentiment windows, from all their messages (one scan for all of them).
  const atRisk: AtRiskCandidate[] = [];
  const ids = [...negConvs.keys()];
  const docs = ids.length ? await Customer.collection.find({ _id: { $in: ids as never[] } }).toArray() : [];
  const theirs = ids.length
    ? ((await Message.collection.find({ customerId: { $in: ids }, 'author.role': 'customer', deletedAt: null, ts: { $lt: end } }).toArray()) as unknown as RawMsg[])
    : [];
  const windows = new Map<string, { rs: number; rc: number; ps: number; pc: number }>();
  for (const m of theirs) {
    const s = m.tags && !m.tags.untaggedReason ? m.tags.sentiment : undefined;
    if (!s || !m.customerId) continue;
    let w = windows.get(m.customerId);
    if (!w) windows.set(m.customerId, (w = { rs: 0, rc: 0, ps: 0, pc: 0 }));
    const which = windowOf(dayKey(m.ts), ref);
    if (which === 'recent') { w.rs += s.score; w.rc += 1; }
    else if (which === 'previous') { w.ps += s.score; w.pc += 1; }
  }
  for (const c of docs) {
    const id = c._id as unknown as string;
    const w = windows.get(id) ?? { rs: 0, rc: 0, ps: 0, pc: 0 };
    atRisk.push({
      customer: toRef({ id, name: c.name ?? null, email: c.email ?? null, company: c.company ?? null, lastContactAt: c.lastContactAt ?? null }),
      negativeConversations: negConvs.get(id)!.size,
      turnedNegative: trendOf(average(w.rs, w.rc), average(w.ps, w.pc)).turnedNegative,
    });
  }
  return { facts: f, atRisk };
}

export async function naiveDigest(scope: Scope, opts: DigestOptions = {}): Promise<Digest> {
  scope = validateScope(scope);
  const { timeZone, week, now } = await resolveDigestWeek(scope, opts);
  const cur = weekBounds(week, timeZone);
  const prev = weekBounds(previousWeek(week), timeZone);
  const ref = new Date(Math.min(now.getTime(), cur.end.getTime() - 1));
  const [c, p] = await Promise.all([naiveWeek(scope, cur.start, cur.end, ref), naiveWeek(scope, prev.start, prev.end, ref)]);
  const open = await Conversation.collection.find({ platform: scope.platform, workspaceId: scope.workspaceId, status: 'open' }).toArray();
  const waiting = open
    .map((o) => ({ o, since: waitingSince({ startedAt: o.startedAt, firstAgentReplyAt: o.firstAgentReplyAt ?? null, lastCustomerMessageAt: o.lastCustomerMessageAt ?? null }) }))
    .filter((x) => now.getTime() - x.since.getTime() > UNANSWERED_AFTER_MS)
    .sort((a, b) => a.since.getTime() - b.since.getTime() || String(a.o._id).localeCompare(String(b.o._id)));
  const unanswered: ConversationBrief[] = waiting.slice(0, 10).map(({ o, since }) => briefOfWaitingDoc(o as never, now.getTime() - since.getTime()));
  const channelNames: Record<string, string> = {};
  for (const o of await Conversation.collection.find({ platform: scope.platform, workspaceId: scope.workspaceId, channelName: { $ne: null } }, { projection: { channelId: 1, channelName: 1 } }).toArray()) {
    channelNames[o.channelId] = o.channelName;
  }
  const digest = assembleDigest({
    platform: scope.platform,
    workspaceId: scope.workspaceId,
    week,
    timeZone,
    start: cur.start,
    end: cur.end,
    current: c.facts,
    previous: p.facts,
    unanswered,
    unansweredTotal: waiting.length,
    atRisk: c.atRisk,
    channelNames,
  });
  digest.feedback = await naiveDigestFeedback(scope.platform, scope.workspaceId, cur, prev);
  return digest;
}
