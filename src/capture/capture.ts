// The one platform-neutral entry point for storing what an adapter (or an importer) saw. Idempotent: the
// same event delivered again changes no document and adds no job.
import type { Logger } from '../logger.js';
import { Checkpoint, Conversation, Customer, Message, Workspace, type MessageDoc } from '../db/models.js';
import { type Role } from '../domain/types.js';
import { CaptureValidationError, QueueUnavailableError } from '../errors.js';
import { checkpointKey, identityKey, messageKey, workspaceKey } from '../domain/keys.js';
import { answeredBeforeOwner, chooseConversation, conversationInsertFields, customerInsertFields, customerSetFields, firstLine, joinsConversations, newMessageDocument } from './documents.js';
import type { CapturedMessage } from './types.js';
import { validateCapturedMessage } from './validate.js';
import { redactSecrets } from './redact.js';
import { withDocLock } from '../db/doc-lock.js';
import { findOneAndUpdateById, updateOneById } from '../db/by-id.js';
import { noteConversation, recentConversation } from './recent.js';
import { CaptureGate } from './gate.js';
import { KeyedSerial } from '../db/keyed-serial.js';

export type CaptureStatus =
  /** A new message was stored. */
  | 'stored'
  /** Already stored: a redelivery, nothing changed. */
  | 'duplicate'
  /** An edit changed the stored text. */
  | 'edited'
  /** A delete marked the stored message deleted. */
  | 'deleted'
  /** An edit or delete that changes nothing (older than what is stored, same text, already deleted). */
  | 'unchanged'
  /** A delete of a message never stored: a tombstone records it. */
  | 'tombstone';

export interface CaptureOutcome {
  status: CaptureStatus;
  messageKey: string;
  rev: number;
  conversationId: string | null;
  /** False when the tag job could not be enqueued (Redis down); the sweeper enqueues it later. */
  queued: boolean;
}

export interface TagEnqueuer {
  enqueueTag(messageKey: string, rev: number): Promise<void>;
}

export interface CaptureOptions {
  queue: TagEnqueuer;
  log: Logger;
  conversationWindowMinutes: number;
  maxMessageChars: number;
  /** Replace card numbers and similar secrets in text before storing (REDACT_SECRETS_IN_TEXT). */
  redactSecrets?: boolean;
  /** Captures running at once (CAPTURE_CONCURRENCY, default 16); more wait in order (gate.ts). */
  maxInFlight?: number;
  /** Captures waiting at most (CAPTURE_QUEUE_LIMIT, default 50,000); past it a capture is refused with CaptureBusyError. */
  maxQueued?: number;
  now?: () => Date;
}

export class CaptureService {
  private readonly knownWorkspaces = new Set<string>();
  private readonly windowMs: number;
  private readonly now: () => Date;
  readonly gate: CaptureGate;
  /**
   * Captures running now, by message key: a thread reply whose root is being stored waits for it, so it joins
   * the root's conversation instead of starting one of its own (a burst delivers both at once). Only running
   * captures are waited for, never queued ones: a root delivered before its reply starts first (the gate is
   * FIFO) and holds a slot, so the wait always ends.
   */
  private readonly running = new Map<string, Promise<unknown>>();
  /** Placement of top-level messages, one at a time per run (joinConversation). */
  private readonly runs = new KeyedSerial();

  constructor(private readonly opts: CaptureOptions) {
    this.windowMs = opts.conversationWindowMinutes * 60_000;
    this.now = opts.now ?? (() => new Date());
    this.gate = new CaptureGate(opts.maxInFlight ?? 16, opts.maxQueued ?? 50_000);
  }

