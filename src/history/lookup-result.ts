// Turns ranked candidates into found / ambiguous / not-found (pure). Linked identities collapse into one
// customer, represented by the identity of the asking workspace when it has one.
import type { CustomerLookup, CustomerRef, Scope } from './types.js';
import { scopeKey } from './scope.js';

export const MAX_CANDIDATES = 5;

export function lookupResult(
  ranked: Array<{ id: string; score: number; groupId: string | null; ref: CustomerRef }>,
  scope: Scope,
): CustomerLookup {
  const seen = new Map<string, { score: number; ref: CustomerRef; id: string }>();
  const order: string[] = [];
  const own = `${scopeKey(scope)}:`;
  for (const c of ranked) {
    const key = c.groupId ?? c.id;
    const prev = seen.get(key);
    if (!prev) {
      seen.set(key, { score: c.score, ref: c.ref, id: c.id });
      order.push(key);
    } else if (!prev.id.startsWith(own) && c.id.startsWith(own)) {
      seen.set(key, { score: Math.min(prev.score, c.score), ref: c.ref, id: c.id });
    }
  }
  const list = order.map((k) => seen.get(k)!);
  if (list.length === 0) return { kind: 'not-found' };
  if (list.length === 1 || list[0]!.score < list[1]!.score) return { kind: 'found', customer: list[0]!.ref };
  return { kind: 'ambiguous', candidates: list.slice(0, MAX_CANDIDATES).map((c) => c.ref) };
}
