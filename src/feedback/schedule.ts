// Scheduling the survey of a resolved conversation: one BullMQ job per conversation and resolve round, with a
// deterministic id (so several resolvers, retries and workers add it once) delayed by the quiet period.
import type { Queue } from 'bullmq';
import { Conversation } from '../db/models.js';
import type { Logger } from '../logger.js';
import { channelIncluded, surveySettings } from './settings.js';
import { surveyJobId } from './store.js';
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
