// Builds the platform-neutral CustomerSummary from facts already read (pure: no I/O, the clock is passed in).
// Both the fast path (counters kept at write time) and the naive scan produce these same facts.
import type { ConversationStatus, Platform } from '../domain/types.js';
import { labelFor } from '../nlp/sentiment.js';
import type { ConversationBrief, CustomerRef, CustomerSummary, LinkedAccount, SentimentValue } from './types.js';

/** One identity's customer record (a linked customer has several). */
export interface MemberFacts {
  id: string;
  platform: Platform;
  workspaceId: string;
  identities: LinkedAccount[];
  name: string | null;
  email: string | null;
  company: string | null;
  external: boolean;
  firstContactAt: Date | null;
  lastContactAt: Date | null;
  /** All-time customer messages (not deleted). */
  messages: number;
  sentiment: { sum: number; count: number };
  needs: Record<string, number>;
  /** Customer messages per channel id. */
  channelMessages: Record<string, number>;
}

/** Counters of the customer's messages on one UTC day. */
export interface DayFacts {
  messages: number;
  sentimentSum: number;
  sentimentCount: number;
  needs: Record<string, number>;
}

/** What the summary needs to know of one conversation the customer owns. */
export interface ConversationFacts {
  id: string;
  platform: Platform;
  channelId: string;
  channelName: string | null;
  startedAt: Date;
  lastMessageAt: Date;
  lastCustomerMessageAt: Date | null;
  firstAgentReplyAt: Date | null;
  status: ConversationStatus;
}

export interface ConversationDetail {
  firstLine: string | null;
  permalink: string | null;
  needs: Record<string, number>;
  sentiment: { sum: number; count: number };
}

export interface SummaryFacts {
  /** The member the request named first; its name, email and company lead. */
  primaryId: string;
  members: MemberFacts[];
  /** Day buckets of all members by `d_YYYYMMDD` key, already summed, within the windows. */
  recentDays: DayFacts;
  previousDays: DayFacts;
  conversations: ConversationFacts[];
  /** Details (first line, permalink, needs, sentiment) of the conversations that will be shown, by id. */
  details: Map<string, ConversationDetail>;
  now: Date;
  page: number;
  pageSize: number;
}

/** How much the 30-day average must differ from the 90 days before to count as a change. */
export const TREND_DELTA = 0.05;
/** Open and unanswered lists show at most this many conversations each (the oldest waits first). */
export const STATE_LIMIT = 10;
export const TOP_NEEDS = 5;

export function emptyDay(): DayFacts {
  return { messages: 0, sentimentSum: 0, sentimentCount: 0, needs: {} };
}

export function addDay(into: DayFacts, d: DayFacts): void {
  into.messages += d.messages;
  into.sentimentSum += d.sentimentSum;
  into.sentimentCount += d.sentimentCount;
  for (const [k, v] of Object.entries(d.needs)) into.needs[k] = (into.needs[k] ?? 0) + v;
}

const round = (n: number): number => Math.round(n * 1e6) / 1e6;

/**
 * The average, rounded to 6 decimals. The same scores added in another order (per day by the counters, per
 * message by a scan) can differ in the last bits, and at a tie that decides the rounding (-2.055 / 16 vs
 * -2.0549999999999997 / 16), so the sum is first rounded to 9 decimals.
 */
export function average(sum: number, count: number): number | null {
  return count > 0 ? round(Math.round(sum * 1e9) / 1e9 / count) : null;
}

export function sentimentValue(sum: number, count: number): SentimentValue | null {
  const a = average(sum, count);
  return a === null ? null : { score: a, label: labelFor(a) };
}

export function rankNeeds(needs: Record<string, number>, limit = TOP_NEEDS): Array<{ need: string; count: number }> {
  return Object.entries(needs)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([need, count]) => ({ need, count }));
}

/** When an unanswered conversation's wait began: its start, or (reopened after a reply) the customer's latest message. */
export function waitingSince(c: Pick<ConversationFacts, 'startedAt' | 'firstAgentReplyAt' | 'lastCustomerMessageAt'>): Date {
  return c.firstAgentReplyAt === null ? c.startedAt : (c.lastCustomerMessageAt ?? c.startedAt);
}

