// Backfill: after READY (start, or a re-identify) and after a RESUME, fetch every support channel's and
// thread's messages posted after the channel's checkpoint and capture them. Capture is idempotent, so
// anything also delivered live (or replayed by the gateway) is stored once. Requests go one at a time
// through discord.js's REST queue, which honours Discord's rate-limit headers and 429s.
import { ChannelType, DiscordAPIError, RESTJSONErrorCodes, type AnyThreadChannel, type Client, type Guild, type GuildBasedChannel, type Message } from 'discord.js';
import type { CaptureStatus } from '../../src/capture/capture.js';
import type { CapturedMessage } from '../../src/capture/types.js';
import { lastCapturedAt } from '../../src/capture/checkpoints.js';
import { CaptureValidationError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import type { CaptureSink } from './capture-buffer.js';
import type { DiscordReader } from './extract.js';
import { dateToSnowflake, mapNew } from './mapper.js';
import { channelInScope, guildInScope, type DiscordPolicy } from './policy.js';

export interface BackfillOptions {
  /** How far back to look in a channel that has no checkpoint yet. */
  initialDays: number;
  /** Looked back before the checkpoint, for messages that failed while later ones were stored. */
  marginMs: number;
  /** Page size for message fetches (Discord's maximum is 100). */
  pageSize?: number;
  /** Channels (and, within one, threads) backfilled at the same time; messages of one channel or thread always go in order. */
  concurrency?: number;
}

/** Runs fn over items, at most `limit` at a time; rejects with the first error after all have settled. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length > 0) throw errors[0];
}

export interface BackfillStats {
  reason: string;
  guilds: number;
  channels: number;
  threads: number;
  pages: number;
  fetched: number;
  statuses: Partial<Record<CaptureStatus, number>>;
  skipped: number;
  rejected: number;
  /** Channels whose backfill stopped on an error (retried by the next run). */
  failed: number;
  ms: number;
}

const PARENT_TYPES = new Set<ChannelType>([ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.GuildForum, ChannelType.GuildMedia]);

function isPermissionError(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.code === RESTJSONErrorCodes.MissingAccess || err.code === RESTJSONErrorCodes.MissingPermissions);
}

export class Backfiller {
  private running: Promise<BackfillStats> | null = null;
  private pending: string | null = null;
  /** guild:channel → the oldest event dropped from the capture buffer, to look back to it. */
  private readonly lowWater = new Map<string, Date>();

  constructor(
    private readonly client: Client,
    private readonly reader: DiscordReader,
    private readonly policy: DiscordPolicy,
    private readonly sink: CaptureSink,
    private readonly log: Logger,
    private readonly opts: BackfillOptions,
    private readonly onCaptured: (msg: CapturedMessage, status: CaptureStatus) => void = () => undefined,
  ) {}

  noteDropped(msg: CapturedMessage): void {
    const key = `${msg.workspaceId}:${msg.channelId}`;
    const prev = this.lowWater.get(key);
    if (!prev || prev.getTime() > msg.ts.getTime()) this.lowWater.set(key, msg.ts);
  }

  /** Runs a backfill; a trigger during a run queues one more run after it (runs never overlap). */
  run(reason: string): Promise<BackfillStats> {
    if (this.running) {
      this.pending = reason;
      return this.running.then(() => this.running ?? this.run(reason));
    }
    const p = this.runOnce(reason).finally(() => {
      this.running = null;
      if (this.pending) {
        const next = this.pending;
        this.pending = null;
        void this.run(next);
      }
    });
    this.running = p;
    return p;
  }

  private async runOnce(reason: string): Promise<BackfillStats> {
    const started = Date.now();
    const stats: BackfillStats = { reason, guilds: 0, channels: 0, threads: 0, pages: 0, fetched: 0, statuses: {}, skipped: 0, rejected: 0, failed: 0, ms: 0 };
    for (const guild of this.client.guilds.cache.values()) {
      if (!guildInScope(this.policy, guild.id) || !guild.available) continue;
      stats.guilds += 1;
      try {
        await this.guild(guild, stats);
      } catch (err) {
        stats.failed += 1;
        this.log.error({ workspaceId: guild.id, err: (err as Error).message }, 'backfill of guild failed');
      }
    }
    stats.ms = Date.now() - started;
    this.log.info({ ...stats }, 'backfill finished');
    return stats;
  }

  private async since(guildId: string, channelId: string): Promise<Date> {
    const lastTs = await lastCapturedAt('discord', guildId, channelId);
    const floor = lastTs ? new Date(lastTs.getTime() - this.opts.marginMs) : new Date(Date.now() - this.opts.initialDays * 86_400_000);
    const low = this.lowWater.get(`${guildId}:${channelId}`);
    return low && low.getTime() < floor.getTime() ? low : floor;
  }

