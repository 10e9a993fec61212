// Customer lookup and the platform-neutral customer summary (`/history`), for the adapters.
import { naiveCustomerSummary, naiveLookupCustomer } from './naive.js';
import type { CustomerLookup, CustomerQuery, CustomerSummary, Scope } from './types.js';

export type * from './types.js';
export { HistoryInputError } from './scope.js';

/** Finds a customer visible from the scope by platform user id, email or name (best matches first). */
export async function lookupCustomer(scope: Scope, query: CustomerQuery): Promise<CustomerLookup> {
  return naiveLookupCustomer(scope, query);
}

/** The summary of a customer (and every identity linked to it); null when not visible from the scope. */
export async function buildCustomerSummary(
  scope: Scope,
  customerId: string,
  opts: { now?: Date; page?: number; pageSize?: number } = {},
): Promise<CustomerSummary | null> {
  return naiveCustomerSummary(scope, customerId, opts);
}
