// The platform-neutral customer summary that `/history` shows (rendered by each adapter).
import type { ConversationStatus, Platform, SentimentLabel } from '../domain/types.js';
import type { CustomerFeedback } from '../feedback/types.js';

/** Whose data a request may see: one Slack workspace or one Discord guild. */
export interface Scope {
  platform: Platform;
  workspaceId: string;
}

/** What an agent typed: a platform user id (from a mention), an email, or a name. */
export type CustomerQuery = { userId: string } | { email: string } | { name: string };

export interface CustomerRef {
  id: string;
  name: string | null;
  email: string | null;
  company: string | null;
  lastContactAt: Date | null;
}

export type CustomerLookup =
  | { kind: 'found'; customer: CustomerRef }
  | { kind: 'ambiguous'; candidates: CustomerRef[] }
  | { kind: 'not-found' };

export interface LinkedAccount {
  platform: Platform;
  workspaceId: string;
  userId: string;
  name: string | null;
}

export interface SentimentValue {
  score: number;
  label: SentimentLabel;
}

export interface ConversationBrief {
  id: string;
  platform: Platform;
  channelId: string;
  channelName: string | null;
  startedAt: Date;
  lastMessageAt: Date;
  /** The customer's first line, as they wrote it (adapters escape it). */
  firstLine: string | null;
  needs: string[];
  sentiment: SentimentValue | null;
  status: ConversationStatus;
  permalink: string | null;
  /** For open/unanswered conversations: how long the customer has waited, in ms. */
  waitingMs: number | null;
}

export interface CountWindow {
  allTime: number;
  last30d: number;
}

export interface CustomerSummary {
  customer: CustomerRef & {
    external: boolean;
    customerSince: Date | null;
    linkedAccounts: LinkedAccount[];
  };
  volume: {
    conversations: CountWindow;
    messages: CountWindow;
    byPlatform: Array<{ platform: Platform; conversations: number; messages: number }>;
    byChannel: Array<{ platform: Platform; channelId: string; channelName: string | null; conversations: number; messages: number }>;
  };
  state: {
    open: ConversationBrief[];
    unanswered: ConversationBrief[];
  };
  needs: {
    allTime: Array<{ need: string; count: number }>;
    last30d: Array<{ need: string; count: number }>;
  };
  sentiment: {
    /** Average of the customer's messages in the last 30 days (or all time when none), null when none. */
    current: SentimentValue | null;
    last30d: { average: number | null; count: number };
    previous90d: { average: number | null; count: number };
    trend: 'improving' | 'steady' | 'worsening' | 'unknown';
    turnedNegative: boolean;
  };
  recent: {
    conversations: ConversationBrief[];
    page: number;
    pageSize: number;
    total: number;
  };
  /** Satisfaction survey answers: average rating and the latest comments (src/feedback). */
  feedback?: CustomerFeedback;
}
