// Conversation status changes made here: resolving by an agent (✅ reaction or `/resolve`) and after a
// quiet period. A customer message reopens a resolved conversation (capture does that).
import { Conversation, Message } from '../db/models.js';
import { messageKey } from '../domain/keys.js';
import { withDocLock } from '../db/doc-lock.js';
import { updateOneById } from '../db/by-id.js';
import type { Logger } from '../logger.js';
import type { SurveyScheduler } from '../feedback/types.js';
import { syncConversation } from './projection.js';
import { validateScope } from './scope.js';
import type { Scope } from './types.js';

/** A conversation named by its id, or by the thread it is (the channel and the root message's id). */
export type ConversationRef = string | { channelId: string; threadId: string };

export type ResolveOutcome =
  | { status: 'resolved'; conversationId: string }
  | { status: 'already-resolved'; conversationId: string }
  | { status: 'not-found' };

const ID = /^[A-Za-z0-9._:-]{1,64}$/;

async function findConversation(scope: Scope, ref: ConversationRef): Promise<string | null> {
  let id: string;
  if (typeof ref === 'string') {
    if (ref.length > 300) return null;
    id = ref;
  } else {
    if (typeof ref !== 'object' || ref === null || typeof ref.channelId !== 'string' || typeof ref.threadId !== 'string') return null;
    if (!ID.test(ref.channelId) || !ID.test(ref.threadId)) return null;
    const key = messageKey(scope.platform, scope.workspaceId, ref.channelId, ref.threadId);
    const root = await Message.collection.findOne({ _id: key as never }, { projection: { conversationId: 1 } });
    id = (root?.conversationId as string | null | undefined) ?? key;
  }
  const conv = await Conversation.collection.findOne({ _id: id as never }, { projection: { platform: 1, workspaceId: 1 } });
  // Another workspace's conversation is "not found", never resolved from here.
  if (!conv || conv.platform !== scope.platform || conv.workspaceId !== scope.workspaceId) return null;
  return id;
}

/** Marks it resolved and starts a new resolve round; returns the round, or null when it was resolved already. */
async function markResolved(id: string, filter: Record<string, unknown>, at: Date): Promise<number | null> {
  return withDocLock('conversations', id, async () => {
    const res = await updateOneById(Conversation.collection as never, { _id: id, status: { $ne: 'resolved' }, ...filter }, { $set: { status: 'resolved', resolvedAt: at }, $inc: { resolveRound: 1 } });
    if (res.modifiedCount !== 1) return null;
    const doc = await Conversation.collection.findOne({ _id: id as never }, { projection: { resolveRound: 1 } });
    return (doc?.resolveRound as number | undefined) ?? 1;
  });
}

/** Asks for the customer's rating of this round (when surveys are on); a failure to schedule never fails the resolve. */
async function scheduleSurvey(survey: SurveyScheduler | undefined, id: string, round: number, log?: Logger): Promise<void> {
  if (!survey) return;
  try {
    await survey.scheduleSurvey(id, round);
  } catch (err) {
    log?.warn({ conversationId: id, round, err: (err as Error).message }, 'survey not scheduled');
  }
}

/** Marks a conversation resolved (the adapters call this for an agent's ✅ or `/resolve` in the thread). */
export async function resolveConversation(
  scope: Scope,
  ref: ConversationRef,
  opts: { now?: Date; log?: Logger; by?: string; survey?: SurveyScheduler } = {},
): Promise<ResolveOutcome> {
  scope = validateScope(scope);
  const id = await findConversation(scope, ref);
  if (!id) return { status: 'not-found' };
  const round = await markResolved(id, {}, opts.now ?? new Date());
  const changed = round !== null;
  await syncConversation(id, null);
  if (round !== null) await scheduleSurvey(opts.survey, id, round, opts.log);
  opts.log?.info({ conversationId: id, workspaceId: scope.workspaceId, by: opts.by, changed }, 'conversation resolved');
  return { status: changed ? 'resolved' : 'already-resolved', conversationId: id };
}

/**
 * Resolves conversations with no message for `days` (the maintenance job). A background scan of
 * conversations that are not resolved yet, in pages; each one is re-checked as it is updated.
 */
export async function resolveQuietConversations(opts: { days: number; now?: Date; log?: Logger; limit?: number; survey?: SurveyScheduler }): Promise<{ resolved: number }> {
  const now = opts.now ?? new Date();
  const cutoff = new Date(now.getTime() - opts.days * 86_400_000);
  const limit = opts.limit ?? 50_000;
  let resolved = 0;
  let lastId: string | null = null;
  for (;;) {
    const filter: Record<string, unknown> = { status: { $ne: 'resolved' }, lastMessageAt: { $lt: cutoff } };
    if (lastId !== null) filter._id = { $gt: lastId };
    const batch = await Conversation.collection.find(filter, { projection: { _id: 1 } }).sort({ _id: 1 }).limit(500).toArray();
    if (batch.length === 0) break;
    for (const c of batch) {
      const id = c._id as unknown as string;
      const round = await markResolved(id, { lastMessageAt: { $lt: cutoff } }, now);
      if (round !== null) {
        resolved++;
        await syncConversation(id, null);
        await scheduleSurvey(opts.survey, id, round, opts.log);
      }
    }
    lastId = batch[batch.length - 1]!._id as unknown as string;
    if (resolved >= limit) break;
  }
  if (resolved > 0) opts.log?.info({ resolved, days: opts.days }, 'resolved quiet conversations');
  return { resolved };
}
