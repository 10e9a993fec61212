// The MongoDB connection (any MongoDB 6/7 or FerretDB URL) and index creation.
import mongoose from 'mongoose';
import { redactUrl } from '../config.js';
import { ServiceUnreachableError } from '../errors.js';
import type { Logger } from '../logger.js';
import { reachability } from '../reachability.js';
import { ALL_MODELS } from './models.js';

export interface ConnectOptions {
  /** Overrides the database named in the URL (tests give each file its own). */
  dbName?: string;
  serverSelectionTimeoutMS?: number;
}

/**
 * Connections the driver keeps to the server, unless MONGO_URL sets `maxPoolSize` itself. The driver's own
 * default (100) lets one process put 100 commands in flight at once; a FerretDB 1.24 on PostgreSQL opens at
 * most 50 PostgreSQL connections and, past about 50 commands in flight, stops answering altogether (measured:
 * 48 concurrent updates complete, 60 hang for good; docs/write-path.md). 20 is ample for a bot's 16 captures or
 * a worker's jobs, on MongoDB too.
 */
export const DEFAULT_POOL_SIZE = 20;

/** The pool size for a URL: the URL's own `maxPoolSize` when it names one, else DEFAULT_POOL_SIZE. */
export function poolSizeFor(url: string): number | undefined {
  return /[?&]maxPoolSize=/i.test(url) ? undefined : DEFAULT_POOL_SIZE;
}

/**
 * Connects mongoose. A server that does not answer within `serverSelectionTimeoutMS` (10 s unless given) is a
 * ServiceUnreachableError naming MONGO_URL; later outages are logged once each way (src/reachability.ts) while
 * the driver reconnects by itself.
 */
export async function connectMongo(url: string, log: Logger, opts: ConnectOptions = {}): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  // Queries never wait in mongoose's buffer forever: a down server surfaces as an error the caller handles.
  mongoose.set('bufferTimeoutMS', 10_000);
  const conn = mongoose.connection;
  try {
    await mongoose.connect(url, {
      ...(opts.dbName ? { dbName: opts.dbName } : {}),
      serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 10_000,
      ...(poolSizeFor(url) !== undefined ? { maxPoolSize: poolSizeFor(url) } : {}),
      autoIndex: false,
    });
  } catch (err) {
    closing = true;
    await mongoose.disconnect().catch(() => undefined);
    throw new ServiceUnreachableError('MongoDB', redactUrl(url), 'MONGO_URL', mongoReason(err as Error), { cause: err });
  }
  closing = false;
  const reach = reachability('MongoDB', url, log);
  conn.on('disconnected', () => {
    if (!closing) reach.down(new Error('connection lost'));
  });
  conn.on('reconnected', () => reach.up());
  log.info({ url: redactUrl(url), db: conn.db?.databaseName }, 'mongodb connected');
  return mongoose;
}

/** The first line of a connection failure, without the driver's topology dump. */
function mongoReason(err: Error): string {
  const line = (err.message.split('\n')[0] ?? '').trim();
  if (/Server selection timed out/i.test(line)) return `no answer within ${line.match(/after (\d+) ms/)?.[1] ?? '?'} ms`;
  return line || err.name;
}

/**
 * Unique indexes whose fields are exactly what the collection's `_id` is built from (src/capture/keys.ts:
 * every writer of a message uses `messageKey(platform, workspaceId, channelId, messageId)` as its `_id`), so
 * the `_id` index already enforces the same uniqueness. FerretDB does not need them (see ensureIndexes).
 */
export const IMPLIED_BY_ID: Record<string, string[]> = {
  messages: [JSON.stringify({ platform: 1, workspaceId: 1, channelId: 1, messageId: 1 })],
};

/** Whether ensureIndexes keeps this index of this collection on FerretDB. */
export function keptOnFerretdb(collection: string, keys: unknown, options: { unique?: boolean } | undefined): boolean {
  return options?.unique === true && !(IMPLIED_BY_ID[collection] ?? []).includes(JSON.stringify(keys));
}

/**
 * Creates every model's indexes; safe to run on each start. On FerretDB only the unique indexes are kept:
 * its SQLite backend answers every query by scanning the collection (explain shows `SCAN` and no pushdown
 * for a filter or sort on an indexed field), so a non-unique index is never read there and only slows each
 * insert and update (a bulk import of 20,000 messages ran 1.8× faster without them, same run). Non-unique
 * indexes an earlier version created are dropped. A unique index that only repeats what `_id` enforces
 * (IMPLIED_BY_ID) is left out (and dropped) too: each insert would pay SQLite a JSON lookup per indexed
 * field for nothing (messages: FerretDB spent 10–16% less CPU per message insert without it).
 * On MongoDB every index is created; `all: true` forces that.
 */
export async function ensureIndexes(opts: { all?: boolean } = {}): Promise<void> {
  const onlyUnique = !opts.all && (await serverInfo()).ferretdb !== null;
  for (const m of ALL_MODELS) {
    if (!onlyUnique) {
      await m.createIndexes();
      continue;
    }
    const existing = await m.collection.listIndexes().toArray().catch(() => [] as Array<{ name?: string; key?: unknown }>);
    for (const [keys, options] of m.schema.indexes()) {
      if (keptOnFerretdb(m.collection.collectionName, keys, options as { unique?: boolean })) {
        await m.collection.createIndex(keys as never, options as never);
        continue;
      }
      const found = existing.find((ix) => JSON.stringify(ix.key) === JSON.stringify(keys));
      if (found?.name) await m.collection.dropIndex(found.name);
    }
  }
}

export interface ServerInfo {
  /** FerretDB reports its own version beside the MongoDB version it imitates. */
  ferretdb: string | null;
  version: string;
}

export async function serverInfo(): Promise<ServerInfo> {
  const info = (await mongoose.connection.db!.admin().command({ buildInfo: 1 })) as { version?: string; ferretdbVersion?: string };
  return { ferretdb: info.ferretdbVersion ?? null, version: info.version ?? 'unknown' };
}

export async function pingMongo(): Promise<boolean> {
  try {
    const db = mongoose.connection.db;
    if (!db || mongoose.connection.readyState !== 1) return false;
    await db.command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}

/** Set while this process disconnects on purpose, so the 'disconnected' event is no outage. */
let closing = false;

export async function disconnectMongo(): Promise<void> {
  closing = true;
  await mongoose.disconnect();
}
