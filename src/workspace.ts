// Workspace settings that several areas read (history's auto-resolve, the digest, surveys): one read by `_id`.
import { Workspace } from './db/models.js';
import { workspaceKey } from './domain/keys.js';
import type { Platform } from './domain/types.js';

/** The zone a workspace's weeks are counted in: its own setting, else `fallback` (DIGEST_TIME_ZONE). */
export async function workspaceTimeZone(scope: { platform: Platform; workspaceId: string }, fallback: string): Promise<string> {
  const ws = await Workspace.findById(workspaceKey(scope.platform, scope.workspaceId), { timeZone: 1 }).lean();
  return ws?.timeZone ?? fallback;
}
