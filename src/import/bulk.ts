// The bulk importer's I/O: reads the snapshot a plan needs in a few queries, then writes the plan with
// insertMany/bulk updates and enqueues the tag jobs with Queue.addBulk (same job ids as live capture).
//
// Writes to documents that already exist (customers, conversations, checkpoints, workspaces) run under
// withDocLock, like every write of the live path; new documents are inserted (a concurrent insert of the
// same id by live capture shows up as a duplicate key and is folded in with the live path's update).
import type { Collection } from 'mongoose';
import { tagJobId } from '../capture/keys.js';
import { identityKey } from '../capture/keys.js';
import { withDocLock } from '../db/doc-lock.js';
import { Checkpoint, Conversation, Customer, Message, Workspace } from '../db/models.js';
import { forgetRuns } from '../capture/recent.js';
import type { Logger } from '../logger.js';
import type { Queues } from '../queue.js';
import type { Doc, ImportPlan, Snapshot } from './plan.js';
import type { ImportRecord } from './types.js';

const CONVERSATION_FIELDS = [
  'platform', 'workspaceId', 'channelId', 'channelName', 'kind', 'threadId', 'customerId', 'status', 'startedAt', 'lastMessageAt',
  'lastCustomerMessageAt', 'firstAgentReplyAt', 'firstResponseMs', 'resolvedAt', 'firstLine', 'permalink',
] as const;
const CUSTOMER_SET_FIELDS = ['external', 'name', 'nameKey', 'email', 'company'] as const;

/** Reads what is stored for the channels and authors of an import (one query per collection and workspace). */
export async function loadSnapshot(records: ImportRecord[]): Promise<Snapshot> {
  const byWorkspace = new Map<string, { platform: string; workspaceId: string; channels: Set<string> }>();
  const identities = new Set<string>();
  for (const { msg } of records) {
    const k = `${msg.platform}:${msg.workspaceId}`;
    const w = byWorkspace.get(k) ?? { platform: msg.platform, workspaceId: msg.workspaceId, channels: new Set<string>() };
    w.channels.add(msg.channelId);
    byWorkspace.set(k, w);
    if (msg.author?.role === 'customer' && typeof msg.author.userId === 'string') identities.add(identityKey(msg.platform, msg.workspaceId, msg.author.userId));
  }
  const snapshot: Snapshot = { messages: new Map(), conversations: new Map(), customerByIdentity: new Map() };
  for (const w of byWorkspace.values()) {
    const filter = { platform: w.platform, workspaceId: w.workspaceId, channelId: { $in: [...w.channels] } };
    const msgs = Message.collection.find(filter, { projection: { _id: 1, conversationId: 1, rev: 1, needsTagging: 1 } });
    for await (const m of msgs) {
      snapshot.messages.set(m._id as unknown as string, { conversationId: m.conversationId ?? null, rev: m.rev ?? 0, needsTagging: m.needsTagging === true });
    }
    const projection = Object.fromEntries(CONVERSATION_FIELDS.map((f) => [f, 1]));
    for await (const c of Conversation.collection.find(filter, { projection })) snapshot.conversations.set(c._id as unknown as string, c as unknown as Doc);
  }
  if (identities.size > 0) {
    const found = Customer.collection.find({ 'identities.key': { $in: [...identities] } }, { projection: { _id: 1, identities: 1 } });
    for await (const c of found) {
      for (const ident of (c.identities ?? []) as Array<{ key?: string }>) {
        if (ident.key && identities.has(ident.key) && !snapshot.customerByIdentity.has(ident.key)) snapshot.customerByIdentity.set(ident.key, c._id as unknown as string);
      }
    }
  }
  return snapshot;
}

/** Inserts documents; returns the indexes that already existed (duplicate key). Other errors throw. */
async function insertAll(collection: Collection, docs: Doc[]): Promise<Set<number>> {
  const dup = new Set<number>();
  if (docs.length === 0) return dup;
  try {
    await collection.insertMany(docs as never[], { ordered: false });
  } catch (err) {
    const e = err as { code?: number; writeErrors?: unknown };
    const writeErrors = (Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : []) as Array<{ index: number; code: number }>;
    if (writeErrors.length === 0 && e.code !== 11000) throw err;
    for (const w of writeErrors) {
      if (w.code !== 11000) throw err;
      dup.add(w.index);
    }
  }
  return dup;
}

export interface TagItem {
  messageKey: string;
  rev: number;
}

/** Enqueues tag jobs in one round trip per chunk; false when Redis could not take them (the sweeper will). */
export async function enqueueTags(queues: Queues, items: TagItem[], log: Logger): Promise<boolean> {
  if (items.length === 0) return true;
  try {
    await queues.tag.addBulk(items.map((i) => ({ name: 'tag', data: i, opts: { jobId: tagJobId(i.messageKey, i.rev) } })));
    return true;
  } catch (err) {
    log.warn({ count: items.length, err: (err as Error).message }, 'tag jobs not enqueued; the sweeper will retry');
    return false;
  }
}

export interface WriteProgress {
  stored: number;
  duplicates: number;
}

export interface ExecuteOptions {
  queues: Queues;
  log: Logger;
  now: Date;
  chunkSize?: number;
  onProgress?: (p: WriteProgress) => void;
}

