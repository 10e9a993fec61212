// Retention: deletes messages older than the configured age and takes what each one added out of the
// counters (conversation, customer, weekly rollup), so every counter stays the sum of the messages kept.
//
// Exactly once without transactions, like the tag path: the retraction is first written on the message as
// `pending` (operation id `ret-…`), applied to each counter document with the `ops` guard, and only then is
// the message deleted. A job that dies in between finds the pending retraction next time and finishes it.
// Conversations whose every message is gone are deleted too, with their entries in the history projections.
import { withDocLock } from '../db/doc-lock.js';
import { Conversation, Customer, Message, WeeklyRollup } from '../db/models.js';
import { applyOnce, operationId, releaseOp } from '../counters/tag-message.js';
import { contributionDelta, safeKey, type Contribution, type Delta } from '../counters/contribution.js';
import { briefs, customerConversations, viewIds } from '../history/store.js';
import { dropWaiting, syncConversation, syncCustomerView } from '../history/projection.js';
import { scopeKey } from '../history/scope.js';
import type { Logger } from '../logger.js';

export interface RetentionResult {
  cutoff: Date;
  messagesDeleted: number;
  conversationsDeleted: number;
}

interface PendingOp {
  opId: string;
  applied?: boolean;
  rev: number;
  delta: Delta;
  contribution: Contribution;
  timeZone?: string;
}

interface StoredForRetention {
  _id: string;
  rev: number;
  ts: Date;
  counted: { rev: number; contribution: Contribution; timeZone: string } | null;
  pending: PendingOp | null;
}

const BATCH = 200;

function emptyLike(c: Contribution): Contribution {
  return { conversationId: c.conversationId, customerId: c.customerId, rollupId: c.rollupId, conversation: [], customer: [], rollup: [] };
}

async function applyDelta(opId: string, delta: Delta): Promise<void> {
  if (delta.conversationId) await applyOnce(Conversation.collection, delta.conversationId, opId, delta.conversation);
  if (delta.customerId) await applyOnce(Customer.collection, delta.customerId, opId, delta.customer);
  if (delta.rollup.length > 0) await applyOnce(WeeklyRollup.collection, delta.rollupId, opId, delta.rollup);
  // The history views copy these counters (src/history/projection.ts): refresh the copies.
  if (delta.conversationId && delta.conversation.length > 0) await syncConversation(delta.conversationId, null);
  if (delta.customerId && delta.customer.length > 0) await syncCustomerView(delta.customerId);
}

/** Retracts one message's counted contribution and deletes it. Safe to repeat; runs under the message's lock. */
export async function retireMessage(key: string): Promise<boolean> {
  return withDocLock('messages', key, async () => {
    const msg = (await Message.collection.findOne({ _id: key as never })) as unknown as StoredForRetention | null;
    if (!msg) return false;
    let counted: Contribution | null = msg.counted?.contribution ?? null;
    if (msg.pending) {
      // A tag or retention operation died half-way: finish it (the guard skips targets that have it). A tag
      // change marked applied is in every counter already (its ids may be pulled off some): not again.
      if (!msg.pending.applied) await applyDelta(msg.pending.opId, msg.pending.delta);
      counted = msg.pending.contribution;
    }
    if (counted && !msg.pending?.opId.startsWith('ret-')) {
      const retraction: PendingOp = {
        opId: `ret-${operationId(key, msg.rev)}`,
        rev: msg.rev,
        delta: contributionDelta(counted, emptyLike(counted)),
        contribution: emptyLike(counted),
      };
      await Message.collection.updateOne({ _id: key as never }, { $set: { pending: retraction, counted: { rev: msg.rev, contribution: counted, timeZone: msg.counted?.timeZone ?? 'UTC' } } });
      await applyDelta(retraction.opId, retraction.delta);
      await Message.collection.deleteOne({ _id: key as never });
      // The message is gone, so nothing retries the retraction: its id can leave the counter documents.
      const d = retraction.delta;
      await Promise.all([
        d.conversationId && d.conversation.length > 0 ? releaseOp(Conversation.collection, d.conversationId, retraction.opId) : null,
        d.customerId && d.customer.length > 0 ? releaseOp(Customer.collection, d.customerId, retraction.opId) : null,
        d.rollup.length > 0 ? releaseOp(WeeklyRollup.collection, d.rollupId, retraction.opId) : null,
      ]);
      return true;
    }
    await Message.collection.deleteOne({ _id: key as never });
    return true;
  });
}

/** Deletes a conversation whose messages are all gone, and its entries in the history projections. */
async function retireConversation(id: string): Promise<boolean> {
  return withDocLock('conversations', id, async () => {
    if ((await Message.exists({ conversationId: id })) !== null) return false;
    const conv = await Conversation.findById(id, { platform: 1, workspaceId: 1, customerId: 1 }).lean();
    if (!conv) return false;
    const k = safeKey(id);
    if (conv.customerId) {
      const cid = conv.customerId;
      await withDocLock('customer_conversations', cid, () => customerConversations(cid).updateOne({ _id: cid as never }, { $unset: { [`c.${k}`]: '' } }));
    }
    await dropWaiting(scopeKey({ platform: conv.platform, workspaceId: conv.workspaceId }), id);
    await withDocLock('history_briefs', viewIds.brief(id), () => briefs(viewIds.brief(id)).deleteOne({ _id: viewIds.brief(id) as never }));
    await Conversation.deleteOne({ _id: id });
    return true;
  });
}

/** Deletes everything older than `days` days (by message time). */
export async function applyRetention(opts: { days: number; log: Logger; now?: Date }): Promise<RetentionResult> {
  const now = opts.now ?? new Date();
  const cutoff = new Date(now.getTime() - opts.days * 24 * 3600 * 1000);
  let messagesDeleted = 0;
  let conversationsDeleted = 0;
  const touched = new Set<string>();
  let lastId: string | null = null;
  for (;;) {
    const filter: Record<string, unknown> = { ts: { $lt: cutoff } };
    if (lastId !== null) filter._id = { $gt: lastId };
    const batch = await Message.find(filter, { _id: 1, conversationId: 1 }).sort({ _id: 1 }).limit(BATCH).lean();
    if (batch.length === 0) break;
    for (const m of batch) {
      if (await retireMessage(m._id)) messagesDeleted++;
      if (m.conversationId) touched.add(m.conversationId);
    }
    lastId = batch[batch.length - 1]!._id;
  }
  // Conversations that ended before the cutoff and hold no message any more (also those left by an earlier run).
  const old = await Conversation.find({ lastMessageAt: { $lt: cutoff } }, { _id: 1 }).lean();
  for (const c of old) touched.add(c._id);
  for (const id of touched) if (await retireConversation(id)) conversationsDeleted++;
  opts.log.info({ cutoff, days: opts.days, messagesDeleted, conversationsDeleted }, 'retention applied');
  return { cutoff, messagesDeleted, conversationsDeleted };
}
