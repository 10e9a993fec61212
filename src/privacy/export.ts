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

/** The export document: when, and the history (internal bookkeeping fields left out). */
export function exportDocument(history: CustomerHistory, exportedAt: Date = new Date()): Record<string, unknown> {
  const strip = <T extends Record<string, unknown>>(d: T): Record<string, unknown> => {
    const { ops: _ops, pending: _pending, ...rest } = d;
    return rest;
  };
  return {
    exportedAt,
    customer: strip(history.customer),
    conversations: history.conversations.map(strip),
    messages: history.messages.map(strip),
  };
}

/** The export as pretty-printed JSON text. */
export function exportJson(history: CustomerHistory, exportedAt: Date = new Date()): string {
  return `${JSON.stringify(exportDocument(history, exportedAt), null, 2)}\n`;
}
