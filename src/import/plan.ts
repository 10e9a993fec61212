// The bulk importer's planner (pure): runs exactly the decisions CaptureService makes for each new message
// (same keys, same conversation choice via the shared chooseConversation, same customer and conversation
// fields from src/capture/documents.ts), in the same order, against an in-memory snapshot of what is
// stored, and returns the writes to make in bulk. Edits and deletes are handed back to go through
// CaptureService itself.
import { answeredBeforeOwner, chooseConversation, conversationInsertFields, customerInsertFields, customerSetFields, firstLine, joinsConversations, newMessageDocument } from '../capture/documents.js';
import { checkpointKey, identityKey, messageKey, workspaceKey } from '../domain/keys.js';
import type { CapturedMessage } from '../capture/types.js';
import { validateCapturedMessage } from '../capture/validate.js';
import { CaptureValidationError } from '../errors.js';
import type { ImportRecord, Rejection } from './types.js';

export type Doc = Record<string, unknown> & { _id: string };

export interface StoredMessageInfo {
  conversationId: string | null;
  rev: number;
  needsTagging: boolean;
}

/** What is stored already, for the channels and people an import touches. */
export interface Snapshot {
  messages: Map<string, StoredMessageInfo>;
  /** Conversations of the imported channels (fields as stored). */
  conversations: Map<string, Doc>;
  /** identity key → customer _id */
  customerByIdentity: Map<string, string>;
}

export interface ConversationUpdate {
  id: string;
  /** Ordered updates, each `{ filter, update }` with `_id` added by the writer. */
  ops: Array<{ filter: Record<string, unknown>; update: Record<string, unknown> }>;
}

export interface ImportPlan {
  workspaces: Array<{ _id: string; platform: string; externalId: string }>;
  newCustomers: Doc[];
  customerUpdates: Array<{ id: string; set: Record<string, unknown>; firstContactAt: Date; lastContactAt: Date }>;
  newConversations: Doc[];
  conversationUpdates: ConversationUpdate[];
  /** In capture order. */
  newMessages: Doc[];
  /** Stored before and still untagged: their tag job is enqueued again (same job id, so still one job). */
  retag: Array<{ key: string; rev: number }>;
  checkpoints: Array<{ _id: string; platform: string; workspaceId: string; channelId: string; lastTs: Date }>;
  /** Edits and deletes, in order, for CaptureService. */
  passThrough: ImportRecord[];
  duplicates: number;
  rejections: Rejection[];
}

export interface PlanOptions {
  conversationWindowMinutes: number;
  maxMessageChars: number;
  now: Date;
  /** What CaptureService does to a valid message's text before storing it (e.g. redacting secrets). */
  textFilter?: (text: string) => string;
}

const DAY_SORT = (a: ImportRecord, b: ImportRecord): number => a.msg.ts.getTime() - b.msg.ts.getTime();

/** The order an import captures in: channel by channel (sorted by key), oldest message first. */
export function captureOrder(records: ImportRecord[]): ImportRecord[] {
  const byChannel = new Map<string, ImportRecord[]>();
  for (const r of records) {
    const k = checkpointKey(r.msg.platform, r.msg.workspaceId, r.msg.channelId);
    const list = byChannel.get(k) ?? [];
    list.push(r);
    byChannel.set(k, list);
  }
  const out: ImportRecord[] = [];
  for (const k of [...byChannel.keys()].sort()) out.push(...byChannel.get(k)!.sort(DAY_SORT)); // stable: ties keep file order
  return out;
}

/**
 * A new document as written: without its top-level null and empty-array fields. That is what FerretDB
 * stores for the live path's upserts (it leaves such fields of `$setOnInsert` out), and every query and
 * reader treats a missing field as null (or none); smaller documents make each insert cheaper (FerretDB
 * stores documents as JSON with a type entry per field).
 */
