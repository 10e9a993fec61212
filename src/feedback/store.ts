// The documents surveys keep, all addressed by `_id` (the only lookup FerretDB 1.x serves from an index).
//
// - `surveys/<surveyId>`: one per conversation and resolve round (the ask, the rating, the comment).
// - `feedback_weeks/<platform>:<workspace>:<week>`: per survey asked that week, `a.<surveyId>` (asked) and
//   `r.<surveyId>` = { c: conversation, r: rating }. Every write is a `$set`/`$unset` of the survey's own
//   entry, so a retry or a repeated click applies once by construction, and a changed rating replaces the
//   old one (the figures are counted from the entries when read: one document per week).
// - `feedback_customers/<customerId>`: `r.<surveyId>` = rating and `cm.<surveyId>` = { t, at, c } (comment).
import { createHash } from 'node:crypto';
import { declareCollection } from '../db/collections.js';
import type { Platform } from '../domain/types.js';

export type SurveyState = 'asking' | 'asked' | 'failed';

export interface SurveyDoc {
  _id: string;
  conversationId: string;
  round: number;
  platform: Platform;
  workspaceId: string;
  channelId: string;
  threadId: string | null;
  rootMessageId: string;
  customerId: string;
  customerUserId: string | null;
  state: SurveyState;
  claimedAt: Date;
  askedAt: Date | null;
  /** ISO week (workspace zone) of askedAt: the week whose figures the survey counts in. */
  week: string | null;
  messageId: string | null;
  rating: number | null;
  ratedAt: Date | null;
  ratedBy: string | null;
  comment: string | null;
  commentAt: Date | null;
  error?: string;
}

export interface FeedbackWeekDoc {
  _id: string;
  a?: Record<string, number>;
  r?: Record<string, { c: string; r: number }>;
}

export interface FeedbackCustomerDoc {
  _id: string;
  r?: Record<string, number>;
  cm?: Record<string, { t: string; at: Date; c: string }>;
}

export const surveys = declareCollection<SurveyDoc>('surveys');
export const feedbackWeeks = declareCollection<FeedbackWeekDoc>('feedback_weeks');
export const feedbackCustomers = declareCollection<FeedbackCustomerDoc>('feedback_customers');

/** The survey of one resolve round of a conversation: short, without '.', ':' or '$' (usable as a key, a button value, a job id). */
export function surveyId(conversationId: string, round: number): string {
  return `sv${createHash('sha1').update(`${conversationId}#${round}`).digest('hex').slice(0, 24)}`;
}

/** BullMQ job ids may not contain ':'; this one is deterministic, so a survey is enqueued once. */
export function surveyJobId(conversationId: string, round: number): string {
  return `survey-${surveyId(conversationId, round)}`;
}

export function feedbackWeekId(platform: Platform, workspaceId: string, week: string): string {
  return `${platform}:${workspaceId}:${week}`;
}

export const SURVEY_ID = /^sv[0-9a-f]{24}$/;
