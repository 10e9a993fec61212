// The scan-everything way to answer `/history`: reads the customer's messages and conversations with plain
// filters. Correct but slow on FerretDB 1.x (every non-_id filter scans the collection). Kept as the baseline
// the benchmark measures against and as the oracle tests compare the fast path with.
import { Conversation, Customer, Message } from '../db/models.js';
import { identityKey, nameKey } from '../domain/keys.js';
import { addDay, assembleSummary, emptyDay, toRef, type ConversationFacts, type ConversationDetail, type MemberFacts } from './assemble.js';
import { groupOf, readMembers, type RawCustomer } from './members.js';
import { rankCandidates } from './rank.js';
import { escapeRegex, normalizeQuery, scopeKey, validateScope, visibleIn } from './scope.js';
import type { CustomerLookup, CustomerQuery, CustomerSummary, Scope } from './types.js';
import { windowOf, dayKey } from './windows.js';
import { lookupResult } from './lookup-result.js';
import { naiveCustomerFeedback } from '../feedback/read.js';

async function visible(scope: Scope, c: RawCustomer): Promise<boolean> {
  if (scopeKey(c) === scopeKey(scope)) return true;
  const g = await groupOf(c._id);
  return visibleIn(scope, c, g?.scopes ?? null);
}

export async function naiveLookupCustomer(scope: Scope, query: CustomerQuery): Promise<CustomerLookup> {
  scope = validateScope(scope);
  const q = normalizeQuery(query);
  let found: RawCustomer[];
  if ('userId' in q) {
    found = (await Customer.collection.find({ 'identities.key': identityKey(scope.platform, scope.workspaceId, q.userId) }).toArray()) as unknown as RawCustomer[];
  } else if ('email' in q) {
    found = (await Customer.collection.find({ email: q.email }).toArray()) as unknown as RawCustomer[];
  } else {
    const key = nameKey(q.name);
    const words = key.split(' ').filter(Boolean);
    found = (await Customer.collection.find({ nameKey: { $regex: escapeRegex(words[0] ?? key) } }).toArray()) as unknown as RawCustomer[];
  }
  const shown: RawCustomer[] = [];
  for (const c of found) if (await visible(scope, c)) shown.push(c);
  const groupIds = await Promise.all(shown.map((c) => groupOf(c._id).then((g) => g?._id ?? null)));
  const cands = shown.map((c, i) => ({ id: c._id, nameKey: c.nameKey ?? null, lastContactAt: c.lastContactAt ?? null, groupId: groupIds[i]!, ref: toRef({ id: c._id, name: c.name ?? null, email: c.email ?? null, company: c.company ?? null, lastContactAt: c.lastContactAt ?? null }) }));
  if ('name' in q) return lookupResult(rankCandidates(q.name, cands), scope);
  return lookupResult(cands.map((c) => ({ ...c, score: 0 })).sort((a, b) => (b.lastContactAt?.getTime() ?? 0) - (a.lastContactAt?.getTime() ?? 0)), scope);
}

interface RawMessage {
  customerId: string;
  channelId: string;
  ts: Date;
  deletedAt: Date | null;
  tags?: { needs?: Array<{ need: string }>; sentiment?: { score: number }; untaggedReason?: string | null } | null;
}

export async function naiveCustomerSummary(
  scope: Scope,
  customerId: string,
  opts: { now?: Date; page?: number; pageSize?: number } = {},
): Promise<CustomerSummary | null> {
  scope = validateScope(scope);
  if (typeof customerId !== 'string') return null;
  const now = opts.now ?? new Date();
  const read = await readMembers(customerId);
  if (!read) return null;
  const first = read.members[0]!;
  if (!visibleIn(scope, first, read.group?.scopes ?? null)) return null;
  const ids = read.members.map((m) => m._id);
  // One plain equality per linked identity rather than `$in`: FerretDB evaluates `$in` in its own process on every
  // document of the collection, an equality it hands to its storage. The baseline scans the customer's messages,
  // not the whole collection's decoding.
  const messages = (
    await Promise.all(
      ids.map((id) =>
        Message.collection
          .find({ customerId: id, 'author.role': 'customer', deletedAt: null }, { projection: { customerId: 1, channelId: 1, ts: 1, deletedAt: 1, tags: 1 } })
          .toArray(),
      ),
    )
  ).flat() as unknown as RawMessage[];
  const recentDays = emptyDay();
  const previousDays = emptyDay();
  const members: MemberFacts[] = read.members.map((m) => ({
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
    messages: 0,
    sentiment: { sum: 0, count: 0 },
    needs: {},
    channelMessages: {},
  }));
  const byId = new Map(members.map((m) => [m.id, m]));
  for (const msg of messages) {
    const m = byId.get(msg.customerId)!;
    m.messages += 1;
    m.channelMessages[msg.channelId] = (m.channelMessages[msg.channelId] ?? 0) + 1;
    const tags = msg.tags && !msg.tags.untaggedReason ? msg.tags : null;
    const day = { messages: 1, sentimentSum: 0, sentimentCount: 0, needs: {} as Record<string, number> };
    if (tags?.sentiment) {
      m.sentiment.sum += tags.sentiment.score;
      m.sentiment.count += 1;
      day.sentimentSum = tags.sentiment.score;
      day.sentimentCount = 1;
    }
    for (const n of tags?.needs ?? []) {
      m.needs[n.need] = (m.needs[n.need] ?? 0) + 1;
      day.needs[n.need] = 1;
    }
    const w = windowOf(dayKey(msg.ts), now);
    if (w === 'recent') addDay(recentDays, day);
    else if (w === 'previous') addDay(previousDays, day);
  }
  const convDocs = (await Promise.all(ids.map((id) => Conversation.collection.find({ customerId: id }).toArray()))).flat();
  const conversations: ConversationFacts[] = [];
  const details = new Map<string, ConversationDetail>();
  for (const c of convDocs) {
    conversations.push({
      id: c._id as unknown as string,
      platform: c.platform,
      channelId: c.channelId,
      channelName: c.channelName ?? null,
      startedAt: c.startedAt,
      lastMessageAt: c.lastMessageAt,
      lastCustomerMessageAt: c.lastCustomerMessageAt ?? null,
      firstAgentReplyAt: c.firstAgentReplyAt ?? null,
      status: c.status,
    });
    details.set(c._id as unknown as string, {
      firstLine: c.firstLine ?? null,
      permalink: c.permalink ?? null,
      needs: c.needs ?? {},
      sentiment: { sum: c.sentiment?.sum ?? 0, count: c.sentiment?.count ?? 0 },
    });
  }
  const summary = assembleSummary({
    primaryId: first._id,
    members,
    recentDays,
    previousDays,
    conversations,
    details,
    now,
    page: Math.max(1, Math.floor(opts.page ?? 1)),
    pageSize: Math.min(50, Math.max(1, Math.floor(opts.pageSize ?? 5))),
  });
  summary.feedback = await naiveCustomerFeedback(ids);
  return summary;
}
