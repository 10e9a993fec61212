// Placement: what a stored message means beyond itself — its workspace, its customer, its conversation and the
// channel's backfill checkpoint. Capture stores the message alone (one write before the platform's ack) and
// marks it `unplaced`, with the author's profile and the channel's name that placement needs; the worker
// places it (this module) at the start of its tag job, before it tags it.
//
// Placement follows timestamp order within a channel, whatever order messages were delivered in or their
// jobs run in: capture marks each new message with its channel (`pend`), and placing a message places every
// unplaced message of its channel, oldest first, one channel at a time (in this process, and across processes
// through a lock on FerretDB): the jobs of the others then find them placed. So a thread root stored before
// its reply's job runs is placed before the reply, and an agent's channel message finds the conversation of
// the customer it answers. Lock order is always the channel, then a message: the tag job places before it
// takes its message's lock.
//
// A thread reply whose root is not stored yet waits for it, up to ROOT_WAIT_MS after the reply was captured
// (Slack and Discord deliver a burst out of order; a root may be a second behind its first reply): its tag job
// fails with RootNotStoredYetError and BullMQ retries it after its backoff. Past the wait (a root deleted before
// it was captured, a Discord thread with no starter message) the reply is placed alone, in its thread's own
// conversation, which a root stored later still joins.
import type { Logger } from '../logger.js';
import { Checkpoint, Conversation, Customer, Message, Workspace, type MessageDoc } from '../db/models.js';
import { type Role } from '../domain/types.js';
import { channelKey, checkpointKey, identityKey, messageKey, workspaceKey } from '../domain/keys.js';
import { answeredBeforeOwner, chooseConversation, conversationInsertFields, customerInsertFields, customerSetFields, firstLine, joinsConversations } from './documents.js';
import type { CapturedAuthor, CapturedMessage } from './types.js';
import { withDocLock } from '../db/doc-lock.js';
import { updateOneById } from '../db/by-id.js';
import { noteConversation, recentConversation } from './recent.js';
import { KeyedSerial } from '../db/keyed-serial.js';
import { RootNotStoredYetError } from '../errors.js';

/** How long a thread reply waits for its root to be stored before it is placed without it. */
export const ROOT_WAIT_MS = 30_000;

/** What capture keeps on a new message until it is placed (`unplaced`), beside the message's own fields. */
export interface Unplaced {
  channelName: string | null;
  author: Pick<CapturedAuthor, 'email' | 'company' | 'external'>;
  /**
   * The first line of the text as first captured: a conversation's headline, whether an edit reaches storage
   * before the message is placed or after it.
   */
  firstLine?: string | null;
}

/** The fields capture adds to a new message for placement: `unplaced` and `pend` (its channel's key). */
export function unplacedFields(msg: CapturedMessage): { unplaced: Unplaced; pend: string } {
  const a = msg.author;
  return {
    unplaced: {
      channelName: msg.channelName ?? null,
      author: { email: a?.email ?? null, company: a?.company ?? null, external: a?.external === true },
      firstLine: firstLine(msg.text),
    },
    pend: channelKey(msg.platform, msg.workspaceId, msg.channelId),
  };
}

type StoredMessage = MessageDoc & { _id: string; unplaced?: Unplaced | null; pend?: string | null };

export interface PlacementOptions {
  log: Logger;
  conversationWindowMinutes: number;
  now?: () => Date;
  /** ROOT_WAIT_MS unless set (tests). */
  rootWaitMs?: number;
}

export class Placement {
  private readonly knownWorkspaces = new Set<string>();
  private readonly windowMs: number;
  private readonly rootWaitMs: number;
  private readonly now: () => Date;
  /** Placement, one channel at a time in this process (and under the channel's lock across processes). */
  private readonly channels = new KeyedSerial();

