// What the export readers produce and the import reports (pure types).
import type { Platform } from '../domain/types.js';
import type { CapturedMessage } from '../capture/types.js';

/** One message read from an export, with where it came from (for error reports). */
export interface ImportRecord {
  msg: CapturedMessage;
  /** `file#index`: the file and the message's index in it. */
  origin: string;
}

/** Something in an export that could not be imported, named by file and position. */
export interface Rejection {
  file: string;
  /** `message 12`, `line 40, column 3 (offset 1234)`, … */
  position: string;
  reason: string;
}

export interface ChannelKey {
  platform: Platform;
  workspaceId: string;
  channelId: string;
}

/** Everything an export reader found: the messages to capture, what it skipped on purpose, and rejections. */
export interface ExportContent {
  platform: Platform;
  records: ImportRecord[];
  rejections: Rejection[];
  /** Skipped on purpose (system messages, channels not selected), counted by reason. */
  skipped: Record<string, number>;
  /** Human-readable notes (e.g. which channels were chosen). */
  notes: string[];
}

export function countSkip(skipped: Record<string, number>, reason: string, n = 1): void {
  skipped[reason] = (skipped[reason] ?? 0) + n;
}