  /**
   * Validates and stores one captured event. Invalid input throws CaptureValidationError (and is logged);
   * a storage failure throws so the caller can have the platform redeliver.
   */
  async capture(input: unknown): Promise<CaptureOutcome> {
    let msg: CapturedMessage;
    try {
      msg = validateCapturedMessage(input, { maxMessageChars: this.opts.maxMessageChars, now: this.now() });
      if (this.opts.redactSecrets && typeof msg.text === 'string') msg = { ...msg, text: redactSecrets(msg.text).text };
    } catch (err) {
      if (err instanceof CaptureValidationError) {
        const m = (typeof input === 'object' && input !== null ? input : {}) as Partial<CapturedMessage>;
        this.opts.log.warn(
          { problems: err.problems, platform: m.platform, workspaceId: m.workspaceId, channelId: m.channelId, messageId: m.messageId },
          'captured message rejected',
        );
      }
      throw err;
    }
    const valid = msg;
    const key = this.key(valid);
    return this.gate.run(async () => {
      const done = withDocLock('messages', key, () => {
        switch (valid.kind) {
          case 'new':
            return this.captureNew(valid);
          case 'edit':
            return this.captureEdit(valid);
          case 'delete':
            return this.captureDelete(valid);
        }
      });
      this.running.set(key, done);
      try {
        return await done;
      } finally {
        if (this.running.get(key) === done) this.running.delete(key);
      }
    });
  }

  private key(msg: CapturedMessage, messageId = msg.messageId): string {
    return messageKey(msg.platform, msg.workspaceId, msg.channelId, messageId);
  }

  private async enqueue(key: string, rev: number): Promise<boolean> {
    try {
      await this.opts.queue.enqueueTag(key, rev);
      return true;
    } catch (err) {
      if (!(err instanceof QueueUnavailableError)) throw err;
      this.opts.log.warn({ messageKey: key, rev, err: err.message }, 'tag job not enqueued; the sweeper will retry');
      return false;
    }
  }

  private async ensureWorkspace(msg: CapturedMessage): Promise<void> {
    const id = workspaceKey(msg.platform, msg.workspaceId);
    if (this.knownWorkspaces.has(id)) return;
    await withDocLock('workspaces', id, () =>
      Workspace.updateOne({ _id: id }, { $setOnInsert: { platform: msg.platform, externalId: msg.workspaceId, createdAt: this.now() } }, { upsert: true }),
    );
    this.knownWorkspaces.add(id);
  }

  private async upsertCustomer(msg: CapturedMessage): Promise<string> {
    const author = msg.author!;
    const idKey = identityKey(msg.platform, msg.workspaceId, author.userId);
    // Each identity has its own customer document, keyed by the identity (links are kept beside it, in
    // src/history/link.ts), so no lookup is needed.
    const id = idKey;
    const set = customerSetFields(msg);
    await withDocLock('customers', id, () => this.writeCustomer(msg, id, idKey, set));
    return id;
  }

  private async writeCustomer(msg: CapturedMessage, id: string, idKey: string, set: Record<string, unknown>): Promise<void> {
    try {
      await Customer.collection.updateOne(
        { _id: id as never },
        {
          $setOnInsert: customerInsertFields(msg, idKey),
          $set: set,
          $min: { firstContactAt: msg.ts },
          $max: { lastContactAt: msg.ts },
        },
        { upsert: true },
      );
    } catch (err) {
      // Two first messages of one customer raced to insert; the other one won, so update it.
      if ((err as { code?: number }).code !== 11000) throw err;
      await Customer.collection.updateOne({ _id: id as never }, { $set: set, $min: { firstContactAt: msg.ts }, $max: { lastContactAt: msg.ts } });
    }
  }

