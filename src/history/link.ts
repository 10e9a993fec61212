// Linking identities (Slack, Discord, several workspaces) into one customer, and undoing it.
//
// Each identity keeps its own customer document and its own counters; a link only records a group
// (`customer_groups`: `g|…` with the members and the workspaces that may see them, `m|<customerId>` per member).
// Summaries add the members' counters up when they are read, so linking moves no counter and unlinking
// gives every identity back exactly what it had: nothing can be counted twice or lost.
// Every group write happens under one lock (`customer_groups:link`), the only non-message lock held.
import { withDocLock } from '../db/doc-lock.js';
import type { Logger } from '../logger.js';
import { groupOf, readCustomer } from './members.js';
import { scopeKey, validateScope, visibleIn } from './scope.js';
import { groups, membershipId, type GroupDoc, type MembershipDoc } from './store.js';
import type { Scope } from './types.js';

export class LinkError extends Error {
  readonly code = 'sh_link_invalid';
}

export interface LinkResult {
  groupId: string;
  members: string[];
  scopes: string[];
}

const groupId = (members: string[]): string => `g|${[...members].sort()[0]}`;

function underLinkLock<T>(fn: () => Promise<T>): Promise<T> {
  return withDocLock('customer_groups', 'link', fn);
}

async function membership(id: string): Promise<MembershipDoc | null> {
  return (await groups().findOne({ _id: membershipId(id) })) as unknown as MembershipDoc | null;
}

async function setMembership(id: string, gid: string | null, noAutoLink?: boolean): Promise<void> {
  const set: Record<string, unknown> = { groupId: gid };
  if (noAutoLink !== undefined) set.noAutoLink = noAutoLink;
  await groups().updateOne({ _id: membershipId(id) }, { $set: set, $setOnInsert: noAutoLink === undefined ? { noAutoLink: false } : {} }, { upsert: true });
}

/** Merges the customers (and whatever they are linked with already) into one group. Call under the link lock. */
async function merge(ids: string[], log: Logger | undefined, why: string): Promise<LinkResult> {
  const all = new Set(ids);
  const oldGroups = new Set<string>();
  for (const id of ids) {
    const g = await groupOf(id);
    if (g) {
      oldGroups.add(g._id);
      for (const m of g.members) all.add(m);
    }
  }
  const members = [...all].sort();
  const docs = await Promise.all(members.map((m) => readCustomer(m)));
  const scopes = [...new Set(docs.filter((d) => d !== null).map((d) => scopeKey(d!)))].sort();
  const gid = groupId(members);
  await groups().updateOne({ _id: gid }, { $set: { members, scopes, updatedAt: new Date() } }, { upsert: true });
  for (const m of members) await setMembership(m, gid);
  for (const old of oldGroups) if (old !== gid) await groups().deleteOne({ _id: old });
  log?.info({ groupId: gid, members: members.length, scopes, why }, 'customers linked');
  return { groupId: gid, members, scopes };
}

/**
 * Links customers into one (the `/customer link` command). The first must be visible from the scope; the
 * others too, unless `crossWorkspace` is set (an install whose workspaces all belong to one organisation
 * links a Slack member with a Discord member by their full ids, `platform:workspace:user`).
 */
export async function linkCustomers(
  scope: Scope,
  customerIds: string[],
  opts: { crossWorkspace?: boolean; log?: Logger; by?: string } = {},
): Promise<LinkResult> {
  scope = validateScope(scope);
  if (!Array.isArray(customerIds) || customerIds.some((id) => typeof id !== 'string' || id.length > 200)) throw new LinkError('customer ids must be strings');
  const ids = [...new Set(customerIds)];
  if (ids.length < 2) throw new LinkError('linking needs two different customers');
  for (const [i, id] of ids.entries()) {
    const c = await readCustomer(id);
    if (!c) throw new LinkError(`no customer ${id}`);
    if (i === 0 || !opts.crossWorkspace) {
      const g = await groupOf(id);
      if (!visibleIn(scope, c, g?.scopes ?? null)) throw new LinkError(`customer ${id} is not visible from this workspace`);
    }
  }
  return underLinkLock(async () => {
    // Linking by hand overrides an earlier unlink.
    for (const id of ids) await groups().updateOne({ _id: membershipId(id) }, { $set: { noAutoLink: false } });
    return merge(ids, opts.log, `by ${opts.by ?? 'agent'}`);
  });
}

