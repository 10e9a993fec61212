// Linked customers, read side: which group (the identities that are one customer) a customer belongs to.
// History, feedback and privacy read groups; src/history/link.ts writes them (under its link lock).
import { declareCollection } from '../db/collections.js';

export interface GroupDoc {
  _id: string;
  /** Customer ids (one per identity) of the linked customer. */
  members: string[];
  /** `platform:workspaceId` of every member: the workspaces that may see it. */
  scopes: string[];
  updatedAt: Date;
}

/** `m|<customerId>`: the group a customer is in, and whether it opted out of automatic linking (after an unlink). */
export interface MembershipDoc {
  _id: string;
  groupId: string | null;
  noAutoLink: boolean;
}

export const membershipId = (customerId: string): string => `m|${customerId}`;

/** Group documents (`g|…`) and membership documents (`m|…`). */
export const groups = declareCollection<GroupDoc>('customer_groups');

/**
 * Reads shared within one request (customerHistory: the lookup's candidate reads and the summary's reads of the
 * same customer run together), keyed by what is read. Never kept beyond the request.
 */
export type ReadMemo = Map<string, Promise<unknown>>;

export function once<T>(memo: ReadMemo | undefined, key: string, read: () => Promise<T>): Promise<T> {
  if (!memo) return read();
  let p = memo.get(key) as Promise<T> | undefined;
  if (!p) memo.set(key, (p = read()));
  return p;
}

/** Which linked customer (group) a customer belongs to; written only under the link lock (see link.ts). */
export function groupOf(id: string, memo?: ReadMemo): Promise<GroupDoc | null> {
  return once(memo, `g|${id}`, () => readGroupOf(id));
}

async function readGroupOf(id: string): Promise<GroupDoc | null> {
  const m = (await groups().findOne({ _id: membershipId(id) })) as unknown as MembershipDoc | null;
  if (!m?.groupId) return null;
  const g = await groups().findOne({ _id: m.groupId });
  return g && g.members.includes(id) ? g : null;
}

