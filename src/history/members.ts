// Reads a customer and the other identities it is linked with (all by _id).
import { Customer } from '../db/models.js';
import { groupOf, once, type GroupDoc, type ReadMemo } from '../links/groups.js';
import { customerConversations, viewIds, views } from './store.js';

export { groupOf, type ReadMemo };

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
}

export async function readCustomer(id: string): Promise<RawCustomer | null> {
  return (await Customer.collection.findOne({ _id: id as never })) as RawCustomer | null;
}

/** The customer and every identity linked to it (itself first), with the scopes that may see them. */
export async function readMembers(id: string): Promise<{ members: RawCustomer[]; group: GroupDoc | null } | null> {
  const [c, group] = await Promise.all([readCustomer(id), groupOf(id)]);
  if (!c) return null;
  if (!group) return { members: [c], group: null };
  const others = await Promise.all(group.members.filter((m) => m !== c._id).map((m) => readCustomer(m)));
  return { members: [c, ...others.filter((o): o is RawCustomer => o !== null)], group };
}

/** A customer's view (see store.ts): its record's copy and the conversations it owns, by conversation key. */
export interface CustomerView {
  customer: RawCustomer;
  conversations: Record<string, unknown>;
}

/** Reads a customer's view: its record's copy and (unless `withConversations: false`) its conversation list, in parallel. */
export async function readView(id: string, opts: { withConversations?: boolean } = {}, memo?: ReadMemo): Promise<CustomerView | null> {
  const vid = viewIds.customer(id);
  const [v, list] = await Promise.all([
    once(memo, vid, () => views(vid).findOne({ _id: vid as never })),
    opts.withConversations === false ? null : customerConversations(id).findOne({ _id: id as never }),
  ]);
  if (!v?.v) {
    // No view yet: the tag job's hook writes it, so a customer who has just written is only in the record
    // capture stored (one more read, on a miss only; on FerretDB it scans the customers).
    const c = await readCustomer(id);
    return c ? { customer: c, conversations: (list?.c ?? {}) as Record<string, unknown> } : null;
  }
  return { customer: { ...(v.v as Omit<RawCustomer, '_id'>), _id: id }, conversations: (list?.c ?? {}) as Record<string, unknown> };
}

/** The customer's view and those of every identity linked to it (itself first), with the scopes that may see them. */
export async function readMemberViews(id: string, memo?: ReadMemo): Promise<{ members: CustomerView[]; group: GroupDoc | null } | null> {
  const [v, group] = await Promise.all([readView(id, {}, memo), groupOf(id, memo)]);
  if (!v) return null;
  if (!group) return { members: [v], group: null };
  const others = await Promise.all(group.members.filter((m) => m !== id).map((m) => readView(m, {}, memo)));
  return { members: [v, ...others.filter((o): o is CustomerView => o !== null)], group };
}
