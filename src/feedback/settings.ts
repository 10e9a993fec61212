// Survey settings of a workspace: the env defaults (SURVEY_*) overridden by what is stored on the workspace.
import { workspaceKey } from '../domain/keys.js';
import { withDocLock } from '../db/doc-lock.js';
import { Workspace } from '../db/models.js';
import { type Platform } from '../domain/types.js';
import { DEFAULT_SURVEY_SETTINGS, type SurveySettings } from './types.js';

export class SurveySettingsError extends Error {
  readonly code = 'sh_survey_settings';
}

/** Checks a partial settings object (from an operator or a test); throws SurveySettingsError. */
export function validateSettings(input: unknown): Partial<SurveySettings> {
  if (typeof input !== 'object' || input === null) throw new SurveySettingsError('survey settings must be an object');
  const o = input as Record<string, unknown>;
  const out: Partial<SurveySettings> = {};
  if (o.enabled !== undefined) {
    if (typeof o.enabled !== 'boolean') throw new SurveySettingsError('enabled must be true or false');
    out.enabled = o.enabled;
  }
  if (o.channels !== undefined) {
    if (!Array.isArray(o.channels) || !o.channels.every((c) => typeof c === 'string' && /^#?[A-Za-z0-9_.-]{1,80}$/.test(c))) {
      throw new SurveySettingsError('channels must be a list of channel ids or names');
    }
    out.channels = o.channels as string[];
  }
  if (o.delayMinutes !== undefined) {
    if (typeof o.delayMinutes !== 'number' || !Number.isInteger(o.delayMinutes) || o.delayMinutes < 0 || o.delayMinutes > 10_080) {
      throw new SurveySettingsError('delayMinutes must be a whole number from 0 to 10080');
    }
    out.delayMinutes = o.delayMinutes;
  }
  if (o.question !== undefined) {
    if (typeof o.question !== 'string' || o.question.trim() === '' || o.question.length > 300) throw new SurveySettingsError('question must be 1 to 300 characters');
    out.question = o.question.trim();
  }
  return out;
}

/** The settings in force for a workspace. */
export async function surveySettings(platform: Platform, workspaceId: string, defaults: SurveySettings = DEFAULT_SURVEY_SETTINGS): Promise<SurveySettings> {
  const ws = (await Workspace.collection.findOne({ _id: workspaceKey(platform, workspaceId) as never }, { projection: { survey: 1 } })) as { survey?: unknown } | null;
  let own: Partial<SurveySettings> = {};
  if (ws?.survey && typeof ws.survey === 'object') {
    try {
      own = validateSettings(ws.survey);
    } catch {
      own = {}; // a malformed stored override is ignored (defaults apply)
    }
  }
  return { ...defaults, ...own };
}

/** Stores per-workspace overrides (merged into what is stored). */
export async function setSurveySettings(platform: Platform, workspaceId: string, settings: Partial<SurveySettings>): Promise<void> {
  const valid = validateSettings(settings);
  const id = workspaceKey(platform, workspaceId);
  const set: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(valid)) set[`survey.${k}`] = v;
  await withDocLock('workspaces', id, async () => {
    const cur = (await Workspace.collection.findOne({ _id: id as never }, { projection: { survey: 1 } })) as { survey?: unknown } | null;
    if (!cur) {
      await Workspace.collection.updateOne(
        { _id: id as never },
        { $setOnInsert: { platform, externalId: workspaceId, name: null, timeZone: null, digestChannelId: null, createdAt: new Date() }, $set: { survey: valid } },
        { upsert: true },
      );
    } else if (typeof cur.survey !== 'object' || cur.survey === null) {
      await Workspace.collection.updateOne({ _id: id as never }, { $set: { survey: valid } });
    } else {
      await Workspace.collection.updateOne({ _id: id as never }, { $set: set });
    }
  });
}

/** Whether a conversation's channel is one the survey is asked in. */
export function channelIncluded(settings: SurveySettings, channelId: string, channelName: string | null): boolean {
  if (settings.channels.length === 0) return true;
  const name = channelName?.replace(/^#/, '').toLowerCase() ?? null;
  return settings.channels.some((c) => c === channelId || (name !== null && c.replace(/^#/, '').toLowerCase() === name));
}
