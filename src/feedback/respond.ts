// A customer's answer to a survey: a rating (1–5; a second click changes it) and an optional comment. Only the
// conversation's customer (or an identity linked to it) may answer. The survey is found by its stored id and
// the clicker is the platform's verified user id: nothing a client sends names the customer.
import { identityKey, messageKey } from '../domain/keys.js';
import { newMessageDocument } from '../capture/documents.js';
import { redactSecrets } from '../capture/redact.js';
import type { TagEnqueuer } from '../capture/capture.js';
import { withDocLock } from '../db/doc-lock.js';
import { Conversation, Message } from '../db/models.js';
import { type Platform } from '../domain/types.js';
import { QueueUnavailableError } from '../errors.js';
import { groupOf } from '../links/groups.js';
import type { Logger } from '../logger.js';
import { feedbackCustomers, feedbackWeekId, feedbackWeeks, SURVEY_ID, surveys, type SurveyDoc } from './store.js';
import { MAX_COMMENT_CHARS, MAX_RATING, MIN_RATING } from './types.js';

export interface AnswerWho {
  platform: Platform;
  workspaceId: string;
  /** The verified platform user id of whoever clicked or submitted. */
  userId: string;
  /** The message the button was on, when the platform says (must be the survey's). */
  messageId?: string | null;
  /**
   * When the click happened, from the verified payload (Slack `action_ts`), in ms. A press no newer than the
   * last one applied to the survey is a replay (or a duplicate delivery) and changes nothing.
   */
  actionAt?: number | null;
}

export type AnswerRefusal = 'not-found' | 'not-customer' | 'invalid';
export type RateOutcome = { status: 'rated' | 'changed' | 'unchanged'; rating: number; previous: number | null; surveyId: string } | { status: AnswerRefusal | 'replayed' };
export type CommentOutcome = { status: 'commented' | 'comment-changed'; surveyId: string; messageKey: string; rev: number; queued: boolean } | { status: AnswerRefusal | 'empty' | 'too-long' };

async function isCustomer(s: SurveyDoc, who: AnswerWho): Promise<boolean> {
  if (s.customerUserId !== null && s.customerUserId === who.userId) return true;
  const id = identityKey(who.platform, who.workspaceId, who.userId);
  if (id === s.customerId) return true;
  const [a, b] = await Promise.all([groupOf(id), groupOf(s.customerId)]);
  return a !== null && b !== null && a._id === b._id;
}

/** The survey a verified answer may touch: same platform and workspace, asked, on that message. */
async function findSurvey(id: unknown, who: AnswerWho): Promise<SurveyDoc | null> {
  if (typeof id !== 'string' || !SURVEY_ID.test(id)) return null;
  const s = await surveys().findOne({ _id: id });
  if (!s || s.platform !== who.platform || s.workspaceId !== who.workspaceId || s.state !== 'asked') return null;
  if (who.messageId && s.messageId && who.messageId !== s.messageId) return null;
  return s;
}

/** Copies the survey's answer onto the documents figures are read from (idempotent `$set`s; survey lock held). */
async function project(s: SurveyDoc): Promise<void> {
  if (s.week && s.rating !== null) {
    const weekId = feedbackWeekId(s.platform, s.workspaceId, s.week);
    await withDocLock('feedback_weeks', weekId, () =>
      feedbackWeeks().updateOne({ _id: weekId }, { $set: { [`a.${s._id}`]: 1, [`r.${s._id}`]: { c: s.conversationId, r: s.rating! } } }, { upsert: true }),
    );
  }
  const set: Record<string, unknown> = {};
  if (s.rating !== null) set[`r.${s._id}`] = s.rating;
  if (s.comment !== null && s.commentAt) set[`cm.${s._id}`] = { t: s.comment, at: s.commentAt, c: s.conversationId };
  if (Object.keys(set).length > 0) {
    await withDocLock('feedback_customers', s.customerId, () => feedbackCustomers().updateOne({ _id: s.customerId }, { $set: set }, { upsert: true }));
  }
  // The conversation shows its latest round's answer.
  await withDocLock('conversations', s.conversationId, async () => {
    const conv = await Conversation.collection.findOne({ _id: s.conversationId as never }, { projection: { feedback: 1 } });
    if (!conv) return;
    const cur = (conv.feedback ?? null) as { round?: number } | null;
    if (cur && (cur.round ?? 0) > s.round) return;
    await Conversation.collection.updateOne(
      { _id: s.conversationId as never },
      { $set: { feedback: { surveyId: s._id, round: s.round, rating: s.rating, ratedAt: s.ratedAt, comment: s.comment, commentAt: s.commentAt } } },
    );
  });
}

