// Builds the platform-neutral Digest from one week's facts and the week before (pure).
import type { Platform, SentimentLabel } from '../domain/types.js';
import type { ConversationBrief, CustomerRef } from '../history/types.js';
import type { Digest } from './types.js';

/** What the week's counters say (the fast path reads them; the naive path counts them from messages). */
export interface WeekFacts {
  conversations: number;
  messages: number;
  newCustomers: number;
  returningCustomers: number;
  needs: Record<string, number>;
  sentiment: Record<SentimentLabel, number>;
  /** First-reply times (ms) of the conversations started in the week that an agent answered (the fast path passes only the middle one or two: the median is the same). */
  firstReplies: number[];
  /** Messages per channel id. */
  channels: Record<string, number>;
}

export interface AtRiskCandidate {
  customer: CustomerRef;
  negativeConversations: number;
  turnedNegative: boolean;
}

export interface DigestFacts {
  platform: Platform;
  workspaceId: string;
  week: string;
  timeZone: string;
  start: Date;
  end: Date;
  current: WeekFacts;
  previous: WeekFacts;
  unanswered: ConversationBrief[];
  unansweredTotal: number;
  atRisk: AtRiskCandidate[];
  channelNames: Record<string, string>;
}

export const TOP_NEEDS = 10;
export const TOP_CHANNELS = 5;
export const MAX_AT_RISK = 10;
export const MAX_UNANSWERED = 10;
/** A conversation waiting longer than this at digest time is listed as unanswered. */
export const UNANSWERED_AFTER_MS = 24 * 3600_000;

export function emptyWeek(): WeekFacts {
  return { conversations: 0, messages: 0, newCustomers: 0, returningCustomers: 0, needs: {}, sentiment: { positive: 0, neutral: 0, negative: 0 }, firstReplies: [], channels: {} };
}

/** The median (the mean of the two middle values for an even count, rounded to a whole ms); null for none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

function ranked(cur: Record<string, number>, prev: Record<string, number>, limit: number): Array<{ key: string; current: number; previous: number }> {
  const keys = new Set([...Object.keys(cur), ...Object.keys(prev)]);
  return [...keys]
    .map((key) => ({ key, current: cur[key] ?? 0, previous: prev[key] ?? 0 }))
    .filter((e) => e.current > 0 || e.previous > 0)
    .sort((a, b) => b.current - a.current || b.previous - a.previous || a.key.localeCompare(b.key))
    .slice(0, limit);
}

export function rankAtRisk(cands: AtRiskCandidate[]): Digest['atRisk'] {
  const out: Digest['atRisk'] = [];
  for (const c of cands) {
    if (c.negativeConversations >= 2) out.push({ customer: c.customer, reason: 'repeated-negative', negativeConversations: c.negativeConversations });
    else if (c.turnedNegative) out.push({ customer: c.customer, reason: 'turned-negative', negativeConversations: c.negativeConversations });
  }
  return out
    .sort((a, b) => b.negativeConversations - a.negativeConversations || (a.reason === b.reason ? 0 : a.reason === 'turned-negative' ? -1 : 1) || a.customer.id.localeCompare(b.customer.id))
    .slice(0, MAX_AT_RISK);
}

export function assembleDigest(f: DigestFacts): Digest & { unansweredTotal: number } {
  const c = f.current;
  const p = f.previous;
  return {
    platform: f.platform,
    workspaceId: f.workspaceId,
    week: f.week,
    timeZone: f.timeZone,
    start: f.start,
    end: f.end,
    conversations: { current: c.conversations, previous: p.conversations },
    messages: { current: c.messages, previous: p.messages },
    customers: {
      new: { current: c.newCustomers, previous: p.newCustomers },
      returning: { current: c.returningCustomers, previous: p.returningCustomers },
    },
    needs: ranked(c.needs, p.needs, TOP_NEEDS).map((e) => ({ need: e.key, current: e.current, previous: e.previous })),
    sentiment: {
      positive: { current: c.sentiment.positive, previous: p.sentiment.positive },
      neutral: { current: c.sentiment.neutral, previous: p.sentiment.neutral },
      negative: { current: c.sentiment.negative, previous: p.sentiment.negative },
    },
    medianFirstReplyMs: { current: median(c.firstReplies), previous: median(p.firstReplies) },
    unanswered: f.unanswered.slice(0, MAX_UNANSWERED),
    unansweredTotal: f.unansweredTotal,
    atRisk: rankAtRisk(f.atRisk),
    busiestChannels: ranked(c.channels, p.channels, TOP_CHANNELS).map((e) => ({ channelId: e.key, channelName: f.channelNames[e.key] ?? null, current: e.current, previous: e.previous })),
  };
}
