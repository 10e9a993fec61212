// Reads a customer and the other identities it is linked with (all by _id).
import { Customer } from '../db/models.js';
import { groups, type GroupDoc } from './store.js';

export interface RawCustomer {
  _id: string;
  platform: 'slack' | 'discord';
  workspaceId: string;
  identities?: Array<{ key: string; platform: 'slack' | 'discord'; workspaceId: string; userId: string; name?: string | null; email?: string | null }>;
  name?: string | null;
  nameKey?: string | null;
  email?: string | null;
  company?: string | null;
  external?: boolean;
  firstContactAt?: Date | null;
  lastContactAt?: Date | null;
  counts?: { conversations?: number; messages?: number };
  needs?: Record<string, number>;
  sentiment?: { sum?: number; count?: number };
  /** Customer messages per channel, keyed `c_<channelId>`. */
  channels?: Record<string, number>;
  /** Customer messages per UTC day, keyed `d_YYYYMMDD`: { m, ss, sc, n: { need: count } }. */
  days?: Record<string, { m?: number; ss?: number; sc?: number; n?: Record<string, number> }>;
  groupId?: string | null;
}

export async function readCustomer(id: string): Promise<RawCustomer | null> {
  return (await Customer.collection.findOne({ _id: id as never })) as RawCustomer | null;
}

/** The customer and every identity linked to it (itself first), with the scopes that may see them. */
export async function readMembers(id: string): Promise<{ members: RawCustomer[]; group: GroupDoc | null } | null> {
  const c = await readCustomer(id);
  if (!c) return null;
  if (!c.groupId) return { members: [c], group: null };
  const group = await groups().findOne({ _id: c.groupId });
  if (!group) return { members: [c], group: null };
  const others = await Promise.all(group.members.filter((m) => m !== c._id).map((m) => readCustomer(m)));
  return { members: [c, ...others.filter((o): o is RawCustomer => o !== null && o.groupId === group._id)], group };
}
