// The weekly digest of one workspace (platform-neutral; adapters render it).
import type { Scope } from '../history/types.js';
import type { Digest } from './types.js';
import { fastDigest } from './fast.js';
import type { DigestOptions } from './naive.js';

export type { Digest } from './types.js';
export type { DigestOptions } from './naive.js';

/**
 * The digest of a week (default: the current week in the workspace's zone; `timeZone` is the fallback for a
 * workspace without one) with the week before beside it. Reads counters, never messages.
 */
export async function buildDigest(scope: Scope, opts: DigestOptions = {}): Promise<Digest> {
  return fastDigest(scope, opts);
}
