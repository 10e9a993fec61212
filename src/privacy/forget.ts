// Forgetting a customer (data rights): the customer record, the conversations they own, every message in
// those conversations or written by them, and every read-model entry that names them. What those messages
// added to counters that stay (weekly rollups, conversations and customers of others) is taken out the way
// the retention job does it (`retireMessage`: a guarded retraction under the message's lock, then the
// delete), so a tag job running at the same time cannot count a message twice or leave a counter behind.
//
// Shared by the CLI (`support-history forget`) and the chat commands (`/customer forget`). Safe to run again
// after a failure part-way: the customer, conversations and messages are deleted last, and every counter
// change carries an operation id the target remembers.
import { tagJobId } from '../domain/keys.js';
import { safeKey, type Contribution } from '../counters/contribution.js';
import { withDocLock } from '../db/doc-lock.js';
import { Conversation, Customer, Message, OPS_MEMORY, WeeklyRollup } from '../db/models.js';
import { type Platform } from '../domain/types.js';
import { forgetGroupMember } from '../history/link.js';
import { readCustomer } from '../history/members.js';
import { activityOpId, dropWaiting, firstId, flipOpId, keyIds, PREFIX_CHARS, removeNegative, removeReply, setIds, shardOf, syncConversation, type FirstDoc } from '../history/projection.js';
import { scopeKey } from '../history/scope.js';
import { briefs, customerConversations, lookupKeys, sets, viewIds, views } from '../history/store.js';
import { nameKey } from '../domain/keys.js';
import { forgetRuns } from '../capture/recent.js';
import { retireMessage } from '../retention/retention.js';
import { isoWeekKey } from '../time/week.js';
import { forgetCustomerFeedback } from '../feedback/index.js';
import type { Logger } from '../logger.js';

export interface ForgetResult {
  customerId: string;
  conversations: number;
  messages: number;
  /** Counter documents that stay (weekly rollups, others' conversations and customers) the retraction changed. */
  countersAdjusted: number;
  /** Queued tag jobs of the deleted messages that were removed. */
  jobsRemoved: number;
}

/** The part of a BullMQ queue forget uses to drop the deleted messages' waiting tag jobs. */
export interface TagJobRemover {
  remove(jobId: string): Promise<number>;
}

interface StoredMsg {
  _id: string;
  rev?: number;
  platform: Platform;
  workspaceId: string;
  channelId: string;
  customerId?: string | null;
  conversationId?: string | null;
  author?: { role?: string | null } | null;
  counted?: { contribution?: Contribution; timeZone?: string } | null;
  pending?: { contribution?: Contribution; week?: string; timeZone?: string } | null;
}

interface Indexed {
  indexed?: { name: string | null; email: string | null };
}

const weekOf = (rollupId: string | undefined): string | null => rollupId?.split(':').pop() ?? null;

function namePrefixes(key: string): string[] {
  const out = new Set<string>();
  for (const w of key.split(' ')) for (let i = 1; i <= Math.min(w.length, PREFIX_CHARS); i++) out.add(w.slice(0, i));
  return [...out];
}

/** Takes an entry out of a lookup-key document (only when it holds it), and deletes the document once empty (its id may hold the name). */
async function pullKey(id: string, update: Record<string, unknown>, entry?: string): Promise<void> {
  await withDocLock('customer_keys', id, async () => {
    await lookupKeys(id).updateOne((entry === undefined ? { _id: id } : { _id: id, ids: entry }) as never, update as never);
    const doc = await lookupKeys(id).findOne({ _id: id });
    if (doc && (doc.ids ?? []).length === 0) await lookupKeys(id).deleteOne({ _id: id });
  });
}

/** What a customer's forgetting would delete (for a confirmation prompt). */
export async function forgetPreview(customerId: string): Promise<{ conversations: number; messages: number } | null> {
  if (!(await readCustomer(customerId))) return null;
  const convIds = (await Conversation.find({ customerId }, { _id: 1 }).lean()).map((c) => c._id);
  const messages = await Message.countDocuments({ $or: [{ customerId }, { conversationId: { $in: convIds } }] });
  return { conversations: convIds.length, messages };
}

