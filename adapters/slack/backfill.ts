// Backfill: for each support channel, fetch what was posted since its checkpoint (conversations.history,
// and conversations.replies for threads with new replies), paginated, and capture it. The Web API client
// honours 429 Retry-After itself (it waits and retries); capture is idempotent, so overlap is harmless.
//
// conversations.history lists parent messages by the parent's ts, so a reply posted while down to a thread
// whose root is older than the window never shows up there. Threads known from storage to be active in the
// last `threadActivityMs` (14 days by default) whose root predates the window are therefore asked for their
// replies since the window's start too (one conversations.replies call each, at most `maxKnownThreads`).
import type { WebClient } from '@slack/web-api';
import { checkpointKey } from '../../src/capture/keys.js';
import { Checkpoint, Conversation } from '../../src/db/models.js';
import type { Logger } from '../../src/logger.js';
import type { SlackCaptureHandler, WorkspaceIdentity } from './capture-handler.js';
import { isSupportChannel, type SlackDirectory } from './directory.js';
import { dateToSlackTs, slackTsToDate } from './map-event.js';
import type { SlackMessage } from './payloads.js';

export interface BackfillOptions {
  client: WebClient;
  directory: SlackDirectory;
  handler: SlackCaptureHandler;
  supportChannels: string[];
  log: Logger;
  /** Re-read this far before the checkpoint, so replies to recent threads posted while down are found. */
  lookbackMs: number;
  /** A channel with no checkpoint yet is read back this far (0: start from now, nothing old). */
  initialMs: number;
  pageSize?: number;
  /** Threads with captured activity this recent are asked for new replies even when their root predates the window (default 14 days). */
  threadActivityMs?: number;
  /** At most this many such threads per channel and run, most recently active first (default 500). */
  maxKnownThreads?: number;
  now?: () => Date;
  /** Stops between pages when set (shutdown). */
  signal?: AbortSignal;
}

export interface ChannelBackfill {
  channelId: string;
  oldest: string | null;
  pages: number;
  fetched: number;
  stored: number;
  duplicates: number;
  ignored: number;
  rejected: number;
  threads: number;
  /** Of `threads`: threads known from storage whose root predates the window. */
  knownThreads: number;
  error?: string;
}

export interface BackfillReport {
  channels: ChannelBackfill[];
  stored: number;
  fetched: number;
  ms: number;
}

export async function backfillWorkspace(workspace: WorkspaceIdentity, opts: BackfillOptions): Promise<BackfillReport> {
  const started = Date.now();
  const channels = await opts.directory.channelMap(true);
  const targets = [...channels.values()].filter(
    (c) => c.id && isSupportChannel(c.id, c.name ?? null, opts.supportChannels) && (opts.supportChannels.length > 0 || c.is_member === true),
  );
  for (const wanted of opts.supportChannels) {
    if (!targets.some((c) => c.id === wanted || `#${c.name}` === wanted || c.name === wanted)) {
      opts.log.warn({ channel: wanted }, 'support channel not found (is the bot invited?); not backfilled');
    }
  }
  const results: ChannelBackfill[] = [];
  for (const ch of targets) {
    if (opts.signal?.aborted) break;
    if (ch.is_member === false) {
      opts.log.warn({ channelId: ch.id, channelName: ch.name }, 'bot is not a member of this support channel; invite it to capture it');
      continue;
    }
    results.push(await backfillChannel(workspace, ch.id!, opts));
  }
  const report = {
    channels: results,
    stored: results.reduce((s, r) => s + r.stored, 0),
    fetched: results.reduce((s, r) => s + r.fetched, 0),
    ms: Date.now() - started,
  };
  opts.log.info({ workspaceId: workspace.teamId, channels: results.length, fetched: report.fetched, stored: report.stored, ms: report.ms }, 'slack backfill done');
  return report;
}

