// How the read models are laid out (how many partitions each has, store.ts), recorded in the database so that a
// process started with another READ_MODEL_PARTITIONS refuses to read and write a layout it does not know, and
// the command that moves every read-model document from one layout to another (`support-history repartition`).
import { declareCollection, namedCollection } from '../db/collections.js';
import { LayoutMismatchError } from '../errors.js';
import type { Logger } from '../logger.js';
import mongoose from 'mongoose';
import { partitionName, partitionNames, PARTITIONED } from './store.js';

interface LayoutDoc {
  _id: 'read-models';
  partitions: number;
  /** Set while a repartition runs; a process refuses to start until it has finished. */
  moving?: { from: number; to: number };
}

const layouts = declareCollection<LayoutDoc>('layout');
type Doc = { _id: string } & Record<string, unknown>;
const ID = 'read-models' as const;
/** Every version before READ_MODEL_PARTITIONS split each read model into 256 collections. */
const LEGACY_PARTITIONS = 256;

async function existingCollections(): Promise<Set<string>> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('mongodb is not connected');
  return new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
}

/** The stored layout: the recorded one, else 256 when an earlier version's partitions exist, else none yet. */
export async function storedLayout(): Promise<{ partitions: number; moving?: { from: number; to: number } } | null> {
  const doc = await layouts().findOne({ _id: ID });
  if (doc) return { partitions: doc.partitions, ...(doc.moving ? { moving: doc.moving } : {}) };
  const names = await existingCollections();
  return PARTITIONED.some((base) => names.has(`${base}_p000`)) ? { partitions: LEGACY_PARTITIONS } : null;
}

/**
 * Checks that the read models are laid out as `partitions` says (recording it on a database that has none
 * yet); throws LayoutMismatchError, with what to run, when they are not.
 */
export async function ensureLayout(partitions: number): Promise<void> {
  const stored = await storedLayout();
  if (stored?.moving) {
    throw new LayoutMismatchError(
      `a repartition of the read models from ${stored.moving.from} to ${stored.moving.to} partitions did not finish: run \`support-history repartition --partitions ${stored.moving.to}\` again`,
    );
  }
  if (stored && stored.partitions !== partitions) {
    throw new LayoutMismatchError(
      `the read models are stored in ${stored.partitions} partition(s) but READ_MODEL_PARTITIONS is ${partitions}: set it back to ${stored.partitions}, or stop every bot and worker and run \`support-history repartition --partitions ${partitions}\``,
    );
  }
  try {
    await layouts().updateOne({ _id: ID }, { $setOnInsert: { partitions } }, { upsert: true });
  } catch (err) {
    // Another process starting on the same new database at the same moment stored it first: check that one.
    if ((err as { code?: number }).code !== 11000) throw err;
    await ensureLayout(partitions);
  }
}

export interface RepartitionReport {
  from: number;
  to: number;
  moved: number;
  collectionsDropped: number;
}

/**
 * Moves every read-model document into the layout of `to` partitions. Run it with every bot and worker
 * stopped. Resumable: the target is recorded first, each document is copied (a whole-document upsert, so a
 * second copy changes nothing) before it is deleted from where it was, and a process refuses to start until
 * the move is recorded as finished.
 */
export async function repartition(to: number, log: Logger, progress?: (moved: number) => void): Promise<RepartitionReport> {
  const stored = await storedLayout();
  const from = stored?.moving ? stored.moving.from : (stored?.partitions ?? to);
  await layouts().updateOne({ _id: ID }, { $set: { partitions: from, moving: { from, to } } }, { upsert: true });
  const names = await existingCollections();
  let moved = 0;
  let collectionsDropped = 0;
  for (const base of PARTITIONED) {
    const targets = new Set(partitionNames(base, to));
    // Sources: every collection of this read model in either layout (a move that stopped half-way leaves both).
    const sources = [...new Set([...partitionNames(base, from), ...partitionNames(base, to)])].filter((n) => names.has(n));
    for (const source of sources) {
      const here = namedCollection<Doc>(source);
      // One pass: documents that belong elsewhere are copied to their collection in batches, then deleted here.
      let batch: Doc[] = [];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const byTarget = new Map<string, Doc[]>();
        for (const d of batch) {
          const t = partitionName(base, d._id, to);
          byTarget.set(t, [...(byTarget.get(t) ?? []), d]);
        }
        for (const [target, docs] of byTarget) {
          await namedCollection<Doc>(target).bulkWrite(
            docs.map((d) => ({ replaceOne: { filter: { _id: d._id }, replacement: d, upsert: true } })),
            { ordered: false },
          );
        }
        // One delete per `_id` (not `$in`): FerretDB serves only an exact `_id` filter from its index.
        await here.bulkWrite(batch.map((d) => ({ deleteOne: { filter: { _id: d._id } } })), { ordered: false });
        moved += batch.length;
        progress?.(moved);
        batch = [];
      };
      for await (const doc of here.find({}, { batchSize: 500 })) {
        if (partitionName(base, doc._id, to) === source) continue;
        batch.push(doc);
        if (batch.length === 500) await flush();
      }
      await flush();
      if (!targets.has(source)) {
        await here.drop();
        collectionsDropped++;
      }
    }
    log.info({ readModel: base, moved }, 'read model repartitioned');
  }
  await layouts().updateOne({ _id: ID }, { $set: { partitions: to }, $unset: { moving: '' } });
  return { from, to, moved, collectionsDropped };
}
