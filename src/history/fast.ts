// `/history` from counters and projections kept at write time: every read is by `_id` in a small partition
// (store.ts), and the number of reads is bounded by the customer's linked identities, never by history size:
// a lookup key, then each candidate's view and group, then the customer's (and linked identities') views,
// which hold its record's copy and its conversations with what the summary shows of them.
import { identityKey, nameKey } from '../domain/keys.js';
import { addDay, assembleSummary, emptyDay, toRef, type ConversationDetail, type ConversationFacts, type DayFacts, type MemberFacts } from './assemble.js';
import { lookupResult, MAX_CANDIDATES } from './lookup-result.js';
import { groupOf, readMemberViews, readView, type RawCustomer, type ReadMemo } from './members.js';
import { keyIds, PREFIX_CHARS, type ConversationEntry } from './projection.js';
import { rankCandidates } from './rank.js';
import { normalizeQuery, scopeKey, validateScope, visibleIn } from './scope.js';
import { lookupKeys } from './store.js';
import type { CustomerLookup, CustomerQuery, CustomerSummary, Scope } from './types.js';
import { windowOf } from './windows.js';
import { fastCustomerFeedback } from '../feedback/read.js';

/** How many name candidates are read to rank the best ones. */
const READ_CANDIDATES = 20;

/** Told the ranked candidate ids before they are read (customerHistory starts the likely answer's summary). */
type CandidatesHook = (ids: ReadonlyArray<{ id: string; score: number }>) => void;

async function candidates(scope: Scope, ids: Array<{ id: string; score: number }>, hook?: CandidatesHook, memo?: ReadMemo): Promise<Array<{ id: string; score: number; groupId: string | null; ref: ReturnType<typeof toRef>; lastContactAt: Date | null }>> {
  hook?.(ids);
  const readOne = async ({ id, score }: { id: string; score: number }) => {
    const [v, g] = await Promise.all([readView(id, { withConversations: false }, memo), groupOf(id, memo)]);
    const c = v?.customer;
    if (!c || !visibleIn(scope, c, g?.scopes ?? null)) return null;
    return { id, score, groupId: g?._id ?? null, lastContactAt: c.lastContactAt ?? null, ref: refOf(c) };
  };
  // A leader of the asking workspace's own customers, with a better score than every other candidate, is the
  // answer whatever the others turn out to be (lookupResult lists the best score first and never swaps an
  // identity of the asking workspace for a linked one): read it alone, and the others only when it is not visible.
  if (ids.length > 1 && ids[0]!.score < ids[1]!.score && ids[0]!.id.startsWith(`${scopeKey(scope)}:`)) {
    const leader = await readOne(ids[0]!);
    if (leader) return [leader];
  }
  const read = await Promise.all(ids.map(readOne));
  return read
    .filter((x): x is NonNullable<typeof x> => x !== null)
    .sort((a, b) => a.score - b.score || (b.lastContactAt?.getTime() ?? 0) - (a.lastContactAt?.getTime() ?? 0) || (a.id < b.id ? -1 : 1));
}

function refOf(c: RawCustomer) {
  return toRef({ id: c._id, name: c.name ?? null, email: c.email ?? null, company: c.company ?? null, lastContactAt: c.lastContactAt ?? null });
}

export async function fastLookupCustomer(scope: Scope, query: CustomerQuery, hook?: CandidatesHook, memo?: ReadMemo): Promise<CustomerLookup> {
  scope = validateScope(scope);
  const q = normalizeQuery(query);
  if ('userId' in q) {
    return lookupResult(await candidates(scope, [{ id: identityKey(scope.platform, scope.workspaceId, q.userId), score: 0 }], hook, memo), scope);
  }
  if ('email' in q) {
    const doc = await lookupKeys(keyIds.email(q.email)).findOne({ _id: keyIds.email(q.email) });
    return lookupResult(await candidates(scope, (doc?.ids ?? []).slice(0, READ_CANDIDATES).map((id) => ({ id, score: 0 })), hook, memo), scope);
  }
  const key = nameKey(q.name);
  const words = key.split(' ').filter(Boolean);
  if (words.length === 0) return { kind: 'not-found' };
  const longest = words.reduce((a, w) => (w.length > a.length ? w : a), '');
  const sk = scopeKey(scope);
  const [exact, prefix] = await Promise.all([
    lookupKeys(keyIds.exactName(sk, key)).findOne({ _id: keyIds.exactName(sk, key) }),
    lookupKeys(keyIds.namePrefix(sk, longest.slice(0, PREFIX_CHARS))).findOne({ _id: keyIds.namePrefix(sk, longest.slice(0, PREFIX_CHARS)) }),
  ]);
  const entries = [
    ...(exact?.ids ?? []).map((id) => ({ id, nameKey: key, lastContactAt: null })),
    ...(prefix?.ids ?? []).map((e) => {
      const tab = e.lastIndexOf('\t');
      return { id: e.slice(tab + 1), nameKey: e.slice(0, tab), lastContactAt: null };
    }),
  ];
  const seen = new Set<string>();
  const ranked = rankCandidates(q.name, entries).filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true)));
  return lookupResult(await candidates(scope, ranked.slice(0, READ_CANDIDATES), hook, memo), scope);
}

