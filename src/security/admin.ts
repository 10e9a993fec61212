// Who may erase customer data. `forget` deletes a customer for good, so from a chat platform only agents
// who are configured admins may run it (SLACK_ADMIN_USERS / SLACK_ADMIN_USERGROUPS, DISCORD_ADMIN_ROLES /
// DISCORD_ADMIN_USERS); with none configured nobody may, and operators use the CLI. Pure checks plus a
// wrapper the adapters put around the forget function, which also writes the audit line.
import type { Config } from '../config.js';
import type { Platform } from '../domain/types.js';
import type { Logger } from '../logger.js';

export interface Actor {
  platform: Platform;
  workspaceId: string;
  userId: string;
  /** Discord role ids of the member. */
  roles?: string[];
  /** Slack user group ids the user belongs to. */
  usergroups?: string[];
}

export class NotAdminError extends Error {
  readonly code = 'sh_not_admin';
  constructor(readonly actor: Actor) {
    super('only support admins may erase customer data');
  }
}

export function isAdmin(actor: Actor, config: Pick<Config, 'slack' | 'discord'>): boolean {
  if (typeof actor.userId !== 'string' || actor.userId === '') return false;
  if (actor.platform === 'slack') {
    const s = config.slack;
    if (!s) return false;
    return (s.adminUsers ?? []).includes(actor.userId) || (actor.usergroups ?? []).some((g) => (s.adminUsergroups ?? []).includes(g));
  }
  const d = config.discord;
  if (!d) return false;
  return (d.adminUsers ?? []).includes(actor.userId) || (actor.roles ?? []).some((r) => (d.adminRoles ?? []).includes(r));
}

/** Runs `erase` only for an admin; refusals and erasures are both logged (who, which customer). */
export async function asAdmin<T>(actor: Actor, customerId: string, config: Pick<Config, 'slack' | 'discord'>, log: Logger, erase: () => Promise<T>): Promise<T> {
  const who = { platform: actor.platform, workspaceId: actor.workspaceId, userId: actor.userId, customerId };
  if (!isAdmin(actor, config)) {
    log.warn(who, 'forget refused: not an admin');
    throw new NotAdminError(actor);
  }
  const result = await erase();
  log.info(who, 'customer data erased by admin');
  return result;
}