  /**
   * Picks the conversation of a new message and writes it there. Top-level messages of one run (a channel and
   * customer, or the channel for agents and bots) are placed one at a time: two of a customer's messages
   * captured at once (a burst, whose events reach capture out of order) would otherwise both find no recent
   * conversation and start one each. In this process always; across processes through a lock on FerretDB.
   */
  private async joinConversation(msg: CapturedMessage, key: string, customerId: string | null): Promise<{ conversationId: string; owner: string | null }> {
    const place = async () => {
      const conversationId = await this.conversationFor(msg, key, customerId);
      return { conversationId, owner: await this.touchConversation(msg, conversationId, customerId) };
    };
    const threadId = msg.threadId ?? null;
    if (threadId !== null && threadId !== msg.messageId) return place(); // a reply: its root's conversation
    const run = `${msg.platform}:${msg.workspaceId}:${msg.channelId}|${customerId ?? '*'}`;
    return this.runs.run(run, () => withDocLock('conversation_placement', run, place));
  }

  /** Picks the conversation a new message belongs to (see DESIGN.md: threads, and channel runs within a window). */
  private async conversationFor(msg: CapturedMessage, key: string, customerId: string | null): Promise<string> {
    const threadId = msg.threadId ?? null;
    const rootKey = threadId !== null && threadId !== msg.messageId ? this.key(msg, threadId) : null;
    return chooseConversation(msg, key, rootKey, customerId, this.windowMs, {
      conversationOfMessage: async (k) => {
        await this.running.get(k)?.catch(() => undefined);
        // Another process storing the root holds its lock (FerretDB; on MongoDB nothing is locked).
        return withDocLock('messages', k, async () => (await Message.findById(k, { conversationId: 1 }).lean())?.conversationId ?? null);
      },
      conversationExists: async (id) => (await Conversation.exists({ _id: id })) !== null,
      // A customer's run of channel messages; an agent's or bot's channel message joins the latest conversation.
      recentConversation: ({ from, to, customerId: owner }) =>
        recentConversation({ platform: msg.platform, workspaceId: msg.workspaceId, channelId: msg.channelId, customerId: owner, from, to }),
    });
  }

  /** Upserts the conversation for a new message; returns the customer who owns it (if any). */
  private async touchConversation(msg: CapturedMessage, conversationId: string, customerId: string | null): Promise<string | null> {
    const { owner, lastMessageAt } = await withDocLock('conversations', conversationId, () => this.writeConversation(msg, conversationId, customerId));
    await noteConversation(msg.platform, msg.workspaceId, msg.channelId, conversationId, owner, lastMessageAt);
    return owner;
  }

