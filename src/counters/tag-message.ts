// Tags the current revision of a message and moves the counters by exactly the change it makes.
//
// Exactly once, without transactions (FerretDB has none), in two phases:
//  1. the change is written on the message as `pending` (with an operation id);
//  2. it is applied to each counter document with a filter that skips documents already holding that
//     operation id in `ops` (the same update pushes it);
//  3. the message records it as `counted` and marks the pending change `applied`;
//  4. the operation id is pulled from each counter document again, and `pending` is cleared.
// A job that dies anywhere is retried and finishes the same pending change: before step 3 the ids still on
// the documents tell which were moved, after it nothing is applied again. Because an id leaves a document
// only once the message says the change is applied, `ops` holds just the changes in flight — a retry long
// after a crash (a stalled job, a burst of other messages on the same weekly rollup) is still recognised.
import { createHash } from 'node:crypto';
import { withDocLock } from '../db/doc-lock.js';
import { updateOneById } from '../db/by-id.js';
import type { Logger } from '../logger.js';
import { Conversation, Customer, Message, OPS_MEMORY, WeeklyRollup, Workspace, type MessageDoc } from '../db/models.js';
import { type Role } from '../domain/types.js';
import { rollupKey, workspaceKey } from '../domain/keys.js';
import { isoWeekKey } from '../time/week.js';
import { dayKey } from '../time/day.js';
import type { Tagger, TagResult } from '../nlp/types.js';
import type { Collection } from 'mongoose';
import { computeContribution, contributionDelta, toIncObject, type Contribution, type Delta, type Increments } from './contribution.js';

export interface TagMessageDeps {
  tagger: Tagger;
  log: Logger;
  /** Time zone for workspaces that have none of their own. */
  defaultTimeZone: string;
  /**
   * Runs after a revision is counted (and again when a retry or redelivery finds it counted): keeps the
   * projections `/history` and the digest read (src/history/projection.ts). Must be idempotent.
   */
  afterCount?: (msg: CountedMessage) => Promise<void>;
  /**
   * Places a message capture stored unplaced (src/capture/place.ts Placement.place), before it is tagged
   * and counted; runs before the message's lock is taken. Must leave a placed message alone.
   */
  place: (messageKey: string) => Promise<void>;
}

/** What the after-count hook learns of the message it follows. */
export interface CountedMessage {
  key: string;
  platform: MessageDoc['platform'];
  workspaceId: string;
  channelId: string;
  conversationId: string | null;
  customerId: string | null;
  role: Role | null;
  deleted: boolean;
  ts: Date;
  /** ISO week (in timeZone) the message was counted in. */
  week: string;
  timeZone: string;
}

export type TagMessageStatus = 'tagged' | 'already-counted' | 'missing';

interface Pending {
  opId: string;
  /** Set once every counter document has the change (step 3); what is left is pulling the ids. */
  applied?: boolean;
  rev: number;
  delta: Delta;
  contribution: Contribution;
  week: string;
  timeZone: string;
}

type StoredMessage = MessageDoc & { _id: string; pending: Pending | null; counted: Counted | null };

interface Counted {
  rev: number;
  contribution: Contribution;
  timeZone: string;
}

const MAX_ATTEMPTS = 5;

export function operationId(messageKey: string, rev: number): string {
  return `${createHash('sha1').update(messageKey).digest('hex').slice(0, 16)}-r${rev}`;
}

export class MessageTagger {
  private readonly zones = new Map<string, { tz: string; at: number }>();

  constructor(private readonly deps: TagMessageDeps) {}

  private async timeZoneOf(platform: MessageDoc['platform'], workspaceId: string): Promise<string> {
    const id = workspaceKey(platform, workspaceId);
    const cached = this.zones.get(id);
    if (cached && Date.now() - cached.at < 60_000) return cached.tz;
    const ws = await Workspace.findById(id, { timeZone: 1 }).lean();
    const tz = ws?.timeZone ?? this.deps.defaultTimeZone;
    this.zones.set(id, { tz, at: Date.now() });
    return tz;
  }

  /** Tags and counts the message's current revision. Safe to run any number of times, concurrently too. */
  tagMessage(messageKey: string): Promise<TagMessageStatus> {
    return this.deps.place(messageKey).then(() => withDocLock('messages', messageKey, () => this.tagLocked(messageKey)));
  }