/** Deletes one customer and everything that names them; see the file comment. */
export async function forgetCustomer(customerId: string, opts: { log: Logger; tagQueue?: TagJobRemover }): Promise<ForgetResult> {
  const { log } = opts;
  const customer = (await readCustomer(customerId)) as (Awaited<ReturnType<typeof readCustomer>> & Indexed) | null;
  const conversations = (await Conversation.find({ customerId }, { _id: 1, platform: 1, workspaceId: 1, channelId: 1, startedAt: 1 }).lean()) as Array<{
    _id: string;
    platform: Platform;
    workspaceId: string;
    channelId: string;
    startedAt: Date;
  }>;
  const convIds = new Set(conversations.map((c) => c._id));
  const messages = (await Message.find(
    { $or: [{ customerId }, { conversationId: { $in: [...convIds] } }] },
    { _id: 1, rev: 1, platform: 1, workspaceId: 1, channelId: 1, customerId: 1, conversationId: 1, author: 1, counted: 1, pending: 1 },
  ).lean()) as unknown as StoredMsg[];

  // Counter documents that stay and lose something, and what the customer's own messages tell of them.
  const adjusted = new Set<string>();
  const weeks = new Set<string>();
  const zonesOf = new Map<string, Set<string>>();
  const othersConversations = new Set<string>();
  for (const m of messages) {
    const c = m.counted?.contribution ?? m.pending?.contribution;
    const tz = m.counted?.timeZone ?? m.pending?.timeZone;
    if (m.conversationId && tz) {
      const z = zonesOf.get(m.conversationId) ?? new Set<string>();
      z.add(tz);
      zonesOf.set(m.conversationId, z);
    }
    if (m.conversationId && !convIds.has(m.conversationId)) othersConversations.add(m.conversationId);
    if (!c) continue;
    if (c.rollup.length > 0) adjusted.add(`r:${c.rollupId}`);
    if (c.conversationId && !convIds.has(c.conversationId) && c.conversation.length > 0) adjusted.add(`c:${c.conversationId}`);
    if (c.customerId && c.customerId !== customerId && c.customer.length > 0) adjusted.add(`u:${c.customerId}`);
    if (m.customerId === customerId && m.author?.role === 'customer') {
      const w = m.pending?.week ?? weekOf(c.rollupId);
      if (w) weeks.add(`${c.rollupId.split(':').slice(0, 2).join(':')}|${w}`);
    }
  }

  // 1. The customer's new/returning count in each week they were active (markers `a|<customer>|<week>`).
  for (const pw of weeks) {
    const [platformWs, week] = pw.split('|') as [string, string];
    const markerId = setIds.activity(customerId, week);
    const marker = (await sets(markerId).findOne({ _id: markerId as never })) as { kind?: string; done?: boolean } | null;
    if (!marker) continue;
    const rollupId = `${platformWs}:${week}`;
    const countedOp = activityOpId(markerId);
    const undoOp = `forget-${countedOp}`;
    await withDocLock('weekly_rollups', rollupId, async () => {
      const rollup = (await WeeklyRollup.collection.findOne({ _id: rollupId as never }, { projection: { ops: 1 } })) as { ops?: string[] } | null;
      if (!rollup || rollup.ops?.includes(undoOp)) return;
      if (!marker.done && !rollup.ops?.includes(countedOp)) return; // never counted
      await WeeklyRollup.collection.updateOne(
        { _id: rollupId as never, ops: { $ne: undoOp } },
        { $inc: { [`customers.${marker.kind === 'new' ? 'new' : 'returning'}`]: -1 }, $push: { ops: { $each: [undoOp], $slice: -OPS_MEMORY } } } as never,
      );
      adjusted.add(`r:${rollupId}`);
    });
    await sets(markerId).deleteOne({ _id: markerId as never });
  }

  // 1b. Moves of a week's count from new to returning (`first|<customer>`, see countActivity): marked forgotten
  // in its lock first, so a job settling a move meanwhile either recorded it (done) or keeps its id on the rollup.
  const fid = firstId(customerId);
  const first = await withDocLock('history_sets', fid, async () => {
    await sets(fid).updateOne({ _id: fid as never }, { $set: { forgotten: true } });
    return (await sets(fid).findOne({ _id: fid as never })) as FirstDoc | null;
  });
  for (const [from, flip] of Object.entries({ ...first?.mv, ...first?.fl })) {
    const flipOp = flipOpId(customerId, from, flip.to);
    const undoOp = `forget-${flipOp}`;
    await withDocLock('weekly_rollups', flip.r, async () => {
      const rollup = (await WeeklyRollup.collection.findOne({ _id: flip.r as never }, { projection: { ops: 1 } })) as { ops?: string[] } | null;
      if (!rollup || rollup.ops?.includes(undoOp)) return;
      if (!first?.fl?.[from] && !rollup.ops?.includes(flipOp)) return; // never applied
      await WeeklyRollup.collection.updateOne(
        { _id: flip.r as never, ops: { $ne: undoOp } },
        { $inc: { 'customers.new': 1, 'customers.returning': -1 }, $push: { ops: { $each: [undoOp], $slice: -OPS_MEMORY } } } as never,
      );
      adjusted.add(`r:${flip.r}`);
    });
  }
  await withDocLock('history_sets', fid, () => sets(fid).deleteOne({ _id: fid as never }));

  // 2. Each message: retract what it counts (exactly once), delete it, drop its waiting tag job.
  let jobsRemoved = 0;
  for (const m of messages) {
    await retireMessage(m._id);
    if (opts.tagQueue) {
      try {
        jobsRemoved += await opts.tagQueue.remove(tagJobId(m._id, m.rev ?? 0));
      } catch (err) {
        // An active job finds the message gone and stops; a queue that is down changes nothing here.
        log.warn({ messageKey: m._id, err: (err as Error).message }, 'tag job of a forgotten message not removed');
      }
    }
  }

  // 3. Read models: the customer's conversation list, the workspace sets, lookup keys and link groups.
  await withDocLock('customer_conversations', customerId, () => customerConversations(customerId).deleteOne({ _id: customerId as never }));
  await withDocLock('history_views', viewIds.customer(customerId), () => views(viewIds.customer(customerId)).deleteOne({ _id: viewIds.customer(customerId) as never }));
  for (const c of conversations) {
    const scope = scopeKey(c);
    await dropWaiting(scope, c._id); // out of the waiting hours, then the brief that says where it was filed
    await withDocLock('history_briefs', viewIds.brief(c._id), () => briefs(viewIds.brief(c._id)).deleteOne({ _id: viewIds.brief(c._id) as never }));
    // First-reply times are filed under the week the conversation started, in the zone it was counted in.
    const zones = new Set([...(zonesOf.get(c._id) ?? []), 'UTC']);
    for (const week of new Set([...zones].map((tz) => isoWeekKey(c.startedAt, tz)))) {
      await removeReply(scope, week, c._id); // the shard entry, its histogram bucket and count
    }
  }
  if (customer) {
    const scope = scopeKey(customer);
    for (const pw of weeks) {
      const n = setIds.negative(scope, pw.split('|')[1]!, shardOf(customerId));
      await withDocLock('history_sets', n, () => sets(n).updateOne({ _id: n as never }, { $unset: { [`m.${safeKey(customerId)}`]: '' } }));
      await removeNegative(scope, pw.split('|')[1]!, customerId); // its own marks and the repeated-negative list
    }
    const names = new Set([customer.indexed?.name, customer.nameKey, customer.name ? nameKey(customer.name) : null].filter((x): x is string => !!x));
    for (const name of names) {
      const x = keyIds.exactName(scope, name);
      await pullKey(x, { $pull: { ids: customerId } });
      for (const p of namePrefixes(name)) {
        const entry = `${name}\t${customerId}`;
        await pullKey(keyIds.namePrefix(scope, p), { $pull: { ids: entry }, $inc: { n: -1 } }, entry);
      }
    }
    const emails = new Set([customer.indexed?.email, customer.email?.toLowerCase(), ...(customer.identities ?? []).map((i) => i.email?.toLowerCase())].filter((x): x is string => !!x));
    for (const email of emails) {
      const e = keyIds.email(email);
      await pullKey(e, { $pull: { ids: customerId } });
    }
  }
  await forgetGroupMember(customerId, log);
  // Capture's per-channel run documents (src/capture/recent.ts) list the customer and their conversations:
  // dropped for every channel they were in, they are rebuilt from the conversations on next use.
  await forgetRuns([...conversations, ...messages]);
  // Satisfaction surveys (src/feedback): their surveys, ratings, comments and entries in the weekly figures.
  const surveysRemoved = (await forgetCustomerFeedback([customerId], log)).surveys;

  // 4. The conversations and the customer; conversations of others that held their messages are re-projected.
  for (const id of convIds) await withDocLock('conversations', id, () => Conversation.deleteOne({ _id: id }));
  for (const id of othersConversations) await syncConversation(id, null);
  await withDocLock('customers', customerId, () => Customer.deleteOne({ _id: customerId }));
  log.warn({ customerId, conversations: convIds.size, messages: messages.length, countersAdjusted: adjusted.size, jobsRemoved, surveysRemoved }, 'customer forgotten');
  return { customerId, conversations: convIds.size, messages: messages.length, countersAdjusted: adjusted.size, jobsRemoved };
}