export interface ExecuteResult {
  /** Milliseconds spent per step (for the benchmark and debug logs). */
  timings: Record<string, number>;
  stored: number;
  /** Messages stored meanwhile by live capture (seen as a duplicate key on insert). */
  raced: number;
  notQueued: number;
}

export async function executePlan(plan: ImportPlan, opts: ExecuteOptions): Promise<ExecuteResult> {
  const chunk = opts.chunkSize ?? 2000;
  const result: ExecuteResult = { timings: {}, stored: 0, raced: 0, notQueued: 0 };
  let mark = Date.now();
  const lap = (step: string): void => {
    const now = Date.now();
    result.timings[step] = (result.timings[step] ?? 0) + now - mark;
    mark = now;
  };
  for (const w of plan.workspaces) {
    await withDocLock('workspaces', w._id, () =>
      Workspace.collection.updateOne({ _id: w._id as never }, { $setOnInsert: { platform: w.platform, externalId: w.externalId, createdAt: opts.now } }, { upsert: true }),
    );
  }

  lap('workspaces');
  for (let i = 0; i < plan.newCustomers.length; i += chunk) {
    const docs = plan.newCustomers.slice(i, i + chunk);
    for (const idx of await insertAll(Customer.collection, docs)) {
      const d = docs[idx]!;
      const set = Object.fromEntries(CUSTOMER_SET_FIELDS.filter((f) => f in d).map((f) => [f, d[f]]));
      await withDocLock('customers', d._id, () =>
        Customer.collection.updateOne({ _id: d._id as never }, { $set: set, $min: { firstContactAt: d.firstContactAt }, $max: { lastContactAt: d.lastContactAt } }),
      );
    }
  }
  for (const u of plan.customerUpdates) {
    await withDocLock('customers', u.id, () =>
      Customer.collection.updateOne({ _id: u.id as never }, { $set: u.set, $min: { firstContactAt: u.firstContactAt }, $max: { lastContactAt: u.lastContactAt } }),
    );
  }

  lap('customers');
  for (let i = 0; i < plan.newConversations.length; i += chunk) {
    const docs = plan.newConversations.slice(i, i + chunk);
    for (const idx of await insertAll(Conversation.collection, docs)) {
      // Opened meanwhile by live capture: move its times the way the live path would.
      const d = docs[idx]!;
      opts.log.warn({ conversationId: d._id }, 'conversation created by live capture during the import; merged');
      const max: Record<string, unknown> = { lastMessageAt: d.lastMessageAt };
      if (d.lastCustomerMessageAt) max.lastCustomerMessageAt = d.lastCustomerMessageAt;
      await withDocLock('conversations', d._id, async () => {
        await Conversation.collection.updateOne({ _id: d._id as never }, { $min: { startedAt: d.startedAt }, $max: max });
        if (d.customerId) {
          await Conversation.collection.updateOne({ _id: d._id as never, customerId: null }, { $set: { customerId: d.customerId, firstLine: d.firstLine ?? null, permalink: d.permalink ?? null } });
        }
      });
    }
  }
  for (const u of plan.conversationUpdates) {
    await withDocLock('conversations', u.id, async () => {
      for (const op of u.ops) await Conversation.collection.updateOne({ _id: u.id as never, ...op.filter }, op.update);
    });
  }

  // Conversations written here bypass capture's per-channel run documents (src/capture/recent.ts): drop
  // those of the channels imported so live capture seeds them again from the conversations as they are now.
  await forgetRuns(plan.checkpoints);
  lap('conversations');
  // A chunk's tag jobs go to Redis while the next chunk goes to MongoDB (one enqueue in flight at a time).
  let enqueuing: Promise<void> = Promise.resolve();
  for (let i = 0; i < plan.newMessages.length; i += chunk) {
    const docs = plan.newMessages.slice(i, i + chunk);
    const dup = await insertAll(Message.collection, docs);
    const stored = docs.filter((_, idx) => !dup.has(idx));
    result.stored += stored.length;
    result.raced += dup.size;
    lap('messages');
    await enqueuing;
    lap('enqueue (waiting on Redis)');
    enqueuing = enqueueTags(opts.queues, stored.map((d) => ({ messageKey: d._id, rev: 0 })), opts.log).then((ok) => {
      if (!ok) result.notQueued += stored.length;
    });
    opts.onProgress?.({ stored: result.stored, duplicates: plan.duplicates + result.raced });
  }
  await enqueuing;
  lap('enqueue (waiting on Redis)');

  for (const c of plan.checkpoints) {
    await withDocLock('checkpoints', c._id, () =>
      Checkpoint.collection.updateOne(
        { _id: c._id as never },
        {
          $setOnInsert: { platform: c.platform, workspaceId: c.workspaceId, channelId: c.channelId, lastMessageId: null },
          $max: { lastTs: c.lastTs },
          $set: { updatedAt: opts.now },
        },
        { upsert: true },
      ),
    );
  }
  for (let i = 0; i < plan.retag.length; i += chunk) {
    const items = plan.retag.slice(i, i + chunk).map((r) => ({ messageKey: r.key, rev: r.rev }));
    if (!(await enqueueTags(opts.queues, items, opts.log))) result.notQueued += items.length;
  }
  lap('checkpoints and re-enqueue');
  return result;
}
