// Customer lookup, the platform-neutral customer summary (`/history`), identity links and conversation
// status, for the adapters. Reads go through counters and projections kept at write time (fast.ts); the
// scan-based versions (naive.ts) stay as the benchmark's baseline and the tests' oracle.
import type { Logger } from '../logger.js';
import { fastCustomerHistory, fastCustomerSummary, fastLookupCustomer } from './fast.js';
import { autoLinkByEmail } from './link.js';
import { createProjector } from './projection.js';
import type { CustomerLookup, CustomerQuery, CustomerSummary, Scope } from './types.js';

export type * from './types.js';
export { HistoryInputError } from './scope.js';
export { linkCustomers, unlinkIdentity, LinkError, type LinkResult } from './link.js';
export { resolveConversation, resolveQuietConversations, type ConversationRef, type ResolveOutcome } from './resolve.js';

/** Finds a customer visible from the scope by platform user id, email or name (best matches first). */
export async function lookupCustomer(scope: Scope, query: CustomerQuery): Promise<CustomerLookup> {
  return fastLookupCustomer(scope, query);
}

/** The summary of a customer (and every identity linked to it); null when not visible from the scope. */
export async function buildCustomerSummary(
  scope: Scope,
  customerId: string,
  opts: { now?: Date; page?: number; pageSize?: number } = {},
): Promise<CustomerSummary | null> {
  return fastCustomerSummary(scope, customerId, opts);
}

/**
 * What `/history <query>` shows: the lookup and, when it found one customer, that customer's summary (null when
 * it is not visible from the scope). Faster than lookupCustomer then buildCustomerSummary: the likely answer's
 * summary is read alongside the candidates.
 */
export async function customerHistory(
  scope: Scope,
  query: CustomerQuery,
  opts: { now?: Date; page?: number; pageSize?: number } = {},
): Promise<{ lookup: CustomerLookup; summary: CustomerSummary | null }> {
  return fastCustomerHistory(scope, query, opts);
}

/** The tag job's after-count hook that keeps what the functions above read (wired in jobs/worker.ts). */
export function historyProjector(log: Logger) {
  return createProjector({ log, autoLink: async (id, others) => void (await autoLinkByEmail(id, others, log)) });
}
