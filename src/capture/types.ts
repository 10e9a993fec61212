// The platform-neutral shape every adapter (and the importers) turn platform events into.
import type { Platform, Role } from '../domain/types.js';

export type CaptureKind = 'new' | 'edit' | 'delete';
export type CaptureSource = 'live' | 'backfill' | 'import';

export interface CapturedAuthor {
  userId: string;
  name?: string | null;
  role: Role;
  email?: string | null;
  company?: string | null;
  /** A Slack Connect user from another organisation, or similar. */
  external?: boolean;
}

export interface CapturedAttachment {
  name: string | null;
  type: string | null;
  size: number | null;
}

export interface CapturedMessage {
  kind: CaptureKind;
  platform: Platform;
  /** Slack team id or Discord guild id. */
  workspaceId: string;
  /** The support channel (for a Discord thread: the thread's parent channel). */
  channelId: string;
  channelName?: string | null;
  messageId: string;
  /** The thread's id (Slack thread_ts of the root, Discord thread channel id); absent for channel messages. */
  threadId?: string | null;
  /** Required for `new`; optional for `edit` of a known message and for `delete`. */
  author?: CapturedAuthor | null;
  text?: string | null;
  /** When the message was first posted. */
  ts: Date;
  editedAt?: Date | null;
  deletedAt?: Date | null;
  attachments?: CapturedAttachment[];
  permalink?: string | null;
  source?: CaptureSource;
}
