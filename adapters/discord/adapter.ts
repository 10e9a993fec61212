// The Discord adapter: gateway events → CapturedMessage → capture; backfill on READY and RESUME; slash
// commands; the weekly digest posted into a channel. Per channel, events are handled in arrival order.
import { EventEmitter, once } from 'node:events';
import {
  Events,
  Routes,
  type Client,
  type Message,
  type MessageReaction,
  type PartialMessage,
  type PartialMessageReaction,
  type PartialUser,
  type ReadonlyCollection,
  type Snowflake,
  type User,
} from 'discord.js';
import { resolveConversation, type ResolveOutcome } from '../../src/history/index.js';
import type { CaptureOutcome, CaptureStatus } from '../../src/capture/capture.js';
import type { CapturedMessage } from '../../src/capture/types.js';
import type { DiscordConfig } from '../../src/config.js';
import type { Digest } from '../../src/digest/types.js';
import type { Logger } from '../../src/logger.js';
import type { AdapterContext, PlatformAdapter } from '../../src/platform.js';
import { Backfiller, type BackfillOptions, type BackfillStats } from './backfill.js';
import { CaptureBuffer, type CaptureBufferOptions } from './capture-buffer.js';
import { createDiscordClient } from './client.js';
import { COMMANDS } from './commands.js';
import { DiscordReader, type ResolvedChannel } from './extract.js';
import { CommandHandler, type CommandOutcome } from './interactions.js';
import { DiscordMappingError, mapDelete, mapEdit, mapNew, type MapResult } from './mapper.js';
import { channelInScope, guildInScope, isAgent, type DiscordPolicy } from './policy.js';
import { renderDigest } from './render.js';
import { isSurveyInteraction, renderSurvey, SurveyInteractions } from './survey.js';
import type { SurveyRequest } from '../../src/feedback/types.js';

export interface DiscordAdapterOptions {
  config: DiscordConfig;
  /** Default zone for digests. */
  timeZone: string;
  backfill?: Partial<BackfillOptions>;
  buffer?: CaptureBufferOptions;
  /** How long start() waits for the gateway's READY. */
  readyTimeoutMs?: number;
}

export interface DiscordAdapterEvents {
  /** An event reached capture (live or backfill). */
  captured: [msg: CapturedMessage, status: CaptureStatus];
  /** An event that is not captured (out of scope, system message, own message…). */
  skipped: [info: { messageId: string; reason: string }];
  backfill: [stats: BackfillStats];
  /** A storage failure: the event waits in the retry buffer. */
  buffered: [msg: CapturedMessage, err: Error];
  /** The retry buffer overflowed: the event was dropped (its channel is backfilled from before it). */
  dropped: [msg: CapturedMessage];
  command: [name: string, outcome: CommandOutcome];
  /** An agent's ✅ reaction was handled. */
  resolved: [info: { messageId: string; status: ResolveOutcome['status'] }];
}

/** Reactions an agent adds to mark a conversation resolved. */
export const RESOLVE_EMOJI: ReadonlySet<string> = new Set(['✅', '☑️', '✔️']);

export class DiscordAdapter extends EventEmitter<DiscordAdapterEvents> implements PlatformAdapter {
  readonly platform = 'discord' as const;
  readonly client: Client;
  private readonly policy: DiscordPolicy;
  private readonly log: Logger;
  private readonly reader: DiscordReader;
  private readonly buffer: CaptureBuffer;
  private readonly backfiller: Backfiller;
  private readonly commands: CommandHandler;
  private readonly survey: SurveyInteractions;
  /** channelId → the tail of its event chain (events of one channel are handled in order). */
  private readonly chains = new Map<string, Promise<void>>();
  private started = false;
  private stopping = false;
  private backfillRetry: NodeJS.Timeout | null = null;