export function trendOf(recent: number | null, previous: number | null): { trend: CustomerSummary['sentiment']['trend']; turnedNegative: boolean } {
  if (recent === null || previous === null) return { trend: 'unknown', turnedNegative: false };
  const diff = recent - previous;
  const trend = diff > TREND_DELTA ? 'improving' : diff < -TREND_DELTA ? 'worsening' : 'steady';
  return { trend, turnedNegative: labelFor(recent) === 'negative' && labelFor(previous) !== 'negative' };
}

export function toRef(m: Pick<MemberFacts, 'id' | 'name' | 'email' | 'company' | 'lastContactAt'>): CustomerRef {
  return { id: m.id, name: m.name, email: m.email, company: m.company, lastContactAt: m.lastContactAt };
}

function brief(c: ConversationFacts, d: ConversationDetail | undefined, now: Date): ConversationBrief {
  return {
    id: c.id,
    platform: c.platform,
    channelId: c.channelId,
    channelName: c.channelName,
    startedAt: c.startedAt,
    lastMessageAt: c.lastMessageAt,
    firstLine: d?.firstLine ?? null,
    needs: d ? rankNeeds(d.needs, 10).map((n) => n.need) : [],
    sentiment: d ? sentimentValue(d.sentiment.sum, d.sentiment.count) : null,
    status: c.status,
    permalink: d?.permalink ?? null,
    waitingMs: c.status === 'open' ? Math.max(0, now.getTime() - waitingSince(c).getTime()) : null,
  };
}

/** The brief of a stored conversation document that is waiting for an agent (used by both digest builds). */
export function briefOfWaitingDoc(
  o: { _id: unknown; platform: Platform; channelId: string; channelName?: string | null; startedAt: Date; lastMessageAt: Date; firstLine?: string | null; needs?: Record<string, number>; sentiment?: { sum?: number; count?: number }; status: ConversationBrief['status']; permalink?: string | null },
  waitingMs: number,
): ConversationBrief {
  return {
    id: o._id as string,
    platform: o.platform,
    channelId: o.channelId,
    channelName: o.channelName ?? null,
    startedAt: o.startedAt,
    lastMessageAt: o.lastMessageAt,
    firstLine: o.firstLine ?? null,
    needs: rankNeeds(o.needs ?? {}, 10).map((n) => n.need),
    sentiment: sentimentValue(o.sentiment?.sum ?? 0, o.sentiment?.count ?? 0),
    status: o.status,
    permalink: o.permalink ?? null,
    waitingMs,
  };
}

const byRecent = (a: ConversationFacts, b: ConversationFacts): number =>
  b.lastMessageAt.getTime() - a.lastMessageAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Which conversations the summary shows (so their details can be read): the page, plus open and unanswered. */
export function shownConversations(conversations: ConversationFacts[], page: number, pageSize: number): ConversationFacts[] {
  const sorted = [...conversations].sort(byRecent);
  const shown = new Map<string, ConversationFacts>();
  for (const c of sorted.slice((page - 1) * pageSize, page * pageSize)) shown.set(c.id, c);
  for (const c of openLists(sorted)) shown.set(c.id, c);
  return [...shown.values()];
}

function openLists(conversations: ConversationFacts[]): ConversationFacts[] {
  const oldestWaitFirst = (a: ConversationFacts, b: ConversationFacts): number => waitingSince(a).getTime() - waitingSince(b).getTime() || byRecent(a, b);
  const open = conversations.filter((c) => c.status !== 'resolved').sort(oldestWaitFirst).slice(0, STATE_LIMIT);
  const unanswered = conversations.filter((c) => c.status === 'open').sort(oldestWaitFirst).slice(0, STATE_LIMIT);
  return [...open, ...unanswered];
}