function memberFacts(m: RawCustomer): MemberFacts {
  const channelMessages: Record<string, number> = {};
  for (const [k, v] of Object.entries(m.channels ?? {})) if (k.startsWith('c_')) channelMessages[k.slice(2)] = v;
  return {
    id: m._id,
    platform: m.platform,
    workspaceId: m.workspaceId,
    identities: (m.identities ?? []).map((i) => ({ platform: i.platform, workspaceId: i.workspaceId, userId: i.userId, name: i.name ?? null })),
    name: m.name ?? null,
    email: m.email ?? null,
    company: m.company ?? null,
    external: m.external === true,
    firstContactAt: m.firstContactAt ?? null,
    lastContactAt: m.lastContactAt ?? null,
    messages: m.counts?.messages ?? 0,
    sentiment: { sum: m.sentiment?.sum ?? 0, count: m.sentiment?.count ?? 0 },
    needs: m.needs ?? {},
    channelMessages,
  };
}

/** Sums a customer's day buckets into the last-30-days and previous-90-days windows. */
export function dayWindows(members: RawCustomer[], now: Date): { recent: DayFacts; previous: DayFacts } {
  const recent = emptyDay();
  const previous = emptyDay();
  for (const m of members) {
    for (const [k, d] of Object.entries(m.days ?? {})) {
      const w = windowOf(k, now);
      if (!w) continue;
      addDay(w === 'recent' ? recent : previous, { messages: d.m ?? 0, sentimentSum: d.ss ?? 0, sentimentCount: d.sc ?? 0, needs: d.n ?? {} });
    }
  }
  return { recent, previous };
}

export async function fastCustomerSummary(
  scope: Scope,
  customerId: string,
  opts: { now?: Date; page?: number; pageSize?: number } = {},
  memo?: ReadMemo,
): Promise<CustomerSummary | null> {
  scope = validateScope(scope);
  if (typeof customerId !== 'string' || customerId.length > 200) return null;
  const now = opts.now ?? new Date();
  const page = Math.max(1, Math.floor(opts.page ?? 1));
  const pageSize = Math.min(50, Math.max(1, Math.floor(opts.pageSize ?? 5)));
  // The customer's own feedback is read alongside its views (one round trip less when it is not linked).
  const ownFeedback = fastCustomerFeedback([customerId]);
  ownFeedback.catch(() => undefined);
  const read = await readMemberViews(customerId, memo);
  if (!read) return null;
  const first = read.members[0]!.customer;
  if (!visibleIn(scope, first, read.group?.scopes ?? null)) return null;
  const conversations: ConversationFacts[] = [];
  const details = new Map<string, ConversationDetail>();
  for (const v of read.members) {
    for (const e of Object.values(v.conversations as Record<string, ConversationEntry>)) {
      conversations.push({
        id: e.id,
        platform: e.p,
        channelId: e.ch,
        channelName: e.cn,
        startedAt: e.s,
        lastMessageAt: e.l,
        lastCustomerMessageAt: e.lc,
        firstAgentReplyAt: e.fa,
        status: e.st,
      });
      details.set(e.id, { firstLine: e.fl ?? null, permalink: e.pl ?? null, needs: e.nd ?? {}, sentiment: { sum: e.ss?.sum ?? 0, count: e.ss?.count ?? 0 } });
    }
  }
  const members = read.members.map((v) => v.customer);
  const { recent, previous } = dayWindows(members, now);
  const feedback = await (members.length === 1 ? ownFeedback : fastCustomerFeedback(members.map((m) => m._id)));
  const summary = assembleSummary({
    primaryId: first._id,
    members: members.map(memberFacts),
    recentDays: recent,
    previousDays: previous,
    conversations,
    details,
    now,
    page,
    pageSize,
  });
  summary.feedback = feedback;
  return summary;
}

export { MAX_CANDIDATES };

/**
 * `/history` in one call: the lookup, then the summary of the customer found. When the candidates have a clear
 * leader (one id, or a better score than the next), its summary is read alongside the candidates instead of
 * after them: one round of reads fewer. Used only when the lookup finds that very customer; otherwise the summary
 * of the customer found is read afresh (a linked identity of the asking workspace, say).
 */
export async function fastCustomerHistory(
  scope: Scope,
  query: CustomerQuery,
  opts: { now?: Date; page?: number; pageSize?: number } = {},
): Promise<{ lookup: CustomerLookup; summary: CustomerSummary | null }> {
  const early: { id?: string; summary?: Promise<CustomerSummary | null> } = {};
  // The early summary and the candidates read the leader's view and group once, together.
  const memo: ReadMemo = new Map();
  const lookup = await fastLookupCustomer(
    scope,
    query,
    (ids) => {
      if (ids.length === 0 || (ids.length > 1 && ids[0]!.score >= ids[1]!.score)) return;
      early.id = ids[0]!.id;
      early.summary = fastCustomerSummary(scope, early.id, opts, memo);
      early.summary.catch(() => undefined); // awaited below when used
    },
    memo,
  );
  if (lookup.kind !== 'found') return { lookup, summary: null };
  const summary = early.id === lookup.customer.id && early.summary ? await early.summary : await fastCustomerSummary(scope, lookup.customer.id, opts);
  return { lookup, summary };
}
