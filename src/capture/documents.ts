// Pure builders of the documents capture writes, shared by the live path (CaptureService) and the bulk
// importer (src/import/), so both store exactly the same fields.
import type { CapturedMessage } from './types.js';
import { nameKey } from '../domain/keys.js';

const FIRST_LINE_CHARS = 200;

/** The first non-blank line of a text, cut to 200 characters: a conversation's headline. */
export function firstLine(text: string | null | undefined): string | null {
  if (!text) return null;
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > FIRST_LINE_CHARS ? `${line.slice(0, FIRST_LINE_CHARS - 1)}…` : line;
}

/** The fields a customer message sets on its customer each time (the latest message's profile wins). */
export function customerSetFields(msg: CapturedMessage): Record<string, unknown> {
  const author = msg.author!;
  const set: Record<string, unknown> = { external: author.external === true };
  if (author.name) Object.assign(set, { name: author.name, nameKey: nameKey(author.name) });
  if (author.email) set.email = author.email.toLowerCase();
  if (author.company) set.company = author.company;
  return set;
}

/** The fields a customer document gets when this message creates it. */
export function customerInsertFields(msg: CapturedMessage, idKey: string): Record<string, unknown> {
  const author = msg.author!;
  return {
    platform: msg.platform,
    workspaceId: msg.workspaceId,
    identities: [
      { key: idKey, platform: msg.platform, workspaceId: msg.workspaceId, userId: author.userId, name: author.name ?? null, email: author.email ?? null },
    ],
    counts: { conversations: 0, messages: 0 },
    needs: {},
    sentiment: { sum: 0, count: 0, positive: 0, neutral: 0, negative: 0 },
    ops: [],
  };
}

/** The fields a conversation gets when this message creates it (besides startedAt/lastMessageAt). */
export function conversationInsertFields(msg: CapturedMessage): Record<string, unknown> {
  const isThread = msg.threadId !== null && msg.threadId !== undefined;
  return {
    platform: msg.platform,
    workspaceId: msg.workspaceId,
    channelId: msg.channelId,
    kind: isThread ? 'thread' : 'channel',
    threadId: isThread ? msg.threadId : null,
    status: 'open',
    firstAgentReplyAt: null,
    firstResponseMs: null,
    resolvedAt: null,
    counts: { messages: 0, customerMessages: 0, agentMessages: 0 },
    needs: {},
    sentiment: { sum: 0, count: 0, positive: 0, neutral: 0, negative: 0 },
    ops: [],
  };
}

/**
 * Whether a message takes part in conversations. A bot's message (a status notice, a reminder, an integration's
 * post) is stored as the bot's and belongs to none: it never opens a conversation, never joins a customer's and
 * never counts as one, wherever it is posted. Live capture and the importer apply the same rule.
 */
export function joinsConversations(msg: Pick<CapturedMessage, 'author'>): boolean {
  return msg.author?.role !== 'bot';
}

/** A new message document (without `_id`); a bot's has no conversation and no customer (joinsConversations). */
export function newMessageDocument(msg: CapturedMessage, conversationId: string | null, customerId: string | null, capturedAt: Date): Record<string, unknown> {
  const author = msg.author!;
  return {
    platform: msg.platform,
    workspaceId: msg.workspaceId,
    channelId: msg.channelId,
    messageId: msg.messageId,
    threadId: msg.threadId ?? null,
    conversationId,
    customerId,
    author: { userId: author.userId, name: author.name ?? null, role: author.role },
    text: msg.text ?? null,
    attachments: msg.attachments ?? [],
    ts: msg.ts,
    editedAt: msg.editedAt ?? null,
    deletedAt: msg.deletedAt ?? null,
    permalink: msg.permalink ?? null,
    source: msg.source ?? 'live',
    capturedAt,
    rev: 0,
    needsTagging: true,
    tags: null,
    counted: null,
    pending: null,
  };
}

/** Where capture looks up what decides a new message's conversation (MongoDB live, memory in the importer). */
export interface ConversationLookups {
  /** The conversationId stored on a message, or null when that message is not stored. */
  conversationOfMessage(messageKey: string): Promise<string | null> | string | null;
  conversationExists(conversationId: string): Promise<boolean> | boolean;
  /**
   * The conversation in the message's channel whose lastMessageAt is in [from, to] (and, when customerId is
   * given, that belongs to that customer) with the latest lastMessageAt; null when none.
   */
  recentConversation(q: { from: Date; to: Date; customerId: string | null }): Promise<string | null> | string | null;
}

/**
 * Picks the conversation a new message belongs to: a thread reply joins its root's conversation; a thread root
 * whose replies came first joins the one they opened; otherwise a customer's channel message joins their latest
 * conversation in the channel within the window, and an agent's or bot's joins the channel's latest one.
 */
export async function chooseConversation(
  msg: CapturedMessage,
  key: string,
  rootKey: string | null,
  customerId: string | null,
  windowMs: number,
  lookups: ConversationLookups,
): Promise<string> {
  const threadId = msg.threadId ?? null;
  if (threadId !== null && threadId !== msg.messageId && rootKey !== null) {
    return (await lookups.conversationOfMessage(rootKey)) ?? rootKey;
  }
  // A conversation named after this message exists only when replies in its thread were stored before it (a
  // backlog delivered out of order, or a root whose event came without thread_ts): the root joins its thread.
  if (await lookups.conversationExists(key)) return key;
  const recent = await lookups.recentConversation({
    from: new Date(msg.ts.getTime() - windowMs),
    to: new Date(msg.ts.getTime() + windowMs),
    customerId,
  });
  return recent ?? key;
}

/**
 * When a customer message takes over a conversation its agents wrote in first (replies stored before their
 * thread's root): the fields that mark it answered at the earliest agent message after the customer's, or null.
 * Live capture and the importer apply the same rule.
 */
export function answeredBeforeOwner(
  conv: { firstAgentMessageAt?: Date | null; firstAgentReplyAt?: Date | null; startedAt: Date; status?: string },
  customerTs: Date,
): { firstAgentReplyAt: Date; firstResponseMs: number; status?: 'answered' } | null {
  const agentAt = conv.firstAgentMessageAt ?? null;
  if (agentAt === null || agentAt.getTime() < customerTs.getTime() || conv.firstAgentReplyAt != null) return null;
  return {
    firstAgentReplyAt: agentAt,
    firstResponseMs: agentAt.getTime() - conv.startedAt.getTime(),
    ...(conv.status === 'open' ? { status: 'answered' as const } : {}),
  };
}