/** Links a customer with the others sharing its email (called by the projector; skips customers that were unlinked). */
export async function autoLinkByEmail(customerId: string, sameEmail: string[], log?: Logger): Promise<LinkResult | null> {
  return underLinkLock(async () => {
    const self = await membership(customerId);
    if (self?.noAutoLink) return null;
    const g = await groupOf(customerId);
    const others: string[] = [];
    for (const o of sameEmail) {
      if (g?.members.includes(o)) continue;
      if ((await membership(o))?.noAutoLink) continue;
      others.push(o);
    }
    if (others.length === 0) return null;
    return merge([customerId, ...others], log, 'same email');
  });
}

/** Takes one identity out of its linked customer (the `/customer unlink` command); it is not linked again automatically. */
export async function unlinkIdentity(scope: Scope, customerId: string, opts: { log?: Logger; by?: string } = {}): Promise<{ groupId: string | null; remaining: string[] }> {
  scope = validateScope(scope);
  if (typeof customerId !== 'string') throw new LinkError('customer id must be a string');
  const c = await readCustomer(customerId);
  if (!c) throw new LinkError(`no customer ${customerId}`);
  return underLinkLock(async () => {
    const g: GroupDoc | null = await groupOf(customerId);
    if (!visibleIn(scope, c, g?.scopes ?? null)) throw new LinkError(`customer ${customerId} is not visible from this workspace`);
    await setMembership(customerId, null, true);
    if (!g) return { groupId: null, remaining: [] };
    const remaining = g.members.filter((m) => m !== customerId);
    if (remaining.length < 2) {
      for (const m of remaining) await setMembership(m, null);
      await groups().deleteOne({ _id: g._id });
      opts.log?.info({ groupId: g._id, customerId, by: opts.by }, 'identity unlinked; group dissolved');
      return { groupId: null, remaining };
    }
    const docs = await Promise.all(remaining.map((m) => readCustomer(m)));
    const scopes = [...new Set(docs.filter((d) => d !== null).map((d) => scopeKey(d!)))].sort();
    await groups().updateOne({ _id: g._id }, { $set: { members: remaining, scopes, updatedAt: new Date() } });
    opts.log?.info({ groupId: g._id, customerId, by: opts.by }, 'identity unlinked');
    return { groupId: g._id, remaining };
  });
}

/**
 * Removes a customer that is being forgotten from its linked group and deletes its membership record. The
 * others stay linked (a group left with one member is dissolved); a group named after the forgotten
 * customer (`g|<its id>`) is re-created under the name of its remaining members, so no record names it.
 */
export async function forgetGroupMember(customerId: string, log?: Logger): Promise<void> {
  await underLinkLock(async () => {
    const g: GroupDoc | null = await groupOf(customerId);
    await groups().deleteOne({ _id: membershipId(customerId) });
    if (!g) return;
    const remaining = g.members.filter((m) => m !== customerId);
    if (remaining.length < 2) {
      for (const m of remaining) await setMembership(m, null);
      await groups().deleteOne({ _id: g._id });
      log?.info({ groupId: g._id }, 'forgotten customer left its group; group dissolved');
      return;
    }
    const docs = await Promise.all(remaining.map((m) => readCustomer(m)));
    const scopes = [...new Set(docs.filter((d) => d !== null).map((d) => scopeKey(d!)))].sort();
    const gid = groupId(remaining);
    await groups().updateOne({ _id: gid }, { $set: { members: remaining, scopes, updatedAt: new Date() } }, { upsert: true });
    for (const m of remaining) await setMembership(m, gid);
    if (gid !== g._id) await groups().deleteOne({ _id: g._id });
    log?.info({ groupId: gid, members: remaining.length }, 'forgotten customer left its group');
  });
}