  private async writeConversation(
    msg: CapturedMessage,
    conversationId: string,
    customerId: string | null,
  ): Promise<{ owner: string | null; lastMessageAt: Date }> {
    const role: Role = msg.author!.role;
    const update: Record<string, unknown> = {
      $setOnInsert: conversationInsertFields(msg),
      $min: { startedAt: msg.ts },
      $max: { lastMessageAt: msg.ts, ...(role === 'customer' ? { lastCustomerMessageAt: msg.ts } : {}) },
    };
    // An agent's earliest message, kept so that a customer who takes the conversation over later (its root
    // stored after the replies) finds it answered.
    if (role === 'agent') (update.$min as Record<string, unknown>).firstAgentMessageAt = msg.ts;
    const set: Record<string, unknown> = {};
    if (msg.channelName) set.channelName = msg.channelName;
    if (Object.keys(set).length > 0) update.$set = set;
    if (role === 'customer' && conversationId === this.key(msg)) {
      (update.$setOnInsert as Record<string, unknown>).firstLine = firstLine(msg.text);
      (update.$setOnInsert as Record<string, unknown>).permalink = msg.permalink ?? null;
    }
    let conv;
    try {
      conv = await Conversation.collection.findOneAndUpdate({ _id: conversationId as never }, update, { upsert: true, returnDocument: 'after' });
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      conv = await Conversation.collection.findOneAndUpdate({ _id: conversationId as never }, { $min: update.$min, $max: update.$max } as never, { returnDocument: 'after' });
    }
    if (!conv) return { owner: customerId, lastMessageAt: msg.ts };
    let owner = (conv.customerId as string | null | undefined) ?? null;
    if (role === 'customer') {
      if (owner === null && customerId !== null) {
        owner = customerId;
        // The thread was opened by an agent or a bot, or its replies came before its root: the first customer owns it.
        await updateOneById(Conversation.collection as never, { _id: conversationId, customerId: null }, { $set: { customerId, firstLine: firstLine(msg.text), permalink: msg.permalink ?? null } });
        // Agents replied before this customer message was stored: their first reply after it answers it.
        const answered = answeredBeforeOwner(conv as never, msg.ts);
        if (answered) {
          await updateOneById(Conversation.collection as never, { _id: conversationId, firstAgentReplyAt: null }, { $set: answered });
          if (answered.status) conv.status = answered.status;
        }
      }
      if (conv.status === 'resolved') {
        await updateOneById(Conversation.collection as never, { _id: conversationId, status: 'resolved' }, { $set: { status: 'open', resolvedAt: null } });
      }
    } else if (role === 'agent' && conv.customerId != null && conversationId !== this.key(msg) && msg.ts.getTime() >= (conv.startedAt as Date).getTime()) {
      const first = (conv.firstAgentReplyAt as Date | null | undefined) ?? null;
      if (first === null || first.getTime() > msg.ts.getTime()) {
        await updateOneById(
          Conversation.collection as never,
          { _id: conversationId, $or: [{ firstAgentReplyAt: null }, { firstAgentReplyAt: { $gt: msg.ts } }] },
          { $set: { firstAgentReplyAt: msg.ts, firstResponseMs: msg.ts.getTime() - (conv.startedAt as Date).getTime() } },
        );
      }
      if (conv.status === 'open') await updateOneById(Conversation.collection as never, { _id: conversationId, status: 'open' }, { $set: { status: 'answered' } });
    }
    return { owner, lastMessageAt: conv.lastMessageAt as Date };
  }

  private async advanceCheckpoint(msg: CapturedMessage): Promise<void> {
    const id = checkpointKey(msg.platform, msg.workspaceId, msg.channelId);
    await withDocLock('checkpoints', id, () => this.writeCheckpoint(msg, id));
  }

  private async writeCheckpoint(msg: CapturedMessage, id: string): Promise<void> {
    await Checkpoint.collection.updateOne(
      { _id: id as never },
      {
        $setOnInsert: { platform: msg.platform, workspaceId: msg.workspaceId, channelId: msg.channelId, lastMessageId: null },
        $max: { lastTs: msg.ts },
        $set: { updatedAt: this.now() },
      },
      { upsert: true },
    );
  }

  private async captureNew(msg: CapturedMessage): Promise<CaptureOutcome> {
    const key = this.key(msg);
    const existing = await Message.findById(key, { rev: 1, needsTagging: 1, conversationId: 1 }).lean();
    if (existing) return this.duplicate(key, existing);
    await this.ensureWorkspace(msg);
    const author = msg.author!;
    const authorCustomerId = author.role === 'customer' ? await this.upsertCustomer(msg) : null;
    // A bot's message is stored as the bot's, outside every conversation.
    const { conversationId, owner } = joinsConversations(msg) ? await this.joinConversation(msg, key, authorCustomerId) : { conversationId: null, owner: null };
    const customerId = authorCustomerId ?? owner;
    const doc = newMessageDocument(msg, conversationId, customerId, this.now());
    let inserted: boolean;
    try {
      const res = await Message.collection.updateOne({ _id: key as never }, { $setOnInsert: doc }, { upsert: true });
      inserted = res.upsertedCount === 1;
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      inserted = false;
    }
    if (!inserted) {
      const again = await Message.findById(key, { rev: 1, needsTagging: 1, conversationId: 1 }).lean();
      return this.duplicate(key, again);
    }
    await this.advanceCheckpoint(msg);
    const queued = await this.enqueue(key, 0);
    return { status: 'stored', messageKey: key, rev: 0, conversationId, queued };
  }

