// Asking a survey (the `survey` job's work): checks the conversation is still resolved in that round, claims
// the survey (a unique `_id`: one worker wins), posts it through the platform's port, records it.
import { messageKey } from '../domain/keys.js';
import { withDocLock } from '../db/doc-lock.js';
import { Conversation } from '../db/models.js';
import { weekOf } from '../time/week.js';
import { workspaceTimeZone } from '../workspace.js';
import type { Logger } from '../logger.js';
import { channelIncluded, surveySettings } from './settings.js';
import { feedbackWeeks, feedbackWeekId, surveyId, surveys, type SurveyDoc } from './store.js';
import type { SurveyJobData } from './schedule.js';
import type { SurveyPort, SurveySettings } from './types.js';

export type AskOutcome =
  | { status: 'asked'; surveyId: string; messageId: string }
  | { status: 'stale' | 'disabled' | 'no-customer' | 'no-adapter' | 'already-asked' | 'in-progress'; surveyId: string | null };

export interface AskDeps {
  ports: SurveyPort[];
  defaults: SurveySettings;
  /** Zone of a workspace without its own (weeks of the figures). */
  timeZone: string;
  log: Logger;
  now?: () => Date;
}

function rootMessageId(conv: { _id: unknown; platform: string; workspaceId: string; channelId: string; threadId?: string | null }): string {
  const prefix = messageKey(conv.platform as never, conv.workspaceId, conv.channelId, '');
  const id = String(conv._id);
  return id.startsWith(prefix) ? id.slice(prefix.length) : (conv.threadId ?? id);
}

/** Takes the right to ask; another worker that has it (or asked already) wins. */
async function claim(doc: SurveyDoc): Promise<'claimed' | 'already-asked' | 'in-progress'> {
  try {
    await surveys().insertOne(doc);
    return 'claimed';
  } catch (err) {
    if ((err as { code?: number }).code !== 11000) throw err;
  }
  return withDocLock('surveys', doc._id, async () => {
    const cur = await surveys().findOne({ _id: doc._id });
    if (cur?.state === 'asked') return 'already-asked';
    if (cur?.state !== 'failed') return 'in-progress'; // being asked, or a worker died mid-post: never ask twice
    const res = await surveys().updateOne({ _id: doc._id, state: 'failed' }, { $set: { state: 'asking', claimedAt: doc.claimedAt } });
    return res.modifiedCount === 1 ? 'claimed' : 'in-progress';
  });
}

export async function askSurvey(data: SurveyJobData, deps: AskDeps): Promise<AskOutcome> {
  const { conversationId, round } = data;
  const log = deps.log;
  const conv = await Conversation.collection.findOne({ _id: conversationId as never });
  if (!conv || conv.status !== 'resolved' || (conv.resolveRound ?? 0) !== round) {
    log.info({ conversationId, round, status: conv?.status, currentRound: conv?.resolveRound }, 'survey not asked: the conversation is not resolved in that round');
    return { status: 'stale', surveyId: null };
  }
  const id = surveyId(conversationId, round);
  if (!conv.customerId) return { status: 'no-customer', surveyId: id };
  const settings = await surveySettings(conv.platform, conv.workspaceId, deps.defaults);
  if (!settings.enabled || !channelIncluded(settings, conv.channelId, conv.channelName ?? null)) return { status: 'disabled', surveyId: id };
  const port = deps.ports.find((p) => p.platform === conv.platform);
  if (!port) return { status: 'no-adapter', surveyId: id };
  const customerUserId = String(conv.customerId).startsWith(`${conv.platform}:${conv.workspaceId}:`)
    ? String(conv.customerId).slice(`${conv.platform}:${conv.workspaceId}:`.length)
    : null;
  const now = deps.now?.() ?? new Date();
  const doc: SurveyDoc = {
    _id: id,
    conversationId,
    round,
    platform: conv.platform,
    workspaceId: conv.workspaceId,
    channelId: conv.channelId,
    threadId: conv.threadId ?? null,
    rootMessageId: rootMessageId(conv as never),
    customerId: conv.customerId,
    customerUserId,
    state: 'asking',
    claimedAt: now,
    askedAt: null,
    week: null,
    messageId: null,
    rating: null,
    ratedAt: null,
    ratedBy: null,
    comment: null,
    commentAt: null,
  };
  const claimed = await claim(doc);
  if (claimed !== 'claimed') {
    log.info({ conversationId, round, surveyId: id, status: claimed }, 'survey not asked again');
    return { status: claimed, surveyId: id };
  }
  let messageId: string;
  try {
    ({ messageId } = await port.postSurvey({
      surveyId: id,
      conversationId,
      workspaceId: conv.workspaceId,
      channelId: conv.channelId,
      threadId: doc.threadId,
      rootMessageId: doc.rootMessageId,
      customerUserId,
      question: settings.question,
    }));
  } catch (err) {
    await withDocLock('surveys', id, () => surveys().updateOne({ _id: id, state: 'asking' }, { $set: { state: 'failed', error: (err as Error).message } }));
    log.warn({ conversationId, surveyId: id, err: (err as Error).message }, 'survey post failed; the job retries');
    throw err;
  }
  const askedAt = deps.now?.() ?? new Date();
  const zone = await workspaceTimeZone({ platform: conv.platform, workspaceId: conv.workspaceId }, deps.timeZone);
  const week = weekOf(askedAt, zone);
  await withDocLock('surveys', id, () => surveys().updateOne({ _id: id }, { $set: { state: 'asked', askedAt, week, messageId } }));
  const weekId = feedbackWeekId(conv.platform, conv.workspaceId, week);
  await withDocLock('feedback_weeks', weekId, () => feedbackWeeks().updateOne({ _id: weekId }, { $set: { [`a.${id}`]: 1 } }, { upsert: true }));
  log.info({ conversationId, round, surveyId: id, messageId, week }, 'survey asked');
  return { status: 'asked', surveyId: id, messageId };
}