  constructor(private readonly opts: PlacementOptions) {
    this.windowMs = opts.conversationWindowMinutes * 60_000;
    this.rootWaitMs = opts.rootWaitMs ?? ROOT_WAIT_MS;
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * Places the message with every other unplaced message of its channel, in timestamp order, unless it is
   * placed already; throws RootNotStoredYetError when the message is a reply still waiting for its root.
   * The caller must not hold the message's lock (see the lock order above). Safe to run any number of times.
   */
  async place(key: string): Promise<void> {
    const chan = ((await Message.findById(key, { pend: 1 }).lean()) as Pick<StoredMessage, 'pend'> | null)?.pend;
    if (!chan) return;
    await this.channels.run(chan, () =>
      withDocLock('conversation_placement', chan, async () => {
        const waiting = (await Message.find({ pend: chan }, { _id: 1, ts: 1 }).lean()) as Array<{ _id: string; ts: Date }>;
        waiting.sort((a, b) => a.ts.getTime() - b.ts.getTime() || a._id.localeCompare(b._id));
        let latest: CapturedMessage | null = null;
        let ownWaits = false;
        for (const m of waiting) {
          const placed = await withDocLock('messages', m._id, () => this.placeOne(m._id));
          if (placed === 'waits') ownWaits ||= m._id === key;
          else if (placed && (latest === null || placed.ts.getTime() > latest.ts.getTime())) latest = placed;
        }
        // Backfill resumes after the newest message placed (once per run, not per message).
        if (latest) await this.advanceCheckpoint(latest);
        if (ownWaits) throw new RootNotStoredYetError(key);
      }),
    );
  }

  /**
   * Places one message (its lock and its channel's held), unless it is placed already; returns it if placed,
   * 'waits' for a reply whose root is not stored yet (within the wait).
   */
  private async placeOne(key: string): Promise<CapturedMessage | null | 'waits'> {
    const doc = (await Message.findById(key).lean()) as StoredMessage | null;
    if (!doc?.unplaced) return null;
    const threadId = doc.threadId ?? null;
    if (threadId !== null && threadId !== doc.messageId) {
      const rootKey = messageKey(doc.platform, doc.workspaceId, doc.channelId, threadId);
      const root = (await Message.findById(rootKey, { pend: 1 }).lean()) as Pick<StoredMessage, 'pend'> | null;
      if (root === null) {
        if (this.now().getTime() - doc.capturedAt.getTime() < this.rootWaitMs) return 'waits';
        this.opts.log.debug({ messageKey: key, rootKey }, 'thread reply placed without its root, which was not stored in time');
      } else if (root.pend) {
        // Stored after this run read the channel's unplaced messages: placed first all the same, as in
        // timestamp order (its own job, waiting for the channel, will find it placed).
        await withDocLock('messages', rootKey, () => this.placeOne(rootKey));
      }
    }
    const msg = capturedOf(doc, doc.unplaced);
    await this.ensureWorkspace(msg);
    const authorCustomerId = msg.author!.role === 'customer' ? await this.upsertCustomer(msg) : null;
    // A bot's message is stored as the bot's, outside every conversation.
    const { conversationId, owner } = joinsConversations(msg) ? await this.joinConversation(msg, key, authorCustomerId) : { conversationId: null, owner: null };
    const customerId = authorCustomerId ?? owner;
    await Message.collection.updateOne({ _id: key as never }, { $set: { conversationId, customerId, unplaced: null }, $unset: { pend: '' } });
    return msg;
  }

  private key(msg: CapturedMessage, messageId = msg.messageId): string {
    return messageKey(msg.platform, msg.workspaceId, msg.channelId, messageId);
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
    // Each identity has its own customer document, keyed by the identity (links are kept beside it, in
    // src/history/link.ts), so no lookup is needed.
    const id = identityKey(msg.platform, msg.workspaceId, author.userId);
    const set = customerSetFields(msg);
    await withDocLock('customers', id, () => this.writeCustomer(msg, id, set));
    return id;
  }

  private async writeCustomer(msg: CapturedMessage, id: string, set: Record<string, unknown>): Promise<void> {
    try {
      await Customer.collection.updateOne(
        { _id: id as never },
        {
          $setOnInsert: customerInsertFields(msg, id),
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

  /** Picks the conversation of a message and writes it there. */
  private async joinConversation(msg: CapturedMessage, key: string, customerId: string | null): Promise<{ conversationId: string; owner: string | null }> {
    const conversationId = await this.conversationFor(msg, key, customerId);
    return { conversationId, owner: await this.touchConversation(msg, conversationId, customerId) };
  }

  /** Picks the conversation a message belongs to (see DESIGN.md: threads, and channel runs within a window). */
  private async conversationFor(msg: CapturedMessage, key: string, customerId: string | null): Promise<string> {
    const threadId = msg.threadId ?? null;
    const rootKey = threadId !== null && threadId !== msg.messageId ? this.key(msg, threadId) : null;
    return chooseConversation(msg, key, rootKey, customerId, this.windowMs, {
      // An older root was placed first (place), or it is not stored yet.
      conversationOfMessage: async (k) => (await Message.findById(k, { conversationId: 1 }).lean())?.conversationId ?? null,
      conversationExists: async (id) => (await Conversation.exists({ _id: id })) !== null,
      // A customer's run of channel messages; an agent's or bot's channel message joins the latest conversation.
      recentConversation: ({ from, to, customerId: owner }) =>
        recentConversation({ platform: msg.platform, workspaceId: msg.workspaceId, channelId: msg.channelId, customerId: owner, from, to }),
    });
  }

  /** Upserts the conversation for a message; returns the customer who owns it (if any). */
  private async touchConversation(msg: CapturedMessage, conversationId: string, customerId: string | null): Promise<string | null> {
    const { owner, lastMessageAt, tookOver } = await withDocLock('conversations', conversationId, () => this.writeConversation(msg, conversationId, customerId));
    if (tookOver && owner !== null) await this.nameOwner(conversationId, owner);
    await noteConversation(msg.platform, msg.workspaceId, msg.channelId, conversationId, owner, lastMessageAt);
    return owner;
  }

  /**
   * A customer took over a conversation agents or bots wrote in first (its root reached storage after replies
   * were placed): those earlier messages name no customer yet, and now name this one, as they would have had
   * the root come first. Each under its own lock (its tag job may be writing it).
   */
  private async nameOwner(conversationId: string, owner: string): Promise<void> {
    const unnamed = (await Message.find({ conversationId }, { _id: 1, customerId: 1 }).lean()).filter((m) => m.customerId == null);
    for (const m of unnamed) {
      await withDocLock('messages', m._id, () => updateOneById(Message.collection as never, { _id: m._id, customerId: null }, { $set: { customerId: owner } }));
    }
  }

  private async writeConversation(
    msg: CapturedMessage,
    conversationId: string,
    customerId: string | null,
  ): Promise<{ owner: string | null; lastMessageAt: Date; tookOver: boolean }> {
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
    if (!conv) return { owner: customerId, lastMessageAt: msg.ts, tookOver: false };
    let owner = (conv.customerId as string | null | undefined) ?? null;
    let tookOver = false;
    if (role === 'customer') {
      if (owner === null && customerId !== null) {
        owner = customerId;
        tookOver = true;
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
    return { owner, lastMessageAt: conv.lastMessageAt as Date, tookOver };
  }

  private async advanceCheckpoint(msg: CapturedMessage): Promise<void> {
    const id = checkpointKey(msg.platform, msg.workspaceId, msg.channelId);
    await withDocLock('checkpoints', id, () =>
      Checkpoint.collection.updateOne(
        { _id: id as never },
        {
          $setOnInsert: { platform: msg.platform, workspaceId: msg.workspaceId, channelId: msg.channelId, lastMessageId: null },
          $max: { lastTs: msg.ts },
          $set: { updatedAt: this.now() },
        },
        { upsert: true },
      ),
    );
  }
}

/** The captured message a stored, unplaced message was made from (what placement reads of it). */
function capturedOf(doc: StoredMessage, u: Unplaced): CapturedMessage {
  return {
    kind: 'new',
    platform: doc.platform,
    workspaceId: doc.workspaceId,
    channelId: doc.channelId,
    channelName: u.channelName,
    messageId: doc.messageId,
    threadId: doc.threadId ?? null,
    author: { userId: doc.author!.userId!, name: doc.author!.name ?? null, role: doc.author!.role as Role, ...u.author },
    // Placement reads the text only for a conversation's headline.
    text: u.firstLine !== undefined ? u.firstLine : (doc.text ?? null),
    ts: doc.ts,
    permalink: doc.permalink ?? null,
  };
}
