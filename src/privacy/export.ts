// A customer's full stored history as JSON (data rights: access and portability). Shared by the CLI
// (`support-history export`) and the chat commands (`/customer export`).
import { Conversation, Customer, Message } from '../db/models.js';

export interface CustomerHistory {
  customer: Record<string, unknown> & { _id: string };
  conversations: Array<Record<string, unknown> & { _id: string }>;
  messages: Array<Record<string, unknown> & { _id: string }>;
}

/** The customer, the conversations they own, and the messages in those conversations or by them, oldest first. */
export async function customerHistory(customerId: string): Promise<CustomerHistory | null> {
  const customer = await Customer.findById(customerId).lean();
  if (!customer) return null;
  const conversations = await Conversation.find({ customerId }).sort({ startedAt: 1, _id: 1 }).lean();
  const ids = conversations.map((c) => c._id);
  const messages = await Message.find({ $or: [{ customerId }, { conversationId: { $in: ids } }] })
    .sort({ ts: 1, _id: 1 })
    .lean();
  return { customer, conversations, messages } as unknown as CustomerHistory;
}

/**
 * Fields a stored message or conversation may lack where they are empty: FerretDB leaves the null and
 * empty-array fields of an upsert's `$setOnInsert` out, and the bulk importer writes none. An export shows
 * them as null (or []) so it has the same fields whichever way and wherever the history was stored.
 */
const MESSAGE_EMPTY = { threadId: null, customerId: null, text: null, attachments: [], editedAt: null, deletedAt: null, permalink: null, tags: null, counted: null };
const CONVERSATION_EMPTY = { threadId: null, firstAgentReplyAt: null, firstResponseMs: null, resolvedAt: null };

/** The export document: when, and the history (internal bookkeeping fields left out). */
export function exportDocument(history: CustomerHistory, exportedAt: Date = new Date()): Record<string, unknown> {
  const strip = <T extends Record<string, unknown>>(d: T, empty: Record<string, unknown> = {}): Record<string, unknown> => {
    const { ops: _ops, pending: _pending, ...rest } = d;
    const out: Record<string, unknown> = { ...rest };
    for (const [k, v] of Object.entries(empty)) if (out[k] === undefined) out[k] = Array.isArray(v) ? [] : v;
    return out;
  };
  return {
    exportedAt,
    customer: strip(history.customer),
    conversations: history.conversations.map((c) => strip(c, CONVERSATION_EMPTY)),
    messages: history.messages.map((m) => strip(m, MESSAGE_EMPTY)),
  };
}

/** The export as pretty-printed JSON text. */
export function exportJson(history: CustomerHistory, exportedAt: Date = new Date()): string {
  return `${JSON.stringify(exportDocument(history, exportedAt), null, 2)}\n`;
}