  constructor(
    private readonly opts: DiscordAdapterOptions,
    private readonly ctx: AdapterContext,
  ) {
    super();
    const { config } = opts;
    this.log = ctx.log.child({ component: 'discord' });
    this.policy = { guildIds: config.guildIds, supportChannels: config.supportChannels, agentRoles: config.agentRoles, agentUsers: config.agentUsers };
    this.client = createDiscordClient(config);
    this.reader = new DiscordReader(this.client, this.policy, this.log);
    this.buffer = new CaptureBuffer(ctx.capture, this.log.child({ part: 'buffer' }), opts.buffer);
    this.buffer.on('captured', (msg, outcome: CaptureOutcome) => this.emit('captured', msg, outcome.status));
    this.buffer.on('buffered', (msg, err) => this.emit('buffered', msg, err));
    this.buffer.on('dropped', (msg) => {
      this.backfiller.noteDropped(msg);
      this.emit('dropped', msg);
    });
    this.backfiller = new Backfiller(
      this.client,
      this.reader,
      this.policy,
      ctx.capture,
      this.log.child({ part: 'backfill' }),
      { initialDays: opts.backfill?.initialDays ?? 7, marginMs: opts.backfill?.marginMs ?? 60_000, ...(opts.backfill?.pageSize ? { pageSize: opts.backfill.pageSize } : {}) },
      (msg, status) => this.emit('captured', msg, status),
    );
    this.survey = new SurveyInteractions({ log: this.log.child({ part: 'survey' }), queue: ctx.queues });
    this.commands = new CommandHandler(
      {
        policy: this.policy,
        log: this.log.child({ part: 'commands' }),
        timeZone: opts.timeZone,
        survey: ctx.queues,
        privacy: { log: this.log.child({ part: 'privacy' }), admins: { discord: config }, tagQueue: ctx.queues.tag },
      },
      (name, outcome) => this.emit('command', name, outcome),
    );
    if (config.supportChannels.length === 0) this.log.warn('DISCORD_SUPPORT_CHANNELS is empty: no Discord channel is captured');
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.listen();
    const ready = once(this.client, Events.ClientReady, { signal: AbortSignal.timeout(this.opts.readyTimeoutMs ?? 60_000) });
    await this.client.login(this.opts.config.token);
    await ready;
    this.log.info({ guilds: this.client.guilds.cache.size, user: this.client.user?.id }, 'discord connected');
    await this.registerCommands();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.backfillRetry) clearTimeout(this.backfillRetry);
    await Promise.allSettled([...this.chains.values()]);
    await this.client.destroy();
    const left = this.buffer.stop();
    if (left.length > 0) this.log.error({ count: left.length }, 'stopped with events still buffered; the next start backfills them');
  }

  /** Runs a backfill now (also what READY and RESUME trigger). */
  backfill(reason: string): Promise<BackfillStats> {
    return this.backfiller.run(reason).then((stats) => {
      this.emit('backfill', stats);
      if (stats.failed > 0 && !this.stopping && !this.backfillRetry) {
        this.backfillRetry = setTimeout(() => {
          this.backfillRetry = null;
          void this.backfill('retry');
        }, 30_000);
        this.backfillRetry.unref();
      }
      return stats;
    });
  }

  async postDigest(workspaceId: string, channelId: string, digest: Digest): Promise<void> {
    const channel = await this.client.channels.fetch(channelId);
    if (!channel || channel.isDMBased() || !channel.isTextBased() || !('guildId' in channel) || channel.guildId !== workspaceId) {
      throw new Error(`channel ${channelId} is not a text channel of guild ${workspaceId}`);
    }
    await channel.send({ embeds: renderDigest(digest), allowedMentions: { parse: [] } });
    this.log.info({ workspaceId, channelId, week: digest.week }, 'digest posted');
  }

  /** Posts the satisfaction survey in the conversation's thread, or as a reply to its first message. */
  async postSurvey(req: SurveyRequest): Promise<{ messageId: string }> {
    const target = req.threadId ?? req.channelId;
    const channel = await this.client.channels.fetch(target);
    if (!channel || channel.isDMBased() || !channel.isTextBased() || !('guildId' in channel) || channel.guildId !== req.workspaceId) {
      throw new Error(`channel ${target} is not a text channel or thread of guild ${req.workspaceId}`);
    }
    const sent = await channel.send({
      ...renderSurvey(req),
      ...(req.threadId ? {} : { reply: { messageReference: req.rootMessageId, failIfNotExists: false } }),
    });
    this.log.info({ workspaceId: req.workspaceId, channelId: target, surveyId: req.surveyId }, 'discord survey posted');
    return { messageId: sent.id };
  }

  // ---- gateway events ---------------------------------------------------------------------------------

  private listen(): void {
    const c = this.client;
    c.on(Events.Error, (err) => this.log.error({ err: err.message }, 'discord client error'));
    c.on(Events.Warn, (msg) => this.log.warn({ msg }, 'discord client warning'));
    c.on(Events.ShardError, (err, shardId) => this.log.warn({ shardId, err: err.message }, 'gateway connection error'));
    c.on(Events.ShardDisconnect, (ev, shardId) => this.log.error({ shardId, code: ev.code }, 'gateway closed for good'));
    c.on(Events.ShardReconnecting, (shardId) => this.log.warn({ shardId }, 'gateway reconnecting'));
    // READY (first start or a new session after a re-identify) and RESUMED: fetch what may have been missed.
    c.on(Events.ShardReady, (shardId) => {
      this.log.info({ shardId }, 'gateway ready; backfilling');
      void this.backfill('ready');
    });
    c.on(Events.ShardResume, (shardId, replayed) => {
      this.log.info({ shardId, replayed }, 'gateway resumed; backfilling');
      void this.backfill('resume');
    });
    c.on(Events.GuildCreate, (guild) => {
      if (this.client.isReady() && guildInScope(this.policy, guild.id) && !this.opts.config.globalCommands) void this.registerGuildCommands(guild.id);
    });
    c.on(Events.MessageCreate, (m) => this.inChannel(m.channelId, () => this.onCreate(m)));
    c.on(Events.MessageUpdate, (_old, m) => this.inChannel(m.channelId, () => this.onUpdate(m)));
    c.on(Events.MessageDelete, (m) => this.inChannel(m.channelId, () => this.onDelete(m.id, m.channelId, m.guildId)));
    c.on(Events.MessageBulkDelete, (msgs: ReadonlyCollection<Snowflake, Message | PartialMessage>, channel) =>
      this.inChannel(channel.id, async () => {
        for (const id of msgs.keys()) await this.onDelete(id, channel.id, channel.guildId);
      }),
    );
    c.on(Events.MessageReactionAdd, (r, user) => this.inChannel(r.message.channelId, () => this.onReaction(r, user)));
    c.on(Events.InteractionCreate, (i) => void (isSurveyInteraction(i) ? this.survey.handle(i) : this.commands.handle(i)));
  }

  /** Queues a handler behind the channel's earlier events; a failure is logged, never thrown. */
  private inChannel(channelId: string, fn: () => Promise<void>): void {
    const prev = this.chains.get(channelId) ?? Promise.resolve();
    const next = prev.then(fn).catch((err) => this.log.error({ channelId, err: (err as Error).message }, 'discord event handler failed'));
    this.chains.set(channelId, next);
    void next.then(() => {
      if (this.chains.get(channelId) === next) this.chains.delete(channelId);
    });
  }

  private skip(messageId: string, reason: string): void {
    this.log.debug({ messageId, reason }, 'discord message not captured');
    this.emit('skipped', { messageId, reason });
  }

  private async where(channelId: string, guildId: string | null): Promise<ResolvedChannel | null> {
    if (!guildInScope(this.policy, guildId)) return null;
    const where = await this.reader.channel(channelId);
    if (!where || !channelInScope(this.policy, where.chain)) return null;
    return where;
  }

  private async submit(messageId: string, mapped: MapResult): Promise<void> {
    if (!mapped.ok) return this.skip(messageId, mapped.reason);
    await this.buffer.submit(mapped.message);
  }

  private async onCreate(m: Message): Promise<void> {
    if (m.author.id === this.client.user?.id) return this.skip(m.id, 'own message');
    const where = await this.where(m.channelId, m.guildId);
    if (!where) return this.skip(m.id, 'not a support channel');
    await this.guard(m.id, async () => this.submit(m.id, mapNew(await this.reader.message(m, where), 'live')));
  }

  private async onUpdate(m: Message | PartialMessage): Promise<void> {
    const where = await this.where(m.channelId, m.guildId);
    if (!where) return this.skip(m.id, 'not a support channel');
    let msg = m;
    if (msg.partial) {
      try {
        msg = await msg.fetch();
      } catch (err) {
        return this.skip(m.id, `edit of a message that cannot be fetched: ${(err as Error).message}`);
      }
    }
    // Discord also sends MESSAGE_UPDATE when it adds a link preview; only real edits carry edited_timestamp.
    if (!msg.editedAt) return this.skip(m.id, 'update without an edit');
    if (msg.author?.id === this.client.user?.id) return this.skip(m.id, 'own message');
    await this.guard(m.id, async () => this.submit(m.id, mapEdit(await this.reader.message(msg, where))));
  }

  private async onDelete(id: string, channelId: string, guildId: string | null): Promise<void> {
    const where = await this.where(channelId, guildId);
    if (!where) return this.skip(id, 'not a support channel');
    await this.guard(id, () => this.submit(id, mapDelete({ id, guildId: where.guildId, channel: where.facts, deletedAt: new Date() })));
  }

  /** An agent's ✅ on a message resolves its conversation (a thread's or forum post's, or the message's own). */
  private async onReaction(reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void> {
    if (!RESOLVE_EMOJI.has(reaction.emoji.name ?? '') || user.bot) return;
    const msg = reaction.message;
    const where = await this.where(msg.channelId, msg.guildId);
    if (!where) return;
    const guild = this.client.guilds.cache.get(where.guildId);
    if (!guild) return;
    if (!isAgent(this.policy, user.id, await this.reader.roles(guild, user.id, null))) return; // a customer's ✅ is just a reaction
    const ref = where.facts.isThread && where.facts.parentId ? { channelId: where.facts.parentId, threadId: where.facts.id } : { channelId: where.facts.id, threadId: msg.id };
    const out = await resolveConversation({ platform: 'discord', workspaceId: where.guildId }, ref, { log: this.log, by: user.id, survey: this.ctx.queues });
    this.log.info({ workspaceId: where.guildId, channelId: msg.channelId, messageId: msg.id, status: out.status }, 'resolve reaction handled');
    this.emit('resolved', { messageId: msg.id, status: out.status });
  }

  private async guard(messageId: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (err instanceof DiscordMappingError) return this.skip(messageId, err.message);
      throw err;
    }
  }

  // ---- commands ---------------------------------------------------------------------------------------

  private async registerCommands(): Promise<void> {
    const appId = this.opts.config.applicationId;
    if (this.opts.config.globalCommands) {
      try {
        await this.client.rest.put(Routes.applicationCommands(appId), { body: COMMANDS });
        this.log.info({ count: COMMANDS.length }, 'global slash commands registered (may take up to an hour to appear)');
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'could not register global slash commands');
      }
      return;
    }
    const ids = this.policy.guildIds.length > 0 ? this.policy.guildIds : [...this.client.guilds.cache.keys()];
    for (const gid of ids) await this.registerGuildCommands(gid);
  }

  private async registerGuildCommands(guildId: string): Promise<void> {
    try {
      await this.client.rest.put(Routes.applicationGuildCommands(this.opts.config.applicationId, guildId), { body: COMMANDS });
      this.log.info({ workspaceId: guildId, count: COMMANDS.length }, 'guild slash commands registered');
    } catch (err) {
      this.log.error({ workspaceId: guildId, err: (err as Error).message }, 'could not register guild slash commands');
    }
  }
}

export function createDiscordAdapter(config: DiscordConfig, timeZone: string, ctx: AdapterContext): DiscordAdapter {
  return new DiscordAdapter({ config, timeZone }, ctx);
}
