// The one platform-neutral entry point for storing what an adapter (or an importer) saw. Idempotent: the
// same event delivered again changes no document and adds no job.
//
// A new message is one write: the message itself, marked `unplaced`. Its workspace, customer, conversation
// and checkpoint are the worker's (place.ts, in the message's tag job), so the platform is acknowledged after
// a single insert, however busy the conversation documents are.
import type { Logger } from '../logger.js';
import { Message, type MessageDoc } from '../db/models.js';
import { CaptureValidationError, QueueUnavailableError } from '../errors.js';
import { identityKey, messageKey } from '../domain/keys.js';
import { newMessageDocument } from './documents.js';
import { unplacedFields } from './place.js';
import type { CapturedMessage } from './types.js';
import { validateCapturedMessage } from './validate.js';
import { redactSecrets } from './redact.js';
import { withDocLock } from '../db/doc-lock.js';
import { findOneAndUpdateById } from '../db/by-id.js';
import { CaptureGate } from './gate.js';

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
  /** The conversation the worker placed the message in: null for a message just stored (not placed yet). */
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
  private readonly now: () => Date;
  readonly gate: CaptureGate;

  constructor(private readonly opts: CaptureOptions) {
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
    return this.gate.run(() =>
      withDocLock('messages', key, () => {
        switch (valid.kind) {
          case 'new':
            return this.captureNew(valid);
          case 'edit':
            return this.captureEdit(valid);
          case 'delete':
            return this.captureDelete(valid);
        }
      }),
    );
  }

  private key(msg: CapturedMessage): string {
    return messageKey(msg.platform, msg.workspaceId, msg.channelId, msg.messageId);
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

  private async captureNew(msg: CapturedMessage): Promise<CaptureOutcome> {
    const key = this.key(msg);
    // A customer's own message names its customer at once (the identity's key), so forget and export find it
    // before it is placed; an agent's gets the customer whose conversation it joins when placed.
    const customerId = msg.author?.role === 'customer' ? identityKey(msg.platform, msg.workspaceId, msg.author.userId) : null;
    const doc = { _id: key, ...newMessageDocument(msg, null, customerId, this.now()), ...unplacedFields(msg) };
    try {
      // The one write: an insert, refused by the `_id` index when the message is stored already (a redelivery,
      // or a tombstone of its delete), which is then read.
      await Message.collection.insertOne(doc as never);
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      const existing = await Message.findById(key, { rev: 1, needsTagging: 1, conversationId: 1 }).lean();
      return this.duplicate(key, existing);
    }
    const queued = await this.enqueue(key, 0);
    return { status: 'stored', messageKey: key, rev: 0, conversationId: null, queued };
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
