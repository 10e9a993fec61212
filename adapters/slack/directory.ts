// Who is who in a Slack workspace: user profiles (users.info), agents (user groups + configured ids) and
// channels (conversations.list). Per-process caches with a time to live; never a source of truth.
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../src/logger.js';
import type { SlackChannel, SlackUser } from './payloads.js';

export interface SlackProfile {
  userId: string;
  name: string | null;
  email: string | null;
  teamId: string | null;
  enterpriseId: string | null;
  isBot: boolean;
  /** Slack marks users it shares no channel with the viewer's org as strangers. */
  stranger: boolean;
}

export interface DirectoryOptions {
  client: WebClient;
  log: Logger;
  agentUsergroups: string[];
  agentUsers: string[];
  profileTtlMs?: number;
  agentTtlMs?: number;
  channelTtlMs?: number;
  now?: () => number;
}

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

const CHANNEL_TYPES = 'public_channel,private_channel';

export class SlackDirectory {
  private readonly profiles = new Map<string, Cached<SlackProfile>>();
  private agents: Cached<Set<string>> | null = null;
  private channels: Cached<Map<string, SlackChannel>> | null = null;
  private readonly profileTtl: number;
  private readonly agentTtl: number;
  private readonly channelTtl: number;
  private readonly now: () => number;

  constructor(private readonly opts: DirectoryOptions) {
    this.profileTtl = opts.profileTtlMs ?? 60 * 60_000;
    this.agentTtl = opts.agentTtlMs ?? 5 * 60_000;
    this.channelTtl = opts.channelTtlMs ?? 10 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Profile of a user, fetched once per TTL; a failed lookup yields a bare profile (and is retried sooner). */
  profile(userId: string): Promise<SlackProfile> {
    const hit = this.profiles.get(userId);
    if (hit && this.now() - hit.at < this.profileTtl) return hit.value;
    const value = this.fetchProfile(userId);
    this.profiles.set(userId, { at: this.now(), value });
    return value;
  }

  private async fetchProfile(userId: string): Promise<SlackProfile> {
    try {
      const res = await this.opts.client.users.info({ user: userId });
      const u = (res.user ?? {}) as SlackUser;
      const p = u.profile ?? {};
      return {
        userId,
        name: p.display_name || p.real_name || u.real_name || u.name || null,
        email: p.email || null,
        teamId: u.team_id ?? null,
        enterpriseId: u.enterprise_user?.enterprise_id ?? null,
        isBot: u.is_bot === true,
        stranger: u.is_stranger === true,
      };
    } catch (err) {
      this.opts.log.warn({ userId, err: (err as Error).message }, 'users.info failed; capturing without a profile');
      // Keep the bare profile only a minute so the next message tries again.
      this.profiles.set(userId, { at: this.now() - this.profileTtl + 60_000, value: Promise.resolve(bare(userId)) });
      return bare(userId);
    }
  }

  /** The agents' user ids: configured ids plus the members of the configured user groups. */
  agentIds(): Promise<Set<string>> {
    if (this.agents && this.now() - this.agents.at < this.agentTtl) return this.agents.value;
    const previous = this.agents;
    const value = this.fetchAgents().catch((err: Error) => {
      // A failed refresh keeps the last good list; with none, the caller fails (and Slack redelivers).
      this.agents = previous;
      if (previous) {
        this.opts.log.warn({ err: err.message }, 'usergroups.users.list failed; using the previous agent list');
        return previous.value;
      }
      throw err;
    });
    this.agents = { at: this.now(), value };
    return value;
  }

  private async fetchAgents(): Promise<Set<string>> {
    const ids = new Set(this.opts.agentUsers);
    for (const usergroup of this.opts.agentUsergroups) {
      const res = await this.opts.client.usergroups.users.list({ usergroup });
      for (const u of res.users ?? []) ids.add(u);
    }
    return ids;
  }

  async isAgent(userId: string): Promise<boolean> {
    return (await this.agentIds()).has(userId);
  }

  /** Which of these user groups the user is in (usergroups.users.list, uncached: admin checks are rare and must be current). */
  async groupsOf(userId: string, usergroups: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    for (const usergroup of usergroups) {
      const res = await this.opts.client.usergroups.users.list({ usergroup });
      if ((res.users ?? []).includes(userId)) found.push(usergroup);
    }
    return found;
  }

  /** Channels the bot can see (public and private), by id; refreshed after the TTL or on demand. */
  channelMap(refresh = false): Promise<Map<string, SlackChannel>> {
    if (!refresh && this.channels && this.now() - this.channels.at < this.channelTtl) return this.channels.value;
    const value = this.fetchChannels();
    const entry = { at: this.now(), value };
    this.channels = entry;
    value.catch(() => {
      if (this.channels === entry) this.channels = null;
    });
    return value;
  }

  private async fetchChannels(): Promise<Map<string, SlackChannel>> {
    const map = new Map<string, SlackChannel>();
    let cursor: string | undefined;
    do {
      const res = await this.opts.client.conversations.list({ types: CHANNEL_TYPES, exclude_archived: true, limit: 200, ...(cursor ? { cursor } : {}) });
      for (const c of (res.channels ?? []) as SlackChannel[]) if (c.id) map.set(c.id, c);
      cursor = res.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return map;
  }

  /** A channel's name; an unknown channel (created or renamed since) triggers one refresh. */
  async channelName(channelId: string): Promise<string | null> {
    let map = await this.channelMap().catch(() => null);
    if (map && !map.has(channelId) && this.channels && this.now() - this.channels.at > 10_000) {
      map = await this.channelMap(true).catch(() => map);
    }
    return map?.get(channelId)?.name ?? null;
  }

  /** Forgets the agent list (a user group changed); the next lookup fetches it again. */
  invalidateAgents(): void {
    this.agents = null;
  }
}

function bare(userId: string): SlackProfile {
  return { userId, name: null, email: null, teamId: null, enterpriseId: null, isBot: false, stranger: false };
}

/** True for a Slack Connect user of another organisation. */
export function isExternal(profile: SlackProfile, messageTeamId: string | null, workspace: { teamId: string; enterpriseId: string | null }): boolean {
  if (profile.stranger) return true;
  const team = profile.teamId ?? messageTeamId;
  if (team === null || team === workspace.teamId) return false;
  // Enterprise Grid: another workspace of the same organisation is not external.
  if (workspace.enterpriseId !== null && profile.enterpriseId === workspace.enterpriseId) return false;
  return true;
}

/** Whether a channel is a support channel: listed by id or name, or any member channel when none are listed. */
export function isSupportChannel(channelId: string, channelName: string | null, configured: string[]): boolean {
  if (configured.length === 0) return true;
  return configured.some((c) => c === channelId || (channelName !== null && c.replace(/^#/, '').toLowerCase() === channelName.toLowerCase()));
}
