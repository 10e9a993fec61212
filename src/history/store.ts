// Collections this area owns beside the foundation's. Every read on the request path is by `_id`, in a small
// collection: FerretDB 1.24 (SQLite) serves even an `_id` equality by scanning the collection's table: it
// queries `_ferretdb_sjson->'$._id' = ?` while its `_id` index is on `_ferretdb_sjson->"_id"`, an expression
// SQLite does not treat as the same (`explain` shows `SCAN`). So a lookup costs about the bytes stored in its
// table — seconds in a collection of a few hundred MB. The read models are therefore split
// into PARTITIONS collections by a hash of the document id (`customer_conversations_p017`, …): a lookup
// scans one partition, 1/PARTITIONS of the data. On MongoDB the split costs nothing (an `_id` index each).
import type { Collection, Document } from 'mongodb';
import { declareCollection, declareCollections, namedCollection } from '../db/collections.js';

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

/** Lookup keys: `e|<email>` (global, for lookup and automatic linking) and `n|<scope>|<name prefix>` → customer ids. */
export interface KeyDoc {
  _id: string;
  ids: string[];
}

const collection = namedCollection;

/** How many collections each read model is split into (changing it moves every document: rebuild them). */
export const PARTITIONS = 256;

/** The partition of a document id (FNV-1a, stable across processes and versions). */
export function partitionOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % PARTITIONS;
}

/** The name of the collection holding document `id` of a partitioned read model. */
export function partitionName(base: string, id: string): string {
  return `${base}_p${String(partitionOf(id)).padStart(3, '0')}`;
}

/** The read models split into partitions (for tools that list or drop them). */
export const PARTITIONED = ['customer_conversations', 'history_sets', 'customer_keys', 'history_views', 'history_briefs'] as const;
declareCollections(PARTITIONED.flatMap((base) => Array.from({ length: PARTITIONS }, (_, i) => `${base}_p${String(i).padStart(3, '0')}`)));

/** Group documents (`g|…`) and membership documents (`m|…`). */
export const groups = declareCollection<GroupDoc>('customer_groups');
/** The partition holding lookup key `id`. */
export const lookupKeys = (id: string): Collection<KeyDoc> => collection<KeyDoc>(partitionName('customer_keys', id));
/** The partition holding customer `customerId`'s conversation list: `c`, the conversations it owns keyed by conversation (see projection.ts). */
export const customerConversations = (customerId: string): Collection<Document> => collection(partitionName('customer_conversations', customerId));
/**
 * Small copies read by `_id`, apart from the conversation lists so that reading a candidate or a brief never
 * reads a long list: `v|<customer>` (`v`: the customer record's profile, counters and day buckets) in
 * `history_views`, and `b|<conversation>` (`e`: the conversation's list entry, for the digest's unanswered
 * briefs; `w`: the hour it is filed under as waiting) in `history_briefs`, a family of its own because there are
 * many more conversations than customers and every read scans its partition on FerretDB.
 */
export const views = (id: string): Collection<Document> => collection(partitionName('history_views', id));
export const briefs = (id: string): Collection<Document> => collection(partitionName('history_briefs', id));
export const viewIds = {
  customer: (customerId: string) => `v|${customerId}`,
  brief: (conversationId: string) => `b|${conversationId}`,
};
/** The partition holding set `id` (sharded per-workspace and per-week sets: unanswered, first replies, negative, activity markers). */
export const sets = (id: string): Collection<Document> => collection(partitionName('history_sets', id));
