// The platform-neutral weekly digest for team leads (rendered by each adapter).
import type { Platform } from '../domain/types.js';
import type { ConversationBrief, CustomerRef } from '../history/types.js';
import type { DigestFeedback } from '../feedback/types.js';

/** A figure this week beside the week before. */
export interface Change {
  current: number;
  previous: number;
}

export interface Digest {
  platform: Platform;
  workspaceId: string;
  /** ISO week in the workspace's time zone, e.g. 2026-W48. */
  week: string;
  timeZone: string;
  /** The week's bounds as instants (Monday 00:00 to next Monday 00:00 in the zone). */
  start: Date;
  end: Date;
  conversations: Change;
  messages: Change;
  customers: { new: Change; returning: Change };
  needs: Array<{ need: string } & Change>;
  sentiment: { positive: Change; neutral: Change; negative: Change };
  /** Median time to first agent reply in ms; null when no conversation was answered. */
  medianFirstReplyMs: { current: number | null; previous: number | null };
  /** Conversations waiting for an agent for over 24 hours at the time of the digest (the longest waits, at most 10). */
  unanswered: ConversationBrief[];
  /** How many conversations wait for over 24 hours in all (unanswered lists at most 10). */
  unansweredTotal?: number;
  atRisk: Array<{ customer: CustomerRef; reason: 'turned-negative' | 'repeated-negative'; negativeConversations: number }>;
  busiestChannels: Array<{ channelId: string; channelName: string | null } & Change>;
  /** Satisfaction surveys of the week (asked that week): CSAT, response rate, lowest-rated conversations. */
  feedback?: DigestFeedback;
}
