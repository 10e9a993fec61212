// A test file's import stack: its own database and queue prefix, CaptureService and Queues. No tagging
// (the worker's job, covered by the pipeline tests); `expandTagChunks` runs the worker's tag-chunk processor,
// which turns the importer's chunk jobs into the per-message tag jobs.
import { Worker } from 'bullmq';
import { createTagChunkProcessor } from '../../jobs/tag.js';
import { CaptureService } from '../../src/capture/capture.js';
import { Placement } from '../../src/capture/place.js';
import { Checkpoint, Conversation, Customer, Message, Workspace } from '../../src/db/models.js';
import { runImport, type ImportSummary } from '../../src/import/run.js';
import type { ExportContent } from '../../src/import/types.js';
import { QUEUE, Queues, workerConnection, type TagChunkJobData } from '../../src/queue.js';
import { cleanupTestEnv, connectTestDb, testEnv, type TestEnv } from '../helpers/env.js';

export interface ImportHarness {
  env: TestEnv;
  queues: Queues;
  capture: CaptureService;
  /** Imports; the capture path's messages are then placed, as the worker places them (bulk places its own). */
  run(content: ExportContent, via?: 'bulk' | 'capture'): Promise<ImportSummary>;
  /** Places every captured message not placed yet, as the worker's tag jobs do (src/capture/place.ts). */
  place(): Promise<void>;
  /** Every stored document, sorted, without the fields that record when they were written. */
  snapshot(): Promise<Record<string, unknown[]>>;
  /** Empties the database and the tag queues. */
  clear(): Promise<void>;
  tagJobIds(): Promise<string[]>;
  /** Ids of the importer's chunk jobs, in any state. */
  tagChunkJobIds(): Promise<string[]>;
  /**
   * Runs the worker's tag-chunk processor (jobs/tag.ts, as jobs/worker.ts does) until no chunk job is
   * waiting, active or delayed; returns how many chunk jobs completed meanwhile.
   */
  expandTagChunks(): Promise<number>;
  /** A MONGO_URL naming this file's database, for child processes. */
  mongoUrl(): string;
  close(): Promise<void>;
}

const NOW = new Date('2026-11-25T06:00:00Z');

/**
 * Drops the fields that record when a document was written, and top-level fields that are null or empty
 * arrays: FerretDB 1.24 leaves those out of a document an upsert creates from $setOnInsert, while an insert
 * keeps them, and every query treats a missing field as null.
 */
function strip(doc: Record<string, unknown>): Record<string, unknown> {
  const { capturedAt: _c, createdAt: _w, updatedAt: _u, ...rest } = doc;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0)));
}

export async function startImportHarness(file: string): Promise<ImportHarness> {
  const env = testEnv(file);
  await connectTestDb(env);
  const queues = new Queues({ redisUrl: env.redisUrl, prefix: env.prefix, log: env.log });
  // CaptureService remembers the workspaces it created: a new one after each clear(), like a new process.
  const newCapture = (): CaptureService =>
    new CaptureService({ queue: queues, log: env.log, maxMessageChars: 100_000, now: () => NOW });
  const h: ImportHarness = {
    env,
    queues,
    capture: newCapture(),
    async run(content, via = 'bulk') {
      const summary = await runImport(content, { via, capture: h.capture, queues, log: env.log, conversationWindowMinutes: 30, maxMessageChars: 100_000, now: () => NOW, chunkSize: 7 });
      await h.place();
      return summary;
    },
    async place() {
      const placement = new Placement({ log: env.log, conversationWindowMinutes: 30, now: () => NOW });
      for (const m of await Message.find({ pend: { $exists: true } }, { _id: 1 }).lean()) await placement.place(m._id);
    },
    async snapshot() {
      const out: Record<string, unknown[]> = {};
      for (const m of [Workspace, Customer, Conversation, Message, Checkpoint]) {
        const docs = (await m.collection.find({}).toArray()) as Array<Record<string, unknown>>;
        out[m.collection.collectionName] = docs.map(strip).sort((a, b) => String(a._id).localeCompare(String(b._id)));
      }
      return out;
    },
    async clear() {
      for (const m of [Workspace, Customer, Conversation, Message, Checkpoint]) await m.collection.deleteMany({});
      await queues.tag.obliterate({ force: true });
      await queues.tagChunk.obliterate({ force: true });
      h.capture = newCapture();
    },
    async tagJobIds() {
      const jobs = await queues.tag.getJobs(['waiting', 'active', 'completed', 'delayed', 'failed', 'prioritized']);
      return jobs.map((j) => j.id!).sort();
    },
    async tagChunkJobIds() {
      const jobs = await queues.tagChunk.getJobs(['waiting', 'active', 'completed', 'delayed', 'failed', 'prioritized']);
      return jobs.map((j) => j.id!).sort();
    },
    async expandTagChunks() {
      const before = await queues.tagChunk.getCompletedCount();
      const connection = workerConnection(env.redisUrl);
      const worker = new Worker<TagChunkJobData>(QUEUE.tagChunk, createTagChunkProcessor(queues), { connection, prefix: env.prefix, concurrency: 1 });
      try {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const c = await queues.tagChunk.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
          if (c.failed) throw new Error(`${c.failed} tag-chunk job(s) failed`);
          if (!c.waiting && !c.active && !c.delayed && !c.prioritized) break;
          if (Date.now() > deadline) throw new Error(`tag-chunk jobs not expanded in 60 s: ${JSON.stringify(c)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        await worker.close();
        connection.disconnect();
      }
      return (await queues.tagChunk.getCompletedCount()) - before;
    },
    mongoUrl() {
      const u = new URL(env.mongoUrl);
      u.pathname = `/${env.dbName}`;
      return u.toString();
    },
    async close() {
      await queues.close();
      await cleanupTestEnv(env);
    },
  };
  return h;
}