export function compact(doc: Doc): Doc {
  const out: Doc = { _id: doc._id };
  for (const k in doc) {
    const v = doc[k];
    if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}

const time = (v: unknown): number | null => (v instanceof Date ? v.getTime() : null);

function splitOrigin(origin: string): { file: string; position: string } {
  const i = origin.lastIndexOf('#');
  return i < 0 ? { file: origin, position: 'message' } : { file: origin.slice(0, i), position: `message ${origin.slice(i + 1)}` };
}

export async function planImport(ordered: ImportRecord[], snapshot: Snapshot, opts: PlanOptions): Promise<ImportPlan> {
  const windowMs = opts.conversationWindowMinutes * 60_000;
  const plan: ImportPlan = {
    workspaces: [],
    newCustomers: [],
    customerUpdates: [],
    newConversations: [],
    conversationUpdates: [],
    newMessages: [],
    retag: [],
    checkpoints: [],
    passThrough: [],
    duplicates: 0,
    rejections: [],
  };
  const messages = new Map(snapshot.messages);
  const convs = new Map<string, Doc>();
  for (const [id, doc] of snapshot.conversations) convs.set(id, structuredClone(doc));
  const customerByIdentity = new Map(snapshot.customerByIdentity);
  const existingCustomerIds = new Set(snapshot.customerByIdentity.values());
  const newCustomers = new Map<string, Doc>();
  const customerUpdates = new Map<string, { id: string; set: Record<string, unknown>; firstContactAt: Date; lastContactAt: Date }>();
  const touched = new Set<string>();
  /** Stored untagged messages already in `retag` (an export may hold a message twice). */
  const retagged = new Set<string>();
  const workspaces = new Map<string, { _id: string; platform: string; externalId: string }>();
  const checkpoints = new Map<string, { _id: string; platform: string; workspaceId: string; channelId: string; lastTs: Date }>();
  // Per channel, the conversations that may still be within the window of the next message.
  const recentByChannel = new Map<string, Set<Doc>>();
  const channelOf = (d: Doc | CapturedMessage): string =>
    checkpointKey(d.platform as CapturedMessage['platform'], d.workspaceId as string, d.channelId as string);
  for (const doc of convs.values()) {
    const set = recentByChannel.get(channelOf(doc)) ?? new Set<Doc>();
    set.add(doc);
    recentByChannel.set(channelOf(doc), set);
  }

  const upsertCustomer = (msg: CapturedMessage): string => {
    const idKey = identityKey(msg.platform, msg.workspaceId, msg.author!.userId);
    const id = customerByIdentity.get(idKey) ?? idKey;
    const set = customerSetFields(msg);
    const fresh = newCustomers.get(id);
    if (fresh) {
      Object.assign(fresh, set);
      if (msg.ts.getTime() < time(fresh.firstContactAt)!) fresh.firstContactAt = msg.ts;
      if (msg.ts.getTime() > time(fresh.lastContactAt)!) fresh.lastContactAt = msg.ts;
    } else if (existingCustomerIds.has(id)) {
      const u = customerUpdates.get(id);
      if (!u) customerUpdates.set(id, { id, set: { ...set }, firstContactAt: msg.ts, lastContactAt: msg.ts });
      else {
        Object.assign(u.set, set);
        if (msg.ts < u.firstContactAt) u.firstContactAt = msg.ts;
        if (msg.ts > u.lastContactAt) u.lastContactAt = msg.ts;
      }
    } else {
      newCustomers.set(id, { _id: id, ...customerInsertFields(msg, idKey), ...set, firstContactAt: msg.ts, lastContactAt: msg.ts });
      customerByIdentity.set(idKey, id);
    }
    return id;
  };

  const touchConversation = (msg: CapturedMessage, key: string, conversationId: string, customerId: string | null): Doc => {
    const role = msg.author!.role;
    let conv = convs.get(conversationId);
    if (!conv) {
      conv = { _id: conversationId, ...conversationInsertFields(msg), startedAt: msg.ts, lastMessageAt: msg.ts };
      if (role === 'customer') conv.lastCustomerMessageAt = msg.ts;
      if (role === 'customer' && conversationId === key) Object.assign(conv, { firstLine: firstLine(msg.text), permalink: msg.permalink ?? null });
      convs.set(conversationId, conv);
      plan.newConversations.push(conv);
    } else {
      if (msg.ts.getTime() < time(conv.startedAt)!) conv.startedAt = msg.ts;
      if (msg.ts.getTime() > time(conv.lastMessageAt)!) conv.lastMessageAt = msg.ts;
      if (role === 'customer' && (conv.lastCustomerMessageAt == null || msg.ts.getTime() > time(conv.lastCustomerMessageAt)!)) conv.lastCustomerMessageAt = msg.ts;
    }
    if (msg.channelName) conv.channelName = msg.channelName;
    if (role === 'agent' && (conv.firstAgentMessageAt == null || msg.ts.getTime() < time(conv.firstAgentMessageAt)!)) conv.firstAgentMessageAt = msg.ts;
    touched.add(conversationId);
    const recent = recentByChannel.get(channelOf(msg)) ?? new Set<Doc>();
    recent.add(conv);
    recentByChannel.set(channelOf(msg), recent);
    if (role === 'customer') {
      if (conv.customerId == null && customerId !== null) {
        Object.assign(conv, { customerId, firstLine: firstLine(msg.text), permalink: msg.permalink ?? null });
        // As live capture: agents replied before this customer message was stored, the first reply after it answers it.
        const answered = answeredBeforeOwner(conv as never, msg.ts);
        if (answered) Object.assign(conv, answered);
      }
      if (conv.status === 'resolved') Object.assign(conv, { status: 'open', resolvedAt: null });
    } else if (role === 'agent' && conv.customerId != null && conversationId !== key && msg.ts.getTime() >= time(conv.startedAt)!) {
      const first = time(conv.firstAgentReplyAt);
      if (first === null || first > msg.ts.getTime()) {
        Object.assign(conv, { firstAgentReplyAt: msg.ts, firstResponseMs: msg.ts.getTime() - time(conv.startedAt)! });
      }
      if (conv.status === 'open') conv.status = 'answered';
    }
    return conv;
  };

  for (const record of ordered) {
    let msg: CapturedMessage;
    try {
      msg = validateCapturedMessage(record.msg, { maxMessageChars: opts.maxMessageChars, now: opts.now });
      if (opts.textFilter && typeof msg.text === 'string') msg = { ...msg, text: opts.textFilter(msg.text) };
    } catch (err) {
      if (!(err instanceof CaptureValidationError)) throw err;
      plan.rejections.push({ ...splitOrigin(record.origin), reason: err.problems.join('; ') });
      continue;
    }
    if (msg.kind !== 'new') {
      plan.passThrough.push(record);
      continue;
    }
    const key = messageKey(msg.platform, msg.workspaceId, msg.channelId, msg.messageId);
    const stored = messages.get(key);
    if (stored) {
      plan.duplicates++;
      if (stored.needsTagging && snapshot.messages.has(key) && !retagged.has(key)) {
        retagged.add(key);
        plan.retag.push({ key, rev: stored.rev });
      }
      continue;
    }
    const ws = workspaceKey(msg.platform, msg.workspaceId);
    if (!workspaces.has(ws)) workspaces.set(ws, { _id: ws, platform: msg.platform, externalId: msg.workspaceId });
    const authorCustomerId = msg.author!.role === 'customer' ? upsertCustomer(msg) : null;
    const threadId = msg.threadId ?? null;
    const rootKey = threadId !== null && threadId !== msg.messageId ? messageKey(msg.platform, msg.workspaceId, msg.channelId, threadId) : null;
    const channel = channelOf(msg);
    // A bot's message is stored as the bot's, outside every conversation (as live capture does).
    const conversationId = !joinsConversations(msg) ? null : await chooseConversation(msg, key, rootKey, authorCustomerId, windowMs, {
      conversationOfMessage: (k) => messages.get(k)?.conversationId ?? null,
      conversationExists: (id) => convs.has(id),
      recentConversation: ({ from, to, customerId }) => {
        const recent = recentByChannel.get(channel);
        if (!recent) return null;
        let best: Doc | null = null;
        for (const c of recent) {
          const last = time(c.lastMessageAt)!;
          // Messages come oldest first, so one that fell out of the window stays out until touched again.
          if (last < from.getTime()) {
            recent.delete(c);
            continue;
          }
          if (last > to.getTime()) continue;
          if (customerId !== null && c.customerId !== customerId) continue;
          if (best === null || last > time(best.lastMessageAt)!) best = c;
        }
        return best?._id ?? null;
      },
    });
    const conv = conversationId === null ? null : touchConversation(msg, key, conversationId, authorCustomerId);
    const customerId = authorCustomerId ?? (conv?.customerId as string | null | undefined) ?? null;
    plan.newMessages.push(compact({ _id: key, ...newMessageDocument(msg, conversationId, customerId, opts.now) }));
    messages.set(key, { conversationId, rev: 0, needsTagging: true });
    const cp = checkpoints.get(channel);
    if (!cp) checkpoints.set(channel, { _id: channel, platform: msg.platform, workspaceId: msg.workspaceId, channelId: msg.channelId, lastTs: msg.ts });
    else if (msg.ts > cp.lastTs) cp.lastTs = msg.ts;
  }

  // Existing conversations: the same changes as the live path's updates, folded into a few conditional ones.
  for (const id of touched) {
    const before = snapshot.conversations.get(id);
    if (!before) continue;
    const after = convs.get(id)!;
    const ops: ConversationUpdate['ops'] = [];
    const min: Record<string, unknown> = {};
    const max: Record<string, unknown> = {};
    const set: Record<string, unknown> = {};
    if (time(after.startedAt) !== time(before.startedAt)) min.startedAt = after.startedAt;
    if (after.firstAgentMessageAt != null && time(after.firstAgentMessageAt) !== time(before.firstAgentMessageAt)) min.firstAgentMessageAt = after.firstAgentMessageAt;
    if (time(after.lastMessageAt) !== time(before.lastMessageAt)) max.lastMessageAt = after.lastMessageAt;
    if (time(after.lastCustomerMessageAt) !== time(before.lastCustomerMessageAt)) max.lastCustomerMessageAt = after.lastCustomerMessageAt;
    if (after.channelName !== before.channelName) set.channelName = after.channelName;
    const first: Record<string, unknown> = {};
    if (Object.keys(min).length) first.$min = min;
    if (Object.keys(max).length) first.$max = max;
    if (Object.keys(set).length) first.$set = set;
    if (Object.keys(first).length) ops.push({ filter: {}, update: first });
    if (before.customerId == null && after.customerId != null) {
      ops.push({ filter: { customerId: null }, update: { $set: { customerId: after.customerId, firstLine: after.firstLine, permalink: after.permalink } } });
    }
    const fa = after.firstAgentReplyAt as Date | null | undefined;
    if (fa && time(fa) !== time(before.firstAgentReplyAt)) {
      ops.push({
        filter: { $or: [{ firstAgentReplyAt: null }, { firstAgentReplyAt: { $gt: fa } }] },
        update: { $set: { firstAgentReplyAt: fa, firstResponseMs: after.firstResponseMs } },
      });
    }
    if (after.status !== before.status) {
      ops.push({ filter: { status: before.status }, update: { $set: { status: after.status, ...(before.status === 'resolved' ? { resolvedAt: null } : {}) } } });
    }
    if (ops.length) plan.conversationUpdates.push({ id, ops });
  }
  plan.workspaces = [...workspaces.values()];
  plan.newCustomers = [...newCustomers.values()].map(compact);
  plan.newConversations = plan.newConversations.map(compact);
  plan.customerUpdates = [...customerUpdates.values()];
  plan.checkpoints = [...checkpoints.values()];
  return plan;
}
