// Deterministic keys: the same platform event always maps to the same documents and the same job.
import { createHash } from 'node:crypto';
import type { Platform } from './types.js';

export function messageKey(platform: Platform, workspaceId: string, channelId: string, messageId: string): string {
  return `${platform}:${workspaceId}:${channelId}:${messageId}`;
}

export function identityKey(platform: Platform, workspaceId: string, userId: string): string {
  return `${platform}:${workspaceId}:${userId}`;
}

export function workspaceKey(platform: Platform, workspaceId: string): string {
  return `${platform}:${workspaceId}`;
}

/** A channel's key (`platform:workspace:channel`): its backfill checkpoint, and the `pend` of its unplaced messages. */
export function channelKey(platform: Platform, workspaceId: string, channelId: string): string {
  return `${platform}:${workspaceId}:${channelId}`;
}

export function checkpointKey(platform: Platform, workspaceId: string, channelId: string): string {
  return channelKey(platform, workspaceId, channelId);
}

export function rollupKey(platform: Platform, workspaceId: string, week: string): string {
  return `${platform}:${workspaceId}:${week}`;
}

/**
 * The BullMQ job id that tags one revision of one message. A redelivered event yields the same id, so
 * BullMQ keeps a single job; an edit or delete bumps the revision and so gets a job of its own.
 * (BullMQ job ids may not contain ':'.)
 */
export function tagJobId(messageKeyValue: string, rev: number): string {
  const h = createHash('sha1').update(messageKeyValue).digest('hex');
  return `tag-${h}-r${rev}`;
}

/**
 * The BullMQ job id of a chunk of tag jobs (the bulk importer enqueues one per written chunk; the worker
 * expands it into the per-message jobs of `tagJobId`). It is built from the chunk's message keys and
 * revisions, in order, so enqueuing the same chunk again adds nothing.
 */
export function tagChunkJobId(items: ReadonlyArray<{ messageKey: string; rev: number }>): string {
  const h = createHash('sha1');
  for (const i of items) h.update(`${i.messageKey}\n${i.rev}\n`);
  return `tagchunk-${h.digest('hex')}-n${items.length}`;
}

/** Lower case, accents stripped, white space folded: how names are compared. */
export function nameKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}
