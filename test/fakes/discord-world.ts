// The state behind the loopback Discord fake: guilds, channels, threads, members and messages, and the
// payload builders that shape them the way Discord documents (API v10, snake_case, ISO timestamps).
import { ChannelType, MessageType } from 'discord.js';

export const DISCORD_EPOCH = 1_420_070_400_000n;

let increment = 0n;

/** A fresh snowflake for `ms` (default now): timestamp << 22 | increment, as Discord builds them. */
export function snowflake(ms: number = Date.now()): string {
  increment = (increment + 1n) % 4096n;
  return ((BigInt(ms) - DISCORD_EPOCH) << 22n | increment).toString();
}

export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

export interface FakeUser {
  id: string;
  username: string;
  global_name: string | null;
  bot?: boolean;
}

export interface FakeRole {
  id: string;
  name: string;
  permissions: string;
}

export interface FakeChannel {
  id: string;
  type: ChannelType;
  guild_id: string;
  name: string;
  parent_id: string | null;
  position: number;
  last_message_id: string | null;
  /** Threads only. */
  owner_id?: string;
  thread_metadata?: { archived: boolean; archive_timestamp: string; auto_archive_duration: number; locked: boolean };
  message_count?: number;
  member_count?: number;
}

export interface FakeAttachment {
  filename: string;
  content_type?: string;
  size: number;
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  author: FakeUser;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  type: MessageType;
  attachments: Array<FakeAttachment & { id: string; url: string; proxy_url: string }>;
  webhook_id?: string;
  mention_everyone: boolean;
  mention_roles: string[];
  /** Message components (buttons) the bot sent with it. */
  components?: unknown[];
}

export interface FakeGuild {
  id: string;
  name: string;
  owner_id: string;
  roles: FakeRole[];
  /** userId → role ids. */
  members: Map<string, { user: FakeUser; roles: string[]; nick: string | null }>;
}

export class DiscordWorld {
  readonly guilds = new Map<string, FakeGuild>();
  readonly channels = new Map<string, FakeChannel>();
  /** channelId → messages, oldest first. */
  readonly messages = new Map<string, FakeMessage[]>();

  constructor(readonly botUser: FakeUser) {}

  addGuild(id: string, name: string): FakeGuild {
    const guild: FakeGuild = {
      id,
      name,
      owner_id: '100000000000000001',
      roles: [{ id, name: '@everyone', permissions: '1071698660929' }],
      members: new Map(),
    };
    this.guilds.set(id, guild);
    this.addMember(id, this.botUser, []);
    return guild;
  }

  addRole(guildId: string, id: string, name: string): void {
    this.guild(guildId).roles.push({ id, name, permissions: '0' });
  }

  addMember(guildId: string, user: FakeUser, roles: string[], nick: string | null = null): void {
    this.guild(guildId).members.set(user.id, { user, roles, nick });
  }

  addChannel(guildId: string, id: string, name: string, type: ChannelType, parentId: string | null = null): FakeChannel {
    const channel: FakeChannel = { id, type, guild_id: guildId, name, parent_id: parentId, position: this.channels.size, last_message_id: null };
    this.channels.set(id, channel);
    return channel;
  }

  addThread(parentId: string, id: string, name: string, ownerId: string, type = ChannelType.PublicThread): FakeChannel {
    const parent = this.channel(parentId);
    const thread: FakeChannel = {
      id,
      type,
      guild_id: parent.guild_id,
      name,
      parent_id: parentId,
      position: 0,
      last_message_id: null,
      owner_id: ownerId,
      thread_metadata: { archived: false, archive_timestamp: new Date().toISOString(), auto_archive_duration: 1440, locked: false },
      message_count: 0,
      member_count: 1,
    };
    this.channels.set(id, thread);
    return thread;
  }

  guild(id: string): FakeGuild {
    const g = this.guilds.get(id);
    if (!g) throw new Error(`fake: no guild ${id}`);
    return g;
  }

  channel(id: string): FakeChannel {
    const c = this.channels.get(id);
    if (!c) throw new Error(`fake: no channel ${id}`);
    return c;
  }

  isThread(c: FakeChannel): boolean {
    return c.type === ChannelType.PublicThread || c.type === ChannelType.PrivateThread || c.type === ChannelType.AnnouncementThread;
  }

  addMessage(msg: FakeMessage): void {
    const list = this.messages.get(msg.channel_id) ?? [];
    list.push(msg);
    list.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    this.messages.set(msg.channel_id, list);
    const channel = this.channel(msg.channel_id);
    channel.last_message_id = list[list.length - 1]!.id;
    if (channel.message_count !== undefined) channel.message_count += 1;
  }

