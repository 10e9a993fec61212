// Conditional writes to one document, keyed by `_id`, that stay `_id` lookups on FerretDB.
//
// FerretDB 1.24 (SQLite backend) pushes a filter down to SQL only when it is exactly `{ _id: <string> }`;
// `{ _id, rev: 3 }` or `{ _id, ops: { $ne: op } }` reads and decodes every document of the collection
// (internal/backends/sqlite/collection.go: `params.Filter.Len() == 1`). Measured here: 270 ms per tag-job
// write on a messages collection of a few hundred documents, growing with the collection. Against FerretDB
// every shared-document write already runs under a per-document lock (doc-lock.ts), so the condition can be
// checked on the document read by `_id` and the update sent by `_id` alone: nothing else writes in between.
// Against MongoDB (no locks, real indexes) the filter goes to the server unchanged, where it is atomic.
import type { Collection, Document, Filter, UpdateFilter } from 'mongodb';
import { docLock } from './doc-lock.js';

type Plain = Record<string, unknown>;

/** Splits `{ _id: <string>, …rest }`; null when the filter is not of that shape. */
function splitIdFilter(filter: Plain): { id: string; rest: Plain } | null {
  if (typeof filter._id !== 'string') return null;
  const { _id, ...rest } = filter;
  return { id: _id, rest };
}

function valueAt(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Plain)[part];
  }
  return cur;
}

function scalarEquals(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a === null || a === undefined) return b === null || b === undefined;
  return a === b;
}

/** MongoDB equality: null matches missing; an array matches when one of its elements is equal. */
function equals(actual: unknown, expected: unknown): boolean | undefined {
  if (expected !== null && typeof expected === 'object' && !(expected instanceof Date)) return undefined;
  if (Array.isArray(actual)) return actual.some((e) => scalarEquals(e, expected));
  return scalarEquals(actual, expected);
}

function compare(actual: unknown, expected: unknown): number | undefined {
  if (actual instanceof Date && expected instanceof Date) return actual.getTime() - expected.getTime();
  if (typeof actual === 'number' && typeof expected === 'number') return actual - expected;
  if (typeof actual === 'string' && typeof expected === 'string') return actual < expected ? -1 : actual > expected ? 1 : 0;
  return undefined;
}

/**
 * Whether a document matches a filter, for the operators the write paths use (equality, `$ne`, `$exists`,
 * `$lt`/`$lte`/`$gt`/`$gte`, `$or`, `$and`, dotted paths). Undefined: an operator it does not know (or
 * comparing values of different types), and the caller lets the server decide.
 */
export function matchesFilter(doc: Plain | null, filter: Plain): boolean | undefined {
  if (doc === null) return false;
  for (const [key, cond] of Object.entries(filter)) {
    let ok: boolean | undefined;
    if (key === '$or' || key === '$and') {
      if (!Array.isArray(cond)) return undefined;
      const parts = cond.map((c) => matchesFilter(doc, c as Plain));
      if (parts.includes(undefined)) return undefined;
      ok = key === '$or' ? parts.includes(true) : parts.every(Boolean);
    } else if (key.startsWith('$')) {
      return undefined;
    } else {
      const actual = valueAt(doc, key);
      if (cond !== null && typeof cond === 'object' && !(cond instanceof Date) && !Array.isArray(cond)) {
        ok = true;
        for (const [op, v] of Object.entries(cond as Plain)) {
          let r: boolean | undefined;
          if (op === '$ne') r = equals(actual, v) === undefined ? undefined : !equals(actual, v);
          else if (op === '$eq') r = equals(actual, v);
          else if (op === '$exists') r = typeof v === 'boolean' ? (actual !== undefined) === v : undefined;
          else if (op === '$lt' || op === '$lte' || op === '$gt' || op === '$gte') {
            if (actual === undefined || actual === null) r = false;
            else {
              const c = compare(actual, v);
              r = c === undefined ? undefined : op === '$lt' ? c < 0 : op === '$lte' ? c <= 0 : op === '$gt' ? c > 0 : c >= 0;
            }
          } else r = undefined;
          if (r === undefined) return undefined;
          ok = ok && r;
        }
      } else {
        ok = equals(actual, cond);
      }
    }
    if (ok === undefined) return undefined;
    if (!ok) return false;
  }
  return true;
}

/** Whether conditional writes are checked here rather than by the server (connected to FerretDB). */
function checkHere(): boolean {
  return docLock().enabled;
}

class DuplicateKeyError extends Error {
  readonly code = 11000;
  constructor(id: string) {
    super(`E11000 duplicate key error: _id ${id} exists and does not match the filter`);
  }
}

export interface ByIdUpdateResult {
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
}

/**
 * `collection.updateOne(filter, update, { upsert })` for a filter `{ _id, …conditions }`. Call it under the
 * document's lock (withDocLock) when connected to FerretDB. With `upsert`, an existing document that does not
 * match throws a duplicate-key error (code 11000), as MongoDB does.
 */
export async function updateOneById<T extends Document>(
  collection: Collection<T>,
  filter: Filter<T> | Plain,
  update: UpdateFilter<T> | Plain,
  opts: { upsert?: boolean } = {},
): Promise<ByIdUpdateResult> {
  const split = checkHere() ? splitIdFilter(filter as Plain) : null;
  if (split && Object.keys(split.rest).length > 0) {
    const doc = (await collection.findOne({ _id: split.id } as Filter<T>)) as Plain | null;
    const m = matchesFilter(doc, split.rest);
    if (m !== undefined) {
      if (!m) {
        if (doc !== null && opts.upsert) throw new DuplicateKeyError(split.id);
        if (doc !== null || !opts.upsert) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
        // Missing and upserting: the server inserts (with the filter's equality fields), as before.
      } else {
        const res = await collection.updateOne({ _id: split.id } as Filter<T>, update as UpdateFilter<T>);
        return { matchedCount: res.matchedCount, modifiedCount: res.modifiedCount, upsertedCount: 0 };
      }
    }
  }
  const res = await collection.updateOne(filter as Filter<T>, update as UpdateFilter<T>, opts);
  return { matchedCount: res.matchedCount, modifiedCount: res.modifiedCount, upsertedCount: res.upsertedCount };
}

/** `collection.findOneAndUpdate(filter, update, { returnDocument: 'after' })` for a filter `{ _id, …conditions }` (no upsert). */
export async function findOneAndUpdateById<T extends Document>(
  collection: Collection<T>,
  filter: Filter<T> | Plain,
  update: UpdateFilter<T> | Plain,
): Promise<T | null> {
  const split = checkHere() ? splitIdFilter(filter as Plain) : null;
  if (split && Object.keys(split.rest).length > 0) {
    const doc = (await collection.findOne({ _id: split.id } as Filter<T>)) as Plain | null;
    const m = matchesFilter(doc, split.rest);
    if (m === false) return null;
    if (m === true) return (await collection.findOneAndUpdate({ _id: split.id } as Filter<T>, update as UpdateFilter<T>, { returnDocument: 'after' })) as T | null;
  }
  return (await collection.findOneAndUpdate(filter as Filter<T>, update as UpdateFilter<T>, { returnDocument: 'after' })) as T | null;
}
