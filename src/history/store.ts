// Collections this area owns beside the foundation's. Every read on the request path is by `_id`. FerretDB 1.24
// on SQLite serves even an `_id` equality by scanning the collection's table: it queries
// `_ferretdb_sjson->'$._id' = ?` while its `_id` index is on `_ferretdb_sjson->"_id"`, an expression SQLite does
// not treat as the same (`explain` shows `SCAN`), so a lookup costs about the bytes stored in its table. For
// that server the read models can be split into READ_MODEL_PARTITIONS collections by a hash of the document id
// (`customer_conversations_p017`, …), so a lookup scans 1/partitions of the data; elsewhere they stay whole.
import type { Collection, Document } from 'mongodb';
import { declareCollections, namedCollection } from '../db/collections.js';
export { groups, membershipId, type GroupDoc, type MembershipDoc } from '../links/groups.js';

/** Lookup keys: `e|<email>` (global, for lookup and automatic linking) and `n|<scope>|<name prefix>` → customer ids. */
export interface KeyDoc {
  _id: string;
  ids: string[];
}

const collection = namedCollection;

/**
 * How many collections each read model is split into: READ_MODEL_PARTITIONS, set once at start
 * (setReadModelPartitions; 1 = one collection per read model, named without a suffix). Changing it moves every
 * document: `support-history repartition` (layout.ts). 1 suits MongoDB and FerretDB on PostgreSQL (an indexed
 * `_id` read costs the same in any size of collection, and on FerretDB every extra table makes each read
 * slower: 4.4 vs 1.5 ms median for the same 51,200 documents in 256 collections rather than one); 256 suits
 * FerretDB's SQLite backend, where an `_id` read scans its whole collection.
 */
export const MAX_PARTITIONS = 1024;
let partitions = 1;

export function readModelPartitions(): number {
  return partitions;
}

export function setReadModelPartitions(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) throw new RangeError(`read model partitions must be a whole number from 1 to ${MAX_PARTITIONS} (got ${n})`);
  partitions = n;
}

/** The partition of a document id (FNV-1a, stable across processes and versions). */
export function partitionOf(id: string, count = partitions): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % count;
}

const suffixed = (base: string, i: number): string => `${base}_p${String(i).padStart(3, '0')}`;

/** The name of the collection holding document `id` of a partitioned read model. */
export function partitionName(base: string, id: string, count = partitions): string {
  return count === 1 ? base : suffixed(base, partitionOf(id, count));
}

/** Every collection of read model `base` in a layout of `count` partitions. */
export function partitionNames(base: string, count = partitions): string[] {
  return count === 1 ? [base] : Array.from({ length: count }, (_, i) => suffixed(base, i));
}

/** The read models split into partitions (for tools that list, move or drop them). */
export const PARTITIONED = ['customer_conversations', 'history_sets', 'customer_keys', 'history_views', 'history_briefs'] as const;
declareCollections(() => PARTITIONED.flatMap((base) => partitionNames(base)));

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