export async function rateSurvey(id: unknown, rating: unknown, who: AnswerWho, opts: { now?: Date; log?: Logger } = {}): Promise<RateOutcome> {
  if (typeof rating !== 'number' || !Number.isInteger(rating) || rating < MIN_RATING || rating > MAX_RATING) return { status: 'invalid' };
  if (typeof id !== 'string' || !SURVEY_ID.test(id)) return { status: 'not-found' };
  return withDocLock('surveys', id, async () => {
    const s = await findSurvey(id, who);
    if (!s) return { status: 'not-found' } as const;
    if (!(await isCustomer(s, who))) {
      opts.log?.info({ surveyId: id, userId: who.userId }, 'survey rating refused: not the conversation’s customer');
      return { status: 'not-customer' } as const;
    }
    const at = typeof who.actionAt === 'number' && Number.isFinite(who.actionAt) ? who.actionAt : null;
    const last = (s as SurveyDoc & { lastActionAt?: number }).lastActionAt ?? null;
    if (at !== null && last !== null && at <= last) {
      opts.log?.info({ surveyId: id, userId: who.userId, actionAt: at, lastActionAt: last }, 'survey rating ignored: a replayed or repeated press');
      return { status: 'replayed' } as const;
    }
    const previous = s.rating;
    const now = opts.now ?? new Date();
    if (at !== null) await surveys().updateOne({ _id: id }, { $set: { lastActionAt: at } });
    if (previous !== rating) {
      await surveys().updateOne({ _id: id }, { $set: { rating, ratedAt: now, ratedBy: who.userId } });
      s.rating = rating;
      s.ratedAt = now;
      s.ratedBy = who.userId;
    }
    await project(s); // also repairs what an interrupted earlier answer left half written
    opts.log?.info({ surveyId: id, conversationId: s.conversationId, rating, previous }, 'survey rated');
    return { status: previous === null ? 'rated' : previous === rating ? 'unchanged' : 'changed', rating, previous, surveyId: id } as const;
  });
}

/**
 * Stores a comment on the survey and as a customer message of the conversation (id `<root>-survey<round>`), which
 * the worker tags for needs and sentiment like any other customer message (a changed comment is a new revision).
 * Written directly, not through capture, so the comment does not reopen the resolved conversation.
 */
