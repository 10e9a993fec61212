// Thin I/O around the pure mapper: turns discord.js objects (possibly partial) into MessageFacts,
// resolving channels (fetching uncached ones) and authors' roles (fetching members not in the cache).
import { DiscordAPIError, RESTJSONErrorCodes, type Channel, type Client, type Guild, type Message, type PartialMessage } from 'discord.js';
import type { Logger } from '../../src/logger.js';
import type { AuthorInfo, ChannelFacts, MessageFacts } from './mapper.js';
import { classifyAuthor, type DiscordPolicy } from './policy.js';

export interface ResolvedChannel {
  guildId: string;
  facts: ChannelFacts;
  /** The channel and its ancestors, nearest first (for the support-channel check). */
  chain: string[];
}

const UNKNOWN_MEMBER_TTL_MS = 10 * 60_000;

export class DiscordReader {
  /** userId@guild → when a member lookup said "unknown member" (left the guild). */
  private readonly unknownMembers = new Map<string, number>();

  constructor(
    private readonly client: Client,
    private readonly policy: DiscordPolicy,
    private readonly log: Logger,
  ) {}

  /** The channel's place (guild, parent, category); null for DMs and channels that cannot be resolved. */
  async channel(channelOrId: Channel | string | null | undefined): Promise<ResolvedChannel | null> {
    let ch: Channel | null = typeof channelOrId === 'string' ? (this.client.channels.cache.get(channelOrId) ?? null) : (channelOrId ?? null);
    const id = typeof channelOrId === 'string' ? channelOrId : channelOrId?.id;
    if (!id) return null;
    if (!ch || ch.partial || ch.isDMBased() || (!('guildId' in ch) || !ch.guildId)) {
      if (ch && ch.isDMBased()) return null;
      try {
        ch = await this.client.channels.fetch(id, { force: true });
      } catch (err) {
        this.log.warn({ channelId: id, err: (err as Error).message }, 'could not resolve channel');
        return null;
      }
    }
    if (!ch || ch.isDMBased() || !('guildId' in ch)) return null;
    if (ch.isThread()) {
      let parent = ch.parent;
      if (!parent && ch.parentId) {
        parent = (await this.client.channels.fetch(ch.parentId).catch(() => null)) as typeof parent;
      }
      return {
        guildId: ch.guildId,
        facts: { id: ch.id, isThread: true, parentId: ch.parentId, name: ch.name, parentName: parent?.name ?? null },
        chain: [ch.id, ch.parentId, parent?.parentId ?? null].filter((x): x is string => !!x),
      };
    }
    const name = 'name' in ch ? ch.name : null;
    const parentId = 'parentId' in ch ? ch.parentId : null;
    return { guildId: ch.guildId, facts: { id: ch.id, isThread: false, parentId, name }, chain: [ch.id, parentId].filter((x): x is string => !!x) };
  }

  /** Role ids of a member: from the message's member, the cache, or REST; null when not a member. */
  async roles(guild: Guild, userId: string, fromMessage: { roles: { cache: { keys(): Iterable<string> } } } | null): Promise<string[] | null> {
    if (fromMessage) return [...fromMessage.roles.cache.keys()];
    const cached = guild.members.cache.get(userId);
    if (cached) return [...cached.roles.cache.keys()];
    const key = `${userId}@${guild.id}`;
    const seen = this.unknownMembers.get(key);
    if (seen !== undefined && Date.now() - seen < UNKNOWN_MEMBER_TTL_MS) return null;
    try {
      const member = await guild.members.fetch({ user: userId, cache: true });
      return [...member.roles.cache.keys()];
    } catch (err) {
      if (err instanceof DiscordAPIError && (err.code === RESTJSONErrorCodes.UnknownMember || err.code === RESTJSONErrorCodes.UnknownUser)) {
        this.unknownMembers.set(key, Date.now());
        return null;
      }
      throw err;
    }
  }

  async author(message: Message | PartialMessage, guild: Guild): Promise<AuthorInfo | null> {
    const user = message.author;
    if (!user) return null;
    const webhook = message.webhookId != null;
    const system = message.system === true;
    const bot = user.bot === true;
    const member = message.member ?? null;
    const roles = bot || webhook || system ? [] : await this.roles(guild, user.id, member);
    return {
      id: user.id,
      username: user.username ?? null,
      globalName: user.globalName ?? null,
      nick: member?.nickname ?? guild.members.cache.get(user.id)?.nickname ?? null,
      role: classifyAuthor(this.policy, { userId: user.id, bot, webhook, system, roles }),
    };
  }

  async message(message: Message | PartialMessage, where: ResolvedChannel, withAuthor = true): Promise<MessageFacts> {
    const guild = this.client.guilds.cache.get(where.guildId) ?? (await this.client.guilds.fetch(where.guildId));
    const partial = message.partial;
    return {
      id: message.id,
      guildId: where.guildId,
      channel: where.facts,
      type: message.type ?? 0,
      content: partial ? null : (message.content ?? null),
      createdAt: message.createdAt,
      editedAt: message.editedAt ?? null,
      author: withAuthor ? await this.author(message, guild) : null,
      attachments: partial ? null : [...message.attachments.values()].map((a) => ({ name: a.name ?? null, contentType: a.contentType ?? null, size: a.size ?? null })),
    };
  }
}
