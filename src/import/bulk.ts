// The bulk importer's I/O: reads the snapshot a plan needs in a few queries, then writes the plan with
// insertMany/bulk updates and enqueues one job per written chunk, which the worker expands into the
// messages' tag jobs (same job ids as live capture).
//
// Writes to documents that already exist (customers, conversations, checkpoints, workspaces) run under
// withDocLock, like every write of the live path; new documents are inserted (a concurrent insert of the
// same id by live capture shows up as a duplicate key and is folded in with the live path's update).
import type { Collection } from 'mongoose';
import { identityKey } from '../domain/keys.js';
import { withDocLock } from '../db/doc-lock.js';
import { Checkpoint, Conversation, Customer, Message, Workspace } from '../db/models.js';
import { forgetRuns } from '../capture/recent.js';
import { updateOneById } from '../db/by-id.js';
import type { Logger } from '../logger.js';
import type { Queues } from '../queue.js';
import type { Doc, ImportPlan, Snapshot } from './plan.js';
import type { ImportRecord } from './types.js';

const CONVERSATION_FIELDS = [
  'platform', 'workspaceId', 'channelId', 'channelName', 'kind', 'threadId', 'customerId', 'status', 'startedAt', 'lastMessageAt',
  'lastCustomerMessageAt', 'firstAgentMessageAt', 'firstAgentReplyAt', 'firstResponseMs', 'resolvedAt', 'firstLine', 'permalink',
] as const;
const CUSTOMER_SET_FIELDS = ['external', 'name', 'nameKey', 'email', 'company'] as const;

/**
 * Documents per cursor batch of the snapshot reads (small projected documents): FerretDB answers each
 * getMore slowly, and with the driver's default batches a scan of 10,000 messages measured 17.6 s against
 * 11.1 s in batches of 10,000 (same load).
 */
const SCAN_BATCH = 10_000;

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
  // On FerretDB each query reads its whole collection, so: conversations and customers at once, then the
  // messages of only those channels that have a stored conversation (every stored message belongs to a
  // conversation of its channel, written before it by capture and by this importer). Importing channels new
  // to the database thus never reads the messages collection. Re-importing costs that scan (measured slower
  // than the import's own inserts on FerretDB): `_id` `$in` scans too there, and duplicate-key errors from the
  // inserts come too late to serve as the signal, since the plan (which conversation each message joins, and
  // what a new message does to its conversation and customer) must know which messages are stored.
  const reads: Array<Promise<void>> = [];
  const projection = Object.fromEntries(CONVERSATION_FIELDS.map((f) => [f, 1]));
  const storedChannels = new Map<string, Set<string>>();
  for (const [k, w] of byWorkspace) {
    const filter = { platform: w.platform, workspaceId: w.workspaceId, channelId: { $in: [...w.channels] } };
    const seen = new Set<string>();
    storedChannels.set(k, seen);
    reads.push(
      (async () => {
        for await (const c of Conversation.collection.find(filter, { projection, batchSize: SCAN_BATCH })) {
          snapshot.conversations.set(c._id as unknown as string, c as unknown as Doc);
          seen.add(c.channelId as string);
        }
      })(),
    );
  }
  if (identities.size > 0) {
    reads.push(
      (async () => {
        const found = Customer.collection.find({ 'identities.key': { $in: [...identities] } }, { projection: { _id: 1, identities: 1 }, batchSize: SCAN_BATCH });
        for await (const c of found) {
          for (const ident of (c.identities ?? []) as Array<{ key?: string }>) {
            if (ident.key && identities.has(ident.key) && !snapshot.customerByIdentity.has(ident.key)) snapshot.customerByIdentity.set(ident.key, c._id as unknown as string);
          }
        }
      })(),
    );
  }
  await Promise.all(reads);
  for (const [k, w] of byWorkspace) {
    const channels = [...storedChannels.get(k)!];
    if (channels.length === 0) continue;
    const filter = { platform: w.platform, workspaceId: w.workspaceId, channelId: { $in: channels } };
    const msgs = Message.collection.find(filter, { projection: { _id: 1, conversationId: 1, rev: 1, needsTagging: 1 }, batchSize: SCAN_BATCH });
    for await (const m of msgs) {
      snapshot.messages.set(m._id as unknown as string, { conversationId: m.conversationId ?? null, rev: m.rev ?? 0, needsTagging: m.needsTagging === true });
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

/**
 * Inserts docs in chunks with up to `inFlight` chunks written at once (the server overlaps one chunk's
 * parsing with another's write); calls `done` with each chunk and the indexes in it that already existed.
 */
async function insertChunks(
  collection: Collection,
  docs: Doc[],
  chunk: number,
  inFlight: number,
  done: (chunkDocs: Doc[], dup: Set<number>) => Promise<void> | void,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < docs.length) {
      const part = docs.slice(next, next + chunk);
      next += chunk;
      await done(part, await insertAll(collection, part));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, inFlight) }, lane));
}

