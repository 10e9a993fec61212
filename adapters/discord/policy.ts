// Pure rules: which guilds and channels are captured, and who is an agent, a bot or a customer.
// No discord.js here; callers pass ids.
import type { Role } from '../../src/domain/types.js';

export interface DiscordPolicy {
  /** Guilds served; empty = every guild the bot is in. */
  guildIds: readonly string[];
  /** Support channels, their categories, or forum channels; a thread belongs to its parent's entry. */
  supportChannels: readonly string[];
  agentRoles: readonly string[];
  agentUsers: readonly string[];
}

export function guildInScope(policy: DiscordPolicy, guildId: string | null | undefined): guildId is string {
  if (!guildId) return false;
  return policy.guildIds.length === 0 || policy.guildIds.includes(guildId);
}

/**
 * The channel and its ancestors, nearest first: a thread's chain is [thread, parent, category], a
 * channel's [channel, category]. A chain is captured when any of its ids is configured.
 */
export function channelInScope(policy: DiscordPolicy, chain: ReadonlyArray<string | null | undefined>): boolean {
  return chain.some((id) => id != null && policy.supportChannels.includes(id));
}

export interface AuthorFacts {
  userId: string;
  bot: boolean;
  /** A webhook or system message: never a person. */
  webhook: boolean;
  system: boolean;
  /** Role ids of the author's guild membership; null when unknown (left the guild, not fetched). */
  roles: readonly string[] | null;
}

export function isAgent(policy: DiscordPolicy, userId: string, roles: readonly string[] | null): boolean {
  if (policy.agentUsers.includes(userId)) return true;
  return roles !== null && roles.some((r) => policy.agentRoles.includes(r));
}

export function classifyAuthor(policy: DiscordPolicy, a: AuthorFacts): Role {
  if (a.bot || a.webhook || a.system) return 'bot';
  return isAgent(policy, a.userId, a.roles) ? 'agent' : 'customer';
}
