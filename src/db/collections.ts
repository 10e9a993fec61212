// Collections written through the driver rather than a mongoose model, declared once by the module that owns
// them, so that a process can create every one of them at start (ensureCollections) instead of on first write.
import mongoose from 'mongoose';
import type { Collection, Document } from 'mongodb';
import type { Logger } from '../logger.js';
import { serverInfo } from './connection.js';

const declared = new Set<string>();
/** Lists computed when asked (the read models' partitions depend on a setting read at start). */
const providers: Array<() => Iterable<string>> = [];

/** Declares collection `name` (see ensureCollections) and returns a getter for it on the current connection. */
export function declareCollection<T extends Document>(name: string): () => Collection<T> {
  declared.add(name);
  return () => namedCollection<T>(name);
}

/** Declares the collections a function lists when asked (partitioned read models, reached by name). */
export function declareCollections(list: () => Iterable<string>): void {
  providers.push(list);
}

export function namedCollection<T extends Document>(name: string): Collection<T> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('mongodb is not connected');
  return db.collection<T>(name);
}

/** Every collection declared by the modules this process has loaded, sorted. */
export function declaredCollections(): string[] {
  return [...new Set([...declared, ...providers.flatMap((p) => [...p()])])].sort();
}

/**
 * On FerretDB, creates the declared collections that do not exist yet; returns how many it created. MongoDB
 * creates a collection atomically on first write, so nothing is done there.
 *
 * Why: FerretDB 1.24 on PostgreSQL creates a collection in two statements that are not one transaction (the
 * table, then its metadata row; internal/backends/postgresql/metadata/registry.go, collectionCreate). If the
 * server dies between them, the table is left without metadata and every later write to that collection fails
 * with `relation "…" already exists` until someone drops the table by hand. Creating the collections at start,
 * before any event is taken, keeps that window out of the running service (the fault test that kills the
 * server mid-stream hit it). A first start creates about 20 collections (with READ_MODEL_PARTITIONS=256, about
 * 1,300: ≈9–12 s on FerretDB here), once.
 */
export async function ensureCollections(log: Logger, names: readonly string[] = declaredCollections()): Promise<number> {
  if ((await serverInfo()).ferretdb === null) return 0;
  const db = mongoose.connection.db;
  if (!db) throw new Error('mongodb is not connected');
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  const missing = names.filter((n) => !existing.has(n));
  if (missing.length === 0) return 0;
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < missing.length) {
        const name = missing[next++]!;
        try {
          await db.createCollection(name);
        } catch (err) {
          // Another process created it meanwhile (code 48, NamespaceExists): that is the goal.
          if ((err as { code?: number }).code !== 48) throw err;
        }
      }
    }),
  );
  log.info({ created: missing.length, ms: Date.now() - started }, 'collections created');
  return missing.length;
}