  private async tagLocked(messageKey: string): Promise<TagMessageStatus> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const msg = (await Message.findById(messageKey).lean()) as StoredMessage | null;
      if (!msg) return 'missing';
      if (msg.pending) {
        await this.finish(msg._id, msg.pending);
        continue;
      }
      if (msg.counted && msg.counted.rev === msg.rev) {
        await this.after(msg, msg.counted.contribution.rollupId.split(':').pop()!, msg.counted.timeZone);
        if (msg.needsTagging) await updateOneById(Message.collection as never, { _id: msg._id, rev: msg.rev }, { $set: { needsTagging: false } });
        return 'already-counted';
      }
      const pending = await this.prepare(msg);
      const res = await updateOneById(
        Message.collection as never,
        { _id: msg._id, rev: msg.rev, pending: null },
        { $set: { pending, tags: pending.tags } },
      );
      if (res.matchedCount === 0) continue; // edited, deleted or taken by another worker meanwhile: look again
      await this.finish(msg._id, pending);
      await this.after(msg, pending.week, pending.timeZone);
      await updateOneById(Message.collection as never, { _id: msg._id, rev: msg.rev }, { $set: { needsTagging: false } });
      return 'tagged';
    }
    throw new Error(`message ${messageKey} kept changing while it was tagged; retrying later`);
  }

  private async after(msg: StoredMessage, week: string, timeZone: string): Promise<void> {
    if (!this.deps.afterCount) return;
    await this.deps.afterCount({
      key: msg._id,
      platform: msg.platform,
      workspaceId: msg.workspaceId,
      channelId: msg.channelId,
      conversationId: msg.conversationId ?? null,
      customerId: msg.customerId ?? null,
      role: msg.author?.role ?? null,
      deleted: msg.deletedAt != null,
      ts: msg.ts,
      week,
      timeZone,
    });
  }

  private async prepare(msg: StoredMessage): Promise<Pending & { tags: (TagResult & { rev: number; taggedAt: Date }) | null }> {
    const deleted = msg.deletedAt != null;
    let tags: (TagResult & { rev: number; taggedAt: Date }) | null = null;
    if (!deleted && msg.text) {
      const result = this.deps.tagger.tag({ text: msg.text, platform: msg.platform, role: msg.author?.role ?? 'customer' });
      tags = { ...result, rev: msg.rev, taggedAt: new Date() };
    }
    // The zone (and so the week) is fixed by the first count, so later revisions move the same rollup.
    const timeZone = msg.counted?.timeZone ?? (await this.timeZoneOf(msg.platform, msg.workspaceId));
    const week = isoWeekKey(msg.ts, timeZone);
    const counting = tags && !tags.untaggedReason ? tags : null;
    const contribution = computeContribution(
      {
        key: msg._id,
        conversationId: msg.conversationId ?? null,
        customerId: msg.customerId ?? null,
        channelId: msg.channelId,
        role: msg.author?.role ?? null,
        deleted,
        rollupId: rollupKey(msg.platform, msg.workspaceId, week),
        day: dayKey(msg.ts),
      },
      counting ? { needs: counting.needs.map((n) => n.need), sentiment: counting.sentiment } : null,
    );
    const delta = contributionDelta(msg.counted?.contribution ?? null, contribution);
    return { opId: operationId(msg._id, msg.rev), rev: msg.rev, delta, contribution, week, timeZone, tags };
  }

  private async finish(messageKey: string, pending: Pending): Promise<void> {
    const { delta, opId } = pending;
    // Different documents, each written under its own lock (never two held at once): safe to run together.
    const targets: Array<[Collection, string]> = [];
    if (delta.conversationId && delta.conversation.length > 0) targets.push([Conversation.collection, delta.conversationId]);
    if (delta.customerId && delta.customer.length > 0) targets.push([Customer.collection, delta.customerId]);
    if (delta.rollup.length > 0) targets.push([WeeklyRollup.collection, delta.rollupId]);
    if (!pending.applied) {
      const rollup = async () => {
        const [platform, workspaceId] = messageKey.split(':') as [MessageDoc['platform'], string];
        await this.ensureRollup(delta.rollupId, platform, workspaceId, pending.week, pending.timeZone);
        await applyOnce(WeeklyRollup.collection, delta.rollupId, opId, delta.rollup);
      };
      await Promise.all([
        delta.conversationId ? applyOnce(Conversation.collection, delta.conversationId, opId, delta.conversation) : null,
        delta.customerId ? applyOnce(Customer.collection, delta.customerId, opId, delta.customer) : null,
        delta.rollup.length > 0 ? rollup() : null,
      ]);
      await updateOneById(
        Message.collection as never,
        { _id: messageKey, 'pending.opId': opId },
        { $set: { counted: { rev: pending.rev, contribution: pending.contribution, timeZone: pending.timeZone } satisfies Counted, 'pending.applied': true } },
      );
    }
    await Promise.all(targets.map(([collection, id]) => releaseOp(collection, id, opId)));
    await updateOneById(Message.collection as never, { _id: messageKey, 'pending.opId': opId }, { $set: { pending: null } });
  }

  private async ensureRollup(id: string, platform: MessageDoc['platform'], workspaceId: string, week: string, timeZone: string): Promise<void> {
    const insert = { ...rollupInsertFields(platform, workspaceId, week, timeZone), ops: [] };
    await withDocLock('weekly_rollups', id, async () => {
      try {
        await WeeklyRollup.collection.updateOne({ _id: id as never }, { $setOnInsert: insert }, { upsert: true });
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err; // another worker created it first
      }
    });
  }
}

/** A new weekly rollup's fields (written with `$setOnInsert` by whichever counter reaches it first). */
export function rollupInsertFields(platform: MessageDoc['platform'], workspaceId: string, week: string, timeZone: string) {
  return {
    platform,
    workspaceId,
    week,
    timeZone,
    counts: { conversations: 0, messages: 0, customerMessages: 0, agentMessages: 0 },
    needs: {},
    sentiment: { sum: 0, count: 0, positive: 0, neutral: 0, negative: 0 },
    channels: {},
  };
}

/** Takes a finished operation's id off a counter document (phase 4 above). Idempotent. */
export async function releaseOp(collection: Collection, id: string, opId: string): Promise<void> {
  await withDocLock(collection.collectionName, id, () => updateOneById(collection as never, { _id: id, ops: opId }, { $pull: { ops: opId } }));
}

/** Adds the increments to one document unless it already holds the operation id (then it is a retry). */
export async function applyOnce(collection: Collection, id: string, opId: string, incs: Increments): Promise<void> {
  if (incs.length === 0) return;
  await withDocLock(collection.collectionName, id, () => updateOneById(collection as never, { _id: id, ops: { $ne: opId } }, {
    $inc: toIncObject(incs),
    $push: { ops: { $each: [opId], $slice: -OPS_MEMORY } },
  } as never));
}