export async function commentSurvey(
  id: unknown,
  text: unknown,
  who: AnswerWho,
  deps: { queue: TagEnqueuer; now?: Date; log?: Logger },
): Promise<CommentOutcome> {
  if (typeof text !== 'string') return { status: 'invalid' };
  const clean = redactSecrets(text.replace(/\r\n?/g, '\n').trim()).text;
  if (clean === '') return { status: 'empty' };
  if (clean.length > MAX_COMMENT_CHARS) return { status: 'too-long' };
  if (typeof id !== 'string' || !SURVEY_ID.test(id)) return { status: 'not-found' };
  const now = deps.now ?? new Date();
  type Stored = { status: 'commented' | 'comment-changed'; surveyId: string; messageKey: string; rev: number };
  const out = await withDocLock('surveys', id, async (): Promise<Stored | { status: AnswerRefusal }> => {
    const s = await findSurvey(id, who);
    if (!s) return { status: 'not-found' } as const;
    if (!(await isCustomer(s, who))) {
      deps.log?.info({ surveyId: id, userId: who.userId }, 'survey comment refused: not the conversation’s customer');
      return { status: 'not-customer' } as const;
    }
    const changed = s.comment !== null;
    if (s.comment !== clean) {
      await surveys().updateOne({ _id: id }, { $set: { comment: clean, commentAt: now } });
      s.comment = clean;
      s.commentAt = now;
    }
    await project(s);
    const key = messageKey(s.platform, s.workspaceId, s.channelId, `${s.rootMessageId}-survey${s.round}`);
    const rev = await withDocLock('messages', key, async () => {
      const existing = await Message.collection.findOne({ _id: key as never }, { projection: { rev: 1, text: 1, needsTagging: 1 } });
      if (!existing) {
        const doc = newMessageDocument(
          {
            kind: 'new',
            platform: s.platform,
            workspaceId: s.workspaceId,
            channelId: s.channelId,
            messageId: `${s.rootMessageId}-survey${s.round}`,
            threadId: s.threadId,
            author: { userId: who.userId, role: 'customer' },
            text: clean,
            ts: now,
          },
          s.conversationId,
          s.customerId,
          now,
        );
        await Message.collection.updateOne({ _id: key as never }, { $setOnInsert: doc }, { upsert: true });
        return 0;
      }
      if (existing.text === clean) return existing.rev as number;
      await Message.collection.updateOne({ _id: key as never }, { $set: { text: clean, editedAt: now, needsTagging: true }, $inc: { rev: 1 } });
      return (existing.rev as number) + 1;
    });
    return { status: changed ? 'comment-changed' : 'commented', surveyId: id, messageKey: key, rev } as const;
  });
  if (out.status !== 'commented' && out.status !== 'comment-changed') return out as { status: AnswerRefusal };
  const stored = out as Stored;
  let queued = true;
  try {
    await deps.queue.enqueueTag(stored.messageKey, stored.rev);
  } catch (err) {
    if (!(err instanceof QueueUnavailableError)) throw err;
    queued = false; // the message stays needsTagging: the sweeper enqueues it
    deps.log?.warn({ messageKey: stored.messageKey, err: err.message }, 'survey comment tag job not enqueued; the sweeper will retry');
  }
  deps.log?.info({ surveyId: id, messageKey: stored.messageKey, rev: stored.rev }, 'survey comment stored');
  return { ...stored, queued };
}


/** Whether this verified user may answer this survey (before opening a comment form). */
export async function checkAnswerer(id: unknown, who: AnswerWho): Promise<'ok' | AnswerRefusal> {
  const s = await findSurvey(id, who);
  if (!s) return 'not-found';
  return (await isCustomer(s, who)) ? 'ok' : 'not-customer';
}

/**
 * Erases a customer's survey answers (for `forget`): its surveys, its `feedback_customers` document and its
 * entries in the weekly figures. Rare, so the surveys are found by a scan. The comment messages go with the
 * customer's messages.
 */
export async function forgetCustomerFeedback(customerIds: string[], log?: Logger): Promise<{ surveys: number }> {
  const ids = customerIds.filter((c) => typeof c === 'string');
  if (ids.length === 0) return { surveys: 0 };
  const found = await surveys().find({ customerId: { $in: ids } }, { projection: { _id: 1, platform: 1, workspaceId: 1, week: 1 } }).toArray();
  for (const s of found) {
    if (s.week) {
      const weekId = feedbackWeekId(s.platform, s.workspaceId, s.week);
      await withDocLock('feedback_weeks', weekId, () => feedbackWeeks().updateOne({ _id: weekId }, { $unset: { [`a.${s._id}`]: '', [`r.${s._id}`]: '' } }));
    }
    await withDocLock('surveys', s._id, () => surveys().deleteOne({ _id: s._id }));
  }
  for (const id of ids) await withDocLock('feedback_customers', id, () => feedbackCustomers().deleteOne({ _id: id }));
  log?.info({ customers: ids.length, surveys: found.length }, 'survey answers forgotten');
  return { surveys: found.length };
}
