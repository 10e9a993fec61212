// Builds the discord.js client: intents, partials, the REST base URL (DISCORD_API_URL) and caches.
// The gateway URL is whatever GET /gateway/bot answers on that REST API.
import { Client, GatewayIntentBits, Options, Partials } from 'discord.js';
import type { DiscordConfig } from '../../src/config.js';

/**
 * Guilds: guild, channel, thread and role events (and the forum/thread cache).
 * GuildMessages: messageCreate/Update/Delete/DeleteBulk in guild channels and threads.
 * MessageContent (PRIVILEGED): without it `content` and `attachments` arrive empty for other users' messages.
 * GuildMessageReactions: an agent's ✅ reaction resolves the conversation.
 * GuildMembers (privileged) is NOT needed: MESSAGE_CREATE carries the author's member roles and backfill
 * fetches single members (GET /guilds/{id}/members/{user}), which needs no intent.
 */
export const INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.MessageContent,
  GatewayIntentBits.GuildMessageReactions,
] as const;

/** Partials so edits, deletes and reactions of messages (in channels and threads) the client never cached are still delivered. */
export const PARTIALS = [Partials.Message, Partials.Channel, Partials.GuildMember, Partials.User, Partials.ThreadMember, Partials.Reaction] as const;

export function createDiscordClient(config: Pick<DiscordConfig, 'apiUrl'>): Client {
  return new Client({
    intents: [...INTENTS],
    partials: [...PARTIALS],
    rest: { api: config.apiUrl.replace(/\/+$/, '') },
    // Messages are kept in MongoDB, not in memory: a small per-channel cache is enough for edit diffs.
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 50,
      PresenceManager: 0,
      ReactionManager: 0,
      GuildMemberManager: { maxSize: 2_000, keepOverLimit: (m) => m.id === m.client.user.id },
    }),
    // Replies never ping anyone, whatever the text (customer text is escaped as well).
    allowedMentions: { parse: [], repliedUser: false },
    failIfNotExists: false,
  });
}
