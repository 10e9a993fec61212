// Scheduling the survey of a resolved conversation: one BullMQ job per conversation and resolve round, with a
// deterministic id (so several resolvers, retries and workers add it once) delayed by the quiet period.
import type { Queue } from 'bullmq';
import { Conversation } from '../db/models.js';
import type { Logger } from '../logger.js';
import { channelIncluded, surveySettings } from './settings.js';
import { surveyJobId } from './store.js';
import { declareCollection } from '../db/collections.js';
import { withDocLock } from '../db/doc-lock.js';
import type { SurveySettings } from './types.js';

export const SURVEY_QUEUE = 'survey';

export interface SurveyJobData {
  conversationId: string;
  round: number;
}

export const SURVEY_JOB_OPTIONS = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 14 * 24 * 3600 },
  removeOnFail: { age: 14 * 24 * 3600 },
} as const;

/** Enqueues the survey of one resolve round, when the workspace asks surveys in that channel. */
export async function scheduleSurvey(
  queue: Pick<Queue<SurveyJobData>, 'add'>,
  defaults: SurveySettings,
  conversationId: string,
  round: number,
  log?: Logger,
): Promise<'scheduled' | 'disabled' | 'skipped'> {
  const conv = await Conversation.collection.findOne(
    { _id: conversationId as never },
    { projection: { platform: 1, workspaceId: 1, channelId: 1, channelName: 1, customerId: 1 } },
  );
  if (!conv || !conv.customerId) return 'skipped';
  const settings = await surveySettings(conv.platform, conv.workspaceId, defaults);
  if (!settings.enabled || !channelIncluded(settings, conv.channelId, conv.channelName ?? null)) return 'disabled';
  await queue.add(
    'survey',
    { conversationId, round },
    { ...SURVEY_JOB_OPTIONS, jobId: surveyJobId(conversationId, round), delay: settings.delayMinutes * 60_000 },
  );
  log?.info({ conversationId, round, delayMinutes: settings.delayMinutes }, 'survey scheduled');
  return 'scheduled';
}

interface DeferredSurvey {
  _id: string;
  conversationId: string;
  round: number;
  at: Date;
  attempts: number;
}

const deferred = declareCollection<DeferredSurvey>('survey_deferred');

/**
 * Schedules the survey, or, when the queue cannot take it (Redis down), records it in `survey_deferred` (a
 * small collection) for the sweep to enqueue later: a resolve never loses its survey to a Redis outage.
 */
export async function scheduleOrDefer(
  queue: Pick<Queue<SurveyJobData>, 'add'>,
  defaults: SurveySettings,
  conversationId: string,
  round: number,
  log?: Logger,
): Promise<'scheduled' | 'disabled' | 'skipped' | 'deferred'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    // A producer that never connected waits for Redis: bounded, so a resolve does not hang on it. Should the
    // add still land later, the sweep's add of the same job id is ignored by BullMQ.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the survey queue did not answer within ${ENQUEUE_TIMEOUT_MS} ms`)), ENQUEUE_TIMEOUT_MS);
    });
    return await Promise.race([scheduleSurvey(queue, defaults, conversationId, round, log), timeout]);
  } catch (err) {
    const id = surveyJobId(conversationId, round);
    await withDocLock('survey_deferred', id, () =>
      deferred().updateOne({ _id: id }, { $setOnInsert: { conversationId, round, at: new Date(), attempts: 0 } }, { upsert: true }),
    );
    log?.warn({ conversationId, round, err: (err as Error).message }, 'survey not enqueued; the sweep will retry');
    return 'deferred';
  } finally {
    clearTimeout(timer);
  }
}

/** How long a resolve waits for the survey queue before deferring the survey to the sweep. */
export const ENQUEUE_TIMEOUT_MS = 3_000;

/** Enqueues the surveys deferred while the queue was down (run by the periodic sweep). */
export async function retryDeferredSurveys(
  queue: Pick<Queue<SurveyJobData>, 'add'>,
  defaults: SurveySettings,
  log?: Logger,
): Promise<{ retried: number; left: number }> {
  const all = await deferred().find({}).limit(1000).toArray();
  let retried = 0;
  for (const d of all) {
    try {
      await scheduleSurvey(queue, defaults, d.conversationId, d.round, log);
      await withDocLock('survey_deferred', d._id, () => deferred().deleteOne({ _id: d._id }));
      retried++;
    } catch (err) {
      log?.warn({ conversationId: d.conversationId, round: d.round, err: (err as Error).message }, 'deferred survey still not enqueued');
      break; // the queue is still down: try again at the next sweep
    }
  }
  if (retried > 0) log?.info({ retried }, 'deferred surveys enqueued');
  return { retried, left: all.length - retried };
}