  findMessage(channelId: string, id: string): FakeMessage | undefined {
    return this.messages.get(channelId)?.find((m) => m.id === id);
  }

  removeMessage(channelId: string, id: string): void {
    const list = this.messages.get(channelId) ?? [];
    this.messages.set(
      channelId,
      list.filter((m) => m.id !== id),
    );
  }

  /** GET /channels/{id}/messages semantics: `after` → the oldest `limit` after it; else the newest; newest first. */
  listMessages(channelId: string, q: { after?: string; before?: string; limit: number }): FakeMessage[] {
    const all = this.messages.get(channelId) ?? [];
    let picked: FakeMessage[];
    if (q.after !== undefined) {
      const after = BigInt(q.after);
      picked = all.filter((m) => BigInt(m.id) > after).slice(0, q.limit);
    } else if (q.before !== undefined) {
      const before = BigInt(q.before);
      picked = all.filter((m) => BigInt(m.id) < before).slice(-q.limit);
    } else {
      picked = all.slice(-q.limit);
    }
    return [...picked].reverse();
  }

  // ---- payloads -------------------------------------------------------------------------------------

  userPayload(u: FakeUser): Record<string, unknown> {
    return { id: u.id, username: u.username, global_name: u.global_name, discriminator: '0', avatar: null, bot: u.bot ?? false, public_flags: 0 };
  }

  memberPayload(guildId: string, userId: string, withUser = true): Record<string, unknown> | null {
    const m = this.guild(guildId).members.get(userId);
    if (!m) return null;
    return {
      ...(withUser ? { user: this.userPayload(m.user) } : {}),
      nick: m.nick,
      roles: m.roles,
      joined_at: '2025-01-01T00:00:00.000Z',
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      avatar: null,
    };
  }

  channelPayload(c: FakeChannel): Record<string, unknown> {
    const base: Record<string, unknown> = {
      id: c.id,
      type: c.type,
      guild_id: c.guild_id,
      name: c.name,
      parent_id: c.parent_id,
      position: c.position,
      last_message_id: c.last_message_id,
      permission_overwrites: [],
      nsfw: false,
      flags: 0,
    };
    if (c.type === ChannelType.GuildForum) Object.assign(base, { available_tags: [], default_reaction_emoji: null, default_sort_order: null, default_forum_layout: 0 });
    if (c.thread_metadata) {
      Object.assign(base, {
        owner_id: c.owner_id,
        thread_metadata: c.thread_metadata,
        message_count: c.message_count,
        member_count: c.member_count,
        total_message_sent: c.message_count,
        rate_limit_per_user: 0,
      });
      delete base.permission_overwrites;
      delete base.position;
    }
    return base;
  }

  /** A message as REST returns it (no guild_id, no member). */
  messagePayload(m: FakeMessage): Record<string, unknown> {
    return {
      id: m.id,
      channel_id: m.channel_id,
      author: this.userPayload(m.author),
      content: m.content,
      timestamp: m.timestamp,
      edited_timestamp: m.edited_timestamp,
      tts: false,
      mention_everyone: m.mention_everyone,
      mentions: [],
      mention_roles: m.mention_roles,
      attachments: m.attachments,
      embeds: [],
      pinned: false,
      type: m.type,
      flags: 0,
      components: [],
      ...(m.webhook_id ? { webhook_id: m.webhook_id } : {}),
    };
  }

  /** A message as the gateway dispatches it (MESSAGE_CREATE / MESSAGE_UPDATE): guild_id and member added. */
  messageDispatch(m: FakeMessage): Record<string, unknown> {
    const channel = this.channel(m.channel_id);
    const member = m.webhook_id ? null : this.memberPayload(channel.guild_id, m.author.id, false);
    return { ...this.messagePayload(m), guild_id: channel.guild_id, ...(member ? { member } : {}) };
  }

  guildCreatePayload(guildId: string): Record<string, unknown> {
    const g = this.guild(guildId);
    const channels = [...this.channels.values()].filter((c) => c.guild_id === guildId);
    return {
      id: g.id,
      name: g.name,
      icon: null,
      owner_id: g.owner_id,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: g.roles.map((r, i) => ({ ...r, color: 0, hoist: false, position: i, managed: false, mentionable: false, flags: 0, icon: null, unicode_emoji: null })),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: '2025-01-01T00:00:00.000Z',
      large: false,
      unavailable: false,
      member_count: g.members.size,
      voice_states: [],
      members: [this.memberPayload(guildId, this.botUser.id)],
      channels: channels.filter((c) => !this.isThread(c)).map((c) => this.channelPayload(c)),
      threads: channels.filter((c) => this.isThread(c) && !c.thread_metadata!.archived).map((c) => this.channelPayload(c)),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }
}
