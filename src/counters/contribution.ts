// What one message adds to the counters of its conversation, its customer and its week (pure).
// The tag job stores the contribution it applied on the message, so an edit or delete applies only the
// difference and every counter stays the sum of the current versions of the messages behind it.
import type { Role, SentimentLabel } from '../domain/types.js';

export type CounterTarget = 'conversation' | 'customer' | 'rollup';

/** One counter increment: a dotted path and an amount. Stored as objects (FerretDB stores no nested arrays, and keys may not hold dots). */
export interface Increment {
  path: string;
  n: number;
}

export type Increments = Increment[];

const inc = (path: string, n: number): Increment => ({ path, n });

export interface Contribution {
  conversationId: string | null;
  customerId: string | null;
  rollupId: string;
  conversation: Increments;
  customer: Increments;
  rollup: Increments;
}

export interface MessageFacts {
  key: string;
  conversationId: string | null;
  customerId: string | null;
  channelId: string;
  role: Role | null;
  deleted: boolean;
  /** Week key for the rollup (ISO week in the workspace's time zone). */
  rollupId: string;
  /** UTC day of the message, `d_YYYYMMDD`: the customer's day bucket for rolling windows (last 30 / 90 days). */
  day?: string;
}

export interface TagFacts {
  needs: string[];
  sentiment: { score: number; label: SentimentLabel } | null;
}

/** Field names derived from ids and need names are made safe for a dotted path. */
export function safeKey(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_');
}

export function computeContribution(msg: MessageFacts, tags: TagFacts | null): Contribution {
  const base = { conversationId: msg.conversationId, customerId: msg.customerId, rollupId: msg.rollupId };
  if (msg.deleted) return { ...base, conversation: [], customer: [], rollup: [] };
  const isCustomer = msg.role === 'customer';
  const starts = msg.conversationId !== null && msg.conversationId === msg.key;
  const conversation: Increments = [inc('counts.messages', 1)];
  const rollup: Increments = [inc('counts.messages', 1), inc(`channels.c_${safeKey(msg.channelId)}`, 1)];
  const customer: Increments = [];
  if (msg.role === 'agent') {
    conversation.push(inc('counts.agentMessages', 1));
    rollup.push(inc('counts.agentMessages', 1));
  }
  if (starts) rollup.push(inc('counts.conversations', 1));
  if (isCustomer) {
    conversation.push(inc('counts.customerMessages', 1));
    rollup.push(inc('counts.customerMessages', 1));
    customer.push(inc('counts.messages', 1));
    if (starts) customer.push(inc('counts.conversations', 1));
    const sentiment: Increments = [];
    if (tags?.sentiment) {
      sentiment.push(inc('sentiment.sum', tags.sentiment.score), inc('sentiment.count', 1), inc(`sentiment.${tags.sentiment.label}`, 1));
    }
    const needs: Increments = (tags?.needs ?? []).map((n) => inc(`needs.${safeKey(n)}`, 1));
    for (const list of [conversation, customer, rollup]) list.push(...sentiment, ...needs);
    // Per-channel and per-day customer counters, so `/history` reads windows instead of scanning messages.
    customer.push(inc(`channels.c_${safeKey(msg.channelId)}`, 1));
    if (msg.day) {
      const d = `days.${msg.day}`;
      customer.push(inc(`${d}.m`, 1));
      if (tags?.sentiment) customer.push(inc(`${d}.ss`, tags.sentiment.score), inc(`${d}.sc`, 1));
      for (const n of tags?.needs ?? []) customer.push(inc(`${d}.n.${safeKey(n)}`, 1));
    }
  }
  return { ...base, conversation, customer: msg.customerId ? customer : [], rollup };
}

function subtract(next: Increments, prev: Increments): Increments {
  const sums = new Map<string, number>();
  for (const { path, n } of next) sums.set(path, (sums.get(path) ?? 0) + n);
  for (const { path, n } of prev) sums.set(path, (sums.get(path) ?? 0) - n);
  const out: Increments = [];
  for (const [k, v] of sums) {
    const r = Math.round(v * 1e9) / 1e9; // keep float sums from drifting
    if (r !== 0) out.push(inc(k, r));
  }
  return out;
}

export interface Delta {
  conversationId: string | null;
  customerId: string | null;
  rollupId: string;
  conversation: Increments;
  customer: Increments;
  rollup: Increments;
}

/** What to add to go from the previous contribution (or none) to the next one. Targets never change between revisions. */
export function contributionDelta(prev: Contribution | null, next: Contribution): Delta {
  return {
    conversationId: next.conversationId,
    customerId: next.customerId,
    rollupId: next.rollupId,
    conversation: subtract(next.conversation, prev?.conversation ?? []),
    customer: subtract(next.customer, prev?.customer ?? []),
    rollup: subtract(next.rollup, prev?.rollup ?? []),
  };
}

export function toIncObject(incs: Increments): Record<string, number> {
  const o: Record<string, number> = {};
  for (const { path, n } of incs) o[path] = (o[path] ?? 0) + n;
  return o;
}