  private async duplicate(
    key: string,
    existing: { rev?: number | null; needsTagging?: boolean | null; conversationId?: string | null } | null,
  ): Promise<CaptureOutcome> {
    const rev = existing?.rev ?? 0;
    // Still untagged (the first enqueue may have failed): the same job id keeps this single.
    const queued = existing?.needsTagging ? await this.enqueue(key, rev) : true;
    return { status: 'duplicate', messageKey: key, rev, conversationId: existing?.conversationId ?? null, queued };
  }

  private async captureEdit(msg: CapturedMessage): Promise<CaptureOutcome> {
    const key = this.key(msg);
    const editedAt = msg.editedAt!;
    const set: Record<string, unknown> = { editedAt, needsTagging: true };
    if (msg.text !== undefined && msg.text !== null) set.text = msg.text;
    if (msg.attachments !== undefined) set.attachments = msg.attachments;
    const updated = await findOneAndUpdateById<MessageDoc & { _id: string }>(
      Message.collection as never,
      {
        _id: key,
        deletedAt: null,
        $and: [{ $or: [{ editedAt: null }, { editedAt: { $lt: editedAt } }] }, ...(set.text !== undefined ? [{ text: { $ne: set.text } }] : [])],
      },
      { $set: set, $inc: { rev: 1 } },
    );
    if (updated) {
      const queued = await this.enqueue(key, updated.rev);
      return { status: 'edited', messageKey: key, rev: updated.rev, conversationId: updated.conversationId ?? null, queued };
    }
    const existing = await Message.findById(key, { rev: 1, conversationId: 1 }).lean();
    if (existing) return { status: 'unchanged', messageKey: key, rev: existing.rev, conversationId: existing.conversationId ?? null, queued: true };
    // An edit of a message never captured (the bot was down when it was posted): store it as new, edited.
    if (!msg.author) {
      throw new CaptureValidationError([`edit of message ${msg.messageId}, which was never captured, has no author`]);
    }
    return this.captureNew({ ...msg, kind: 'new' });
  }

  private async captureDelete(msg: CapturedMessage): Promise<CaptureOutcome> {
    const key = this.key(msg);
    const deletedAt = msg.deletedAt ?? this.now();
    const updated = await findOneAndUpdateById<MessageDoc & { _id: string }>(
      Message.collection as never,
      { _id: key, deletedAt: null },
      { $set: { deletedAt, needsTagging: true }, $inc: { rev: 1 } },
    );
    if (updated) {
      const queued = await this.enqueue(key, updated.rev);
      return { status: 'deleted', messageKey: key, rev: updated.rev, conversationId: updated.conversationId ?? null, queued };
    }
    const existing = await Message.findById(key, { rev: 1, conversationId: 1 }).lean();
    if (existing) return { status: 'unchanged', messageKey: key, rev: existing.rev, conversationId: existing.conversationId ?? null, queued: true };
    // Never captured: keep a tombstone so a late redelivery of the original does not resurrect it.
    await Message.collection.updateOne(
      { _id: key as never },
      {
        $setOnInsert: {
          platform: msg.platform,
          workspaceId: msg.workspaceId,
          channelId: msg.channelId,
          messageId: msg.messageId,
          threadId: msg.threadId ?? null,
          conversationId: null,
          customerId: null,
          author: { userId: msg.author?.userId ?? null, name: msg.author?.name ?? null, role: msg.author?.role ?? null },
          text: null,
          attachments: [],
          ts: msg.ts,
          editedAt: null,
          deletedAt,
          permalink: null,
          source: msg.source ?? 'live',
          capturedAt: this.now(),
          rev: 0,
          needsTagging: false,
          tags: null,
          counted: null,
          pending: null,
        },
      },
      { upsert: true },
    );
    return { status: 'tombstone', messageKey: key, rev: 0, conversationId: null, queued: true };
  }
}