export function assembleSummary(f: SummaryFacts): CustomerSummary {
  const primary = f.members.find((m) => m.id === f.primaryId) ?? f.members[0]!;
  const members = [primary, ...f.members.filter((m) => m !== primary)];
  const pick = <K extends 'name' | 'email' | 'company'>(k: K): string | null => members.find((m) => m[k])?.[k] ?? null;
  const minDate = (ds: Array<Date | null>): Date | null => ds.reduce<Date | null>((a, d) => (d && (!a || d < a) ? d : a), null);
  const maxDate = (ds: Array<Date | null>): Date | null => ds.reduce<Date | null>((a, d) => (d && (!a || d > a) ? d : a), null);
  const { now } = f;
  const recentStart = now.getTime() - 29 * 86_400_000; // conversations: same 30 UTC days as the day buckets
  const recentStartDay = Math.floor(recentStart / 86_400_000) * 86_400_000;

  const allNeeds: Record<string, number> = {};
  let sentSum = 0;
  let sentCount = 0;
  let messages = 0;
  const byPlatform = new Map<Platform, { platform: Platform; conversations: number; messages: number }>();
  const byChannel = new Map<string, { platform: Platform; channelId: string; channelName: string | null; conversations: number; messages: number }>();
  const channelEntry = (platform: Platform, channelId: string) => {
    const k = `${platform}:${channelId}`;
    let e = byChannel.get(k);
    if (!e) byChannel.set(k, (e = { platform, channelId, channelName: null, conversations: 0, messages: 0 }));
    return e;
  };
  const platformEntry = (platform: Platform) => {
    let e = byPlatform.get(platform);
    if (!e) byPlatform.set(platform, (e = { platform, conversations: 0, messages: 0 }));
    return e;
  };
  for (const m of members) {
    messages += m.messages;
    sentSum += m.sentiment.sum;
    sentCount += m.sentiment.count;
    for (const [k, v] of Object.entries(m.needs)) allNeeds[k] = (allNeeds[k] ?? 0) + v;
    platformEntry(m.platform).messages += m.messages;
    for (const [ch, n] of Object.entries(m.channelMessages)) if (n !== 0) channelEntry(m.platform, ch).messages += n;
  }
  let recentConversations = 0;
  for (const c of f.conversations) {
    platformEntry(c.platform).conversations += 1;
    const e = channelEntry(c.platform, c.channelId);
    e.conversations += 1;
    if (c.channelName) e.channelName = c.channelName;
    if (c.startedAt.getTime() >= recentStartDay) recentConversations += 1;
  }

  const recentAvg = average(f.recentDays.sentimentSum, f.recentDays.sentimentCount);
  const previousAvg = average(f.previousDays.sentimentSum, f.previousDays.sentimentCount);
  const sorted = [...f.conversations].sort(byRecent);
  const toBrief = (c: ConversationFacts) => brief(c, f.details.get(c.id), now);
  const oldestWaitFirst = (a: ConversationFacts, b: ConversationFacts): number => waitingSince(a).getTime() - waitingSince(b).getTime() || byRecent(a, b);
  const pageSize = f.pageSize;
  const page = f.page;

  return {
    customer: {
      ...toRef({ id: primary.id, name: pick('name'), email: pick('email'), company: pick('company'), lastContactAt: maxDate(members.map((m) => m.lastContactAt)) }),
      external: members.some((m) => m.external),
      customerSince: minDate(members.map((m) => m.firstContactAt)),
      linkedAccounts: members.flatMap((m) => m.identities),
    },
    volume: {
      conversations: { allTime: f.conversations.length, last30d: recentConversations },
      messages: { allTime: messages, last30d: f.recentDays.messages },
      byPlatform: [...byPlatform.values()].sort((a, b) => b.messages - a.messages || b.conversations - a.conversations || a.platform.localeCompare(b.platform)),
      byChannel: [...byChannel.values()].sort((a, b) => b.messages - a.messages || b.conversations - a.conversations || a.channelId.localeCompare(b.channelId)),
    },
    state: {
      open: sorted.filter((c) => c.status !== 'resolved').sort(oldestWaitFirst).slice(0, STATE_LIMIT).map(toBrief),
      unanswered: sorted.filter((c) => c.status === 'open').sort(oldestWaitFirst).slice(0, STATE_LIMIT).map(toBrief),
    },
    needs: { allTime: rankNeeds(allNeeds), last30d: rankNeeds(f.recentDays.needs) },
    sentiment: {
      current: recentAvg !== null ? sentimentValue(f.recentDays.sentimentSum, f.recentDays.sentimentCount) : sentimentValue(sentSum, sentCount),
      last30d: { average: recentAvg, count: f.recentDays.sentimentCount },
      previous90d: { average: previousAvg, count: f.previousDays.sentimentCount },
      ...trendOf(recentAvg, previousAvg),
    },
    recent: {
      conversations: sorted.slice((page - 1) * pageSize, page * pageSize).map(toBrief),
      page,
      pageSize,
      total: f.conversations.length,
    },
  };
}