  private async guild(guild: Guild, stats: BackfillStats): Promise<void> {
    const parents = [...guild.channels.cache.values()].filter(
      (c): c is Exclude<GuildBasedChannel, AnyThreadChannel> =>
        !c.isThread() && PARENT_TYPES.has(c.type) && channelInScope(this.policy, [c.id, c.parentId]),
    );
    if (parents.length === 0) return;
    const active = await guild.channels.fetchActiveThreads(false);
    await pool(parents, this.opts.concurrency ?? 2, async (parent) => {
      stats.channels += 1;
      const lowWaterKey = `${guild.id}:${parent.id}`;
      const dropMark = this.lowWater.get(lowWaterKey);
      try {
        // One point for the channel and all its threads, read before anything is captured (captures move it).
        const since = await this.since(guild.id, parent.id);
        const after = dateToSnowflake(since);
        // The channel first: a thread's replies join the conversation of the message that started it.
        if (parent.isTextBased()) await this.channelMessages(parent, after, stats);
        const threads = new Map<string, AnyThreadChannel>();
        for (const t of active.threads.values()) if (t.parentId === parent.id) threads.set(t.id, t);
        for (const t of await this.archivedThreads(parent, since)) threads.set(t.id, t);
        // Threads are separate conversations: a few at a time. Within one, messages go in order.
        await pool([...threads.values()], this.opts.concurrency ?? 2, async (t) => {
          stats.threads += 1;
          await this.channelMessages(t, after, stats);
        });
        if (dropMark && this.lowWater.get(lowWaterKey) === dropMark) this.lowWater.delete(lowWaterKey);
      } catch (err) {
        stats.failed += 1;
        this.log.error({ workspaceId: guild.id, channelId: parent.id, err: (err as Error).message }, 'backfill of channel failed; the next run retries it');
      }
    });
  }

  /** Archived threads (public, and private where permitted) archived at or after `since`, newest first. */
  private async archivedThreads(parent: GuildBasedChannel, since: Date): Promise<AnyThreadChannel[]> {
    if (!('threads' in parent)) return [];
    const kinds: Array<'public' | 'private'> = parent.type === ChannelType.GuildText ? ['public', 'private'] : ['public'];
    const out: AnyThreadChannel[] = [];
    for (const type of kinds) {
      let before: Date | undefined;
      for (;;) {
        let page;
        try {
          page = await parent.threads.fetchArchived({ type, fetchAll: type === 'private', limit: 100, ...(before ? { before } : {}) }, false);
        } catch (err) {
          if (isPermissionError(err)) {
            this.log.debug({ channelId: parent.id, type }, 'no permission to list archived threads');
            break;
          }
          throw err;
        }
        let oldest: number | null = null;
        let reachedOld = false;
        for (const t of page.threads.values()) {
          const at = t.archiveTimestamp ?? 0;
          oldest = oldest === null ? at : Math.min(oldest, at);
          if (at < since.getTime()) reachedOld = true;
          else out.push(t);
        }
        if (!page.hasMore || reachedOld || oldest === null) break;
        before = new Date(oldest);
      }
    }
    return out;
  }

  private async channelMessages(channel: GuildBasedChannel, after: string, stats: BackfillStats): Promise<void> {
    if (!channel.isTextBased()) return;
    const last = channel.lastMessageId;
    if (last && BigInt(last) <= BigInt(after)) return; // nothing newer than the checkpoint
    const where = await this.reader.channel(channel);
    if (!where) return;
    const pageSize = this.opts.pageSize ?? 100;
    let cursor = after;
    for (;;) {
      const page = await channel.messages.fetch({ after: cursor, limit: pageSize, cache: false });
      stats.pages += 1;
      if (page.size === 0) break;
      const ordered = [...page.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      for (const m of ordered) await this.captureOne(m, where, stats);
      cursor = ordered[ordered.length - 1]!.id;
      if (page.size < pageSize) break;
    }
  }

  private async captureOne(m: Message, where: NonNullable<Awaited<ReturnType<DiscordReader['channel']>>>, stats: BackfillStats): Promise<void> {
    stats.fetched += 1;
    if (m.author?.id === this.client.user?.id) {
      stats.skipped += 1;
      return;
    }
    const mapped = mapNew(await this.reader.message(m, where), 'backfill');
    if (!mapped.ok) {
      stats.skipped += 1;
      return;
    }
    try {
      const outcome = await this.sink.capture(mapped.message);
      stats.statuses[outcome.status] = (stats.statuses[outcome.status] ?? 0) + 1;
      this.onCaptured(mapped.message, outcome.status);
    } catch (err) {
      if (err instanceof CaptureValidationError) {
        stats.rejected += 1;
        return;
      }
      throw err; // storage failure: stop this channel, the next run starts again from its checkpoint
    }
  }
}