export interface TagItem {
  messageKey: string;
  rev: number;
}

/**
 * Enqueues a chunk's tag jobs as one `tag-chunk` job (the worker expands it: jobs/tag.ts), so the import
 * pays one small Redis write per chunk instead of a job per message. False when Redis could not take it:
 * the messages are stored with `needsTagging`, so the untagged sweep enqueues them later, as it does when
 * the chunk job fails every attempt.
 */
export async function enqueueTags(queues: Queues, items: TagItem[], log: Logger): Promise<boolean> {
  if (items.length === 0) return true;
  try {
    await queues.enqueueTagChunk(items);
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
  /** Chunks written at once (default 3). */
  inFlight?: number;
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
  const chunk = opts.chunkSize ?? 1000;
  const inFlight = opts.inFlight ?? 3;
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
  await insertChunks(Customer.collection, plan.newCustomers, chunk, inFlight, async (docs, dup) => {
    for (const idx of dup) {
      const d = docs[idx]!;
      const set = Object.fromEntries(CUSTOMER_SET_FIELDS.filter((f) => f in d).map((f) => [f, d[f]]));
      await withDocLock('customers', d._id, () =>
        Customer.collection.updateOne({ _id: d._id as never }, { $set: set, $min: { firstContactAt: d.firstContactAt }, $max: { lastContactAt: d.lastContactAt } }),
      );
    }
  });
  for (const u of plan.customerUpdates) {
    await withDocLock('customers', u.id, () =>
      Customer.collection.updateOne({ _id: u.id as never }, { $set: u.set, $min: { firstContactAt: u.firstContactAt }, $max: { lastContactAt: u.lastContactAt } }),
    );
  }

  lap('customers');
  // Conversations are all written before the first message that points at them (an interrupted import
  // leaves at worst conversations that the next import's messages join, never messages without one).
  await insertChunks(Conversation.collection, plan.newConversations, chunk, inFlight, async (docs, dup) => {
    for (const idx of dup) {
      // Opened meanwhile by live capture: move its times the way the live path would.
      const d = docs[idx]!;
      opts.log.warn({ conversationId: d._id }, 'conversation created by live capture during the import; merged');
      const max: Record<string, unknown> = { lastMessageAt: d.lastMessageAt };
      if (d.lastCustomerMessageAt) max.lastCustomerMessageAt = d.lastCustomerMessageAt;
      await withDocLock('conversations', d._id, async () => {
        await Conversation.collection.updateOne({ _id: d._id as never }, { $min: { startedAt: d.startedAt }, $max: max });
        if (d.customerId) {
          await updateOneById(Conversation.collection as never, { _id: d._id, customerId: null }, { $set: { customerId: d.customerId, firstLine: d.firstLine ?? null, permalink: d.permalink ?? null } });
        }
      });
    }
  });
  for (const u of plan.conversationUpdates) {
    await withDocLock('conversations', u.id, async () => {
      for (const op of u.ops) await Conversation.collection.updateOne({ _id: u.id as never, ...op.filter }, op.update);
    });
  }

  // Conversations written here bypass capture's per-channel run documents (src/capture/recent.ts): drop
  // those of the channels imported so live capture seeds them again from the conversations as they are now.
  await forgetRuns(plan.checkpoints);
  lap('conversations');
  // Several chunks go to MongoDB at once; each chunk's tag-chunk job goes to Redis as soon as it is stored.
  const enqueues: Array<Promise<void>> = [];
  await insertChunks(Message.collection, plan.newMessages, chunk, inFlight, (docs, dup) => {
    const stored = docs.filter((_, idx) => !dup.has(idx));
    result.stored += stored.length;
    result.raced += dup.size;
    enqueues.push(
      enqueueTags(opts.queues, stored.map((d) => ({ messageKey: d._id, rev: 0 })), opts.log).then((ok) => {
        if (!ok) result.notQueued += stored.length;
      }),
    );
    opts.onProgress?.({ stored: result.stored, duplicates: plan.duplicates + result.raced });
  });
  lap('messages');
  await Promise.all(enqueues);
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
  const retags: Array<Promise<void>> = [];
  for (let i = 0; i < plan.retag.length; i += chunk) {
    const items = plan.retag.slice(i, i + chunk).map((r) => ({ messageKey: r.key, rev: r.rev }));
    retags.push(
      enqueueTags(opts.queues, items, opts.log).then((ok) => {
        if (!ok) result.notQueued += items.length;
      }),
    );
  }
  await Promise.all(retags);
  lap('checkpoints and re-enqueue');
  return result;
}
