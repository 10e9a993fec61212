// Customer feedback (satisfaction surveys): platform-neutral types. Pure.
import type { Platform } from '../domain/types.js';

export type { SurveySettings } from '../domain/survey.js';
export { DEFAULT_SURVEY_SETTINGS } from '../domain/survey.js';

export const MIN_RATING = 1;
export const MAX_RATING = 5;
/** A rating of 4 or 5 counts as satisfied (CSAT). */
export const SATISFIED_FROM = 4;
/** How many of a customer's latest comments `/history` shows. */
export const SHOWN_COMMENTS = 3;
/** How many of the week's lowest-rated conversations the digest lists (ratings 1–3 only). */
export const LOWEST_LISTED = 5;
export const MAX_COMMENT_CHARS = 2000;

/** What an adapter is asked to post: the survey message in the conversation's thread. */
export interface SurveyRequest {
  surveyId: string;
  conversationId: string;
  workspaceId: string;
  /** The conversation's channel. */
  channelId: string;
  /** Where to post: Slack thread_ts of the root; Discord thread channel id (null: reply to rootMessageId). */
  threadId: string | null;
  /** The conversation's first message (Slack ts / Discord message id). */
  rootMessageId: string;
  /** The customer's platform user id (adapters may mention nobody; it is for logs and tests). */
  customerUserId: string | null;
  question: string;
}

/** The port an adapter implements to ask a survey (src/ never imports an adapter). */
export interface SurveyPort {
  readonly platform: Platform;
  /** Posts the survey; returns the id of the message posted. */
  postSurvey(req: SurveyRequest): Promise<{ messageId: string }>;
}

/** Schedules the survey of a conversation resolved in a given round (Queues implements it). */
export interface SurveyScheduler {
  scheduleSurvey(conversationId: string, round: number): Promise<'scheduled' | 'disabled' | 'skipped' | 'deferred'>;
}

export interface FeedbackComment {
  text: string;
  at: Date;
  conversationId: string;
  rating: number | null;
}

/** What `/history` shows of a customer's feedback (all linked identities). */
export interface CustomerFeedback {
  /** Mean rating, null when never rated. */
  average: number | null;
  ratings: number;
  /** Latest comments first, at most SHOWN_COMMENTS. */
  comments: FeedbackComment[];
}

/** One week's survey figures. */
export interface WeekFeedback {
  asked: number;
  rated: number;
  satisfied: number;
}

export interface RatedConversation {
  conversationId: string;
  rating: number;
  channelId: string;
  permalink: string | null;
  firstLine: string | null;
}

/** What the weekly digest shows. */
export interface DigestFeedback {
  /** Share of ratings that are 4 or 5 (0–1); null with no rating. */
  csat: { current: number | null; previous: number | null };
  /** Share of surveys asked that got a rating (0–1); null with none asked. */
  responseRate: { current: number | null; previous: number | null };
  asked: { current: number; previous: number };
  rated: { current: number; previous: number };
  /** The week's conversations rated 1–3, lowest first (at most LOWEST_LISTED). */
  lowest: RatedConversation[];
}
