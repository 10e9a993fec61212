// Collections this area owns beside the foundation's. Every read on the request path is by `_id` (the only
// lookup FerretDB 1.x serves from an index; any other filter scans the collection).
import mongoose from 'mongoose';
import type { Collection, Document } from 'mongodb';

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

function collection<T extends Document>(name: string): Collection<T> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('mongodb is not connected');
  return db.collection<T>(name);
}

/** Group documents (`g|…`) and membership documents (`m|…`). */
export const groups = (): Collection<GroupDoc> => collection<GroupDoc>('customer_groups');
export const lookupKeys = (): Collection<KeyDoc> => collection<KeyDoc>('customer_keys');
/** Per customer: the conversations it owns, keyed by conversation (see projection.ts). */
export const customerConversations = (): Collection<Document> => collection('customer_conversations');
/** Sharded per-workspace and per-week sets (unanswered conversations, first replies, negative conversations). */
export const sets = (): Collection<Document> => collection('history_sets');