export async function backfillChannel(workspace: WorkspaceIdentity, channelId: string, opts: BackfillOptions): Promise<ChannelBackfill> {
  const log = opts.log.child({ workspaceId: workspace.teamId, channelId });
  const now = (opts.now ?? (() => new Date()))();
  const result: ChannelBackfill = { channelId, oldest: null, pages: 0, fetched: 0, stored: 0, duplicates: 0, ignored: 0, rejected: 0, threads: 0, knownThreads: 0 };
  try {
    const cp = await Checkpoint.findById(checkpointKey('slack', workspace.teamId, channelId), { lastTs: 1 }).lean();
    const from = cp?.lastTs ? new Date(cp.lastTs.getTime() - opts.lookbackMs) : opts.initialMs > 0 ? new Date(now.getTime() - opts.initialMs) : null;
    if (from === null) {
      log.info('no checkpoint yet and no initial backfill window: starting from now');
      return result;
    }
    const since = cp?.lastTs ?? from;
    const oldest = dateToSlackTs(from);
    result.oldest = oldest;
    const limit = opts.pageSize ?? 200;
    const items: SlackMessage[] = [];
    const threadRoots: string[] = [];
    let cursor: string | undefined;
    do {
      if (opts.signal?.aborted) throw new Error('backfill aborted');
      const res = await opts.client.conversations.history({ channel: channelId, oldest, inclusive: true, limit, ...(cursor ? { cursor } : {}) });
      result.pages += 1;
      for (const m of (res.messages ?? []) as SlackMessage[]) {
        items.push(m);
        // A thread root (from any time in the window) with replies since the checkpoint.
        const latest = slackTsToDate(m.latest_reply);
        if (m.thread_ts && m.thread_ts === m.ts && (m.reply_count ?? 0) > 0 && latest && latest.getTime() >= since.getTime()) {
          threadRoots.push(m.thread_ts);
        }
      }
      cursor = res.response_metadata?.next_cursor || undefined;
    } while (cursor);
    const seen = new Set(threadRoots);
    const known = (await knownActiveThreads(workspace.teamId, channelId, new Date(now.getTime() - (opts.threadActivityMs ?? THREAD_ACTIVITY_MS)), opts.maxKnownThreads ?? MAX_KNOWN_THREADS))
      .filter((ts) => !seen.has(ts) && (slackTsToDate(ts)?.getTime() ?? Infinity) < from.getTime());
    for (const root of threadRoots) {
      result.threads += 1;
      result.pages += await readReplies(opts, channelId, root, oldest, limit, items);
    }
    for (const root of known) {
      result.threads += 1;
      result.knownThreads += 1;
      try {
        result.pages += await readReplies(opts, channelId, root, oldest, limit, items);
      } catch (err) {
        // The root was deleted (thread_not_found) or the thread is otherwise unreadable: the rest still counts.
        if (opts.signal?.aborted) throw err;
        log.warn({ threadTs: root, err: (err as Error).message }, 'replies of a known thread could not be read; skipped');
      }
    }
    // Oldest first, so roots come before their replies and channel runs group as they did live.
    items.sort((a, b) => (slackTsToDate(a.ts)?.getTime() ?? 0) - (slackTsToDate(b.ts)?.getTime() ?? 0));
    for (const m of items) {
      result.fetched += 1;
      const r = await opts.handler.handle({ ...m, type: 'message', channel: channelId }, workspace, 'backfill');
      if (r.action === 'ignored') result.ignored += 1;
      else if (r.action === 'rejected') result.rejected += 1;
      else if (r.outcome.status === 'duplicate') result.duplicates += 1;
      else result.stored += 1;
      // Edited while we were away: the stored text (if any) is brought up to date; unchanged otherwise.
      if (m.edited?.ts && r.action === 'captured' && r.outcome.status === 'duplicate') {
        await opts.handler.handle({ type: 'message', subtype: 'message_changed', channel: channelId, ts: m.edited.ts, message: m }, workspace, 'backfill');
      }
    }
    log.info({ oldest, pages: result.pages, fetched: result.fetched, stored: result.stored, duplicates: result.duplicates, threads: result.threads, knownThreads: result.knownThreads }, 'slack channel backfilled');
  } catch (err) {
    result.error = (err as Error).message;
    log.error({ err: result.error }, 'slack channel backfill failed; the next start retries it');
  }
  return result;
}

const DAY = 24 * 3600 * 1000;
/** Default of `threadActivityMs`: how recent a stored thread's last message must be to be asked for replies. */
export const THREAD_ACTIVITY_MS = 14 * DAY;
/** Default of `maxKnownThreads`. */
export const MAX_KNOWN_THREADS = 500;

/** Pages through one thread's replies since `oldest` into `items` (the parent, repeated on every page, left out); returns the pages read. */
async function readReplies(opts: BackfillOptions, channelId: string, root: string, oldest: string, limit: number, items: SlackMessage[]): Promise<number> {
  let pages = 0;
  let cursor: string | undefined;
  do {
    if (opts.signal?.aborted) throw new Error('backfill aborted');
    const res = await opts.client.conversations.replies({ channel: channelId, ts: root, oldest, inclusive: true, limit, ...(cursor ? { cursor } : {}) });
    pages += 1;
    for (const m of (res.messages ?? []) as SlackMessage[]) if (m.ts !== root) items.push(m);
    cursor = res.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return pages;
}

/**
 * Thread roots (Slack ts) of the channel's stored conversations with a message since `activeSince`, most
 * recently active first, at most `max`: a thread conversation's root, and a channel conversation's first
 * message (a thread may have been started under it since). One bounded, projected query; on MongoDB it uses
 * the (workspaceId, channelId, …, lastMessageAt) index, on FerretDB it scans conversations once per channel.
 */
export async function knownActiveThreads(teamId: string, channelId: string, activeSince: Date, max: number): Promise<string[]> {
  const prefix = `slack:${teamId}:${channelId}:`;
  const convs = await Conversation.find(
    { platform: 'slack', workspaceId: teamId, channelId, lastMessageAt: { $gte: activeSince } },
    { _id: 1, threadId: 1 },
  )
    .sort({ lastMessageAt: -1 })
    .limit(max)
    .lean();
  const roots = new Set<string>();
  for (const c of convs) {
    if (c.threadId) roots.add(c.threadId);
    if (c._id.startsWith(prefix)) roots.add(c._id.slice(prefix.length));
  }
  return [...roots].filter((ts) => /^\d+\.\d+$/.test(ts));
}
