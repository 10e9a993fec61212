// Backfill checkpoints: the newest message time capture has stored per channel. Adapters read it to know
// where to resume; capture advances it (capture.ts).
import { Checkpoint } from '../db/models.js';
import { checkpointKey } from '../domain/keys.js';
import type { Platform } from '../domain/types.js';

/** The time of the newest message stored from a channel, or null when none was. */
export async function lastCapturedAt(platform: Platform, workspaceId: string, channelId: string): Promise<Date | null> {
  const cp = await Checkpoint.findById(checkpointKey(platform, workspaceId, channelId), { lastTs: 1 }).lean();
  return cp?.lastTs ?? null;
}
