// Backfill: for each support channel, fetch what was posted since its checkpoint (conversations.history,
// and conversations.replies for threads with new replies), paginated, and capture it. The Web API client
// honours 429 Retry-After itself (it waits and retries); capture is idempotent, so overlap is harmless.
//
// conversations.history lists parent messages by the parent's ts, so a reply posted while down to a thread
// whose root is older than the window never shows up in the window's pages. Threads known from storage to
// have had a message in the last `threadActivityDays` (14 by default; thread-activity.ts, kept at capture,
// read by `_id`) whose root predates the window are looked up too: conversations.history from the oldest
// such root up to the window (discovery only, 200 parents a page, at most `maxDiscoveryPages`) tells by
// each parent's `latest_reply` which threads have replies since the checkpoint, and only those are asked
// for them (conversations.replies from the window's start). A restart after a short downtime so costs a
// few history pages, not one call per known thread.
import type { WebClient } from '@slack/web-api';
import { lastCapturedAt } from '../../src/capture/checkpoints.js';
import type { Logger } from '../../src/logger.js';
import type { SlackCaptureHandler, WorkspaceIdentity } from './capture-handler.js';
import { isSupportChannel, type SlackDirectory } from './directory.js';
import { dateToSlackTs, slackTsToDate } from './map-event.js';
import type { SlackMessage } from './payloads.js';
import { recentThreadRoots, THREAD_ACTIVITY_DAYS } from './thread-activity.js';

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
  /** Threads with a captured message in this many last days are asked for new replies even when their root predates the window (default 14). */
  threadActivityDays?: number;
  /** At most this many conversations.history pages read to find which of them have new replies (default 50). */
  maxDiscoveryPages?: number;
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
  /** Of `threads`: threads whose root predates the window, found through storage and `latest_reply`. */
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
    const lastTs = await lastCapturedAt('slack', workspace.teamId, channelId);
    const from = lastTs ? new Date(lastTs.getTime() - opts.lookbackMs) : opts.initialMs > 0 ? new Date(now.getTime() - opts.initialMs) : null;
    if (from === null) {
      log.info('no checkpoint yet and no initial backfill window: starting from now');
      return result;
    }
    const since = lastTs ?? from;
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
    // Threads whose root predates the window: which of those known to be active have replies since the checkpoint.
    const known = (await recentThreadRoots(workspace.teamId, channelId, now, opts.threadActivityDays ?? THREAD_ACTIVITY_DAYS)).filter(
      (ts) => (slackTsToDate(ts)?.getTime() ?? Infinity) < from.getTime(),
    );
    const older: string[] = [];
    if (known.length > 0) {
      const first = known.reduce((a, b) => (Number(a) <= Number(b) ? a : b));
      const maxPages = opts.maxDiscoveryPages ?? 50;
      let dcursor: string | undefined;
      let pages = 0;
      do {
        if (opts.signal?.aborted) throw new Error('backfill aborted');
        const res = await opts.client.conversations.history({ channel: channelId, oldest: first, latest: oldest, inclusive: true, limit, ...(dcursor ? { cursor: dcursor } : {}) });
        result.pages += 1;
        pages += 1;
        for (const m of (res.messages ?? []) as SlackMessage[]) {
          const latest = slackTsToDate(m.latest_reply);
          if (m.ts && m.ts !== oldest && m.thread_ts === m.ts && (m.reply_count ?? 0) > 0 && latest && latest.getTime() >= since.getTime()) older.push(m.ts);
        }
        dcursor = res.response_metadata?.next_cursor || undefined;
      } while (dcursor && pages < maxPages);
      if (dcursor) log.warn({ pages, oldestKnownRoot: first }, 'thread discovery stopped at its page limit; older threads were not checked for replies');
    }
    for (const root of threadRoots) {
      result.threads += 1;
      result.pages += await readReplies(opts, channelId, root, oldest, limit, items);
    }
    for (const root of older) {
      result.threads += 1;
      result.knownThreads += 1;
      result.pages += await readReplies(opts, channelId, root, oldest, limit, items);
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
