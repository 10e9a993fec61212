// Capture throughput: Slack event in → stored → tag job enqueued, against a plain insertMany of the same
// documents on the same server in the same run. The events are bench/generate.ts's workspace (customers,
// agents, channels, threads, edits, deletes) as Slack delivers them, through the adapter's capture handler
// (bench/slack.ts).
import mongoose from 'mongoose';
import { Redis } from 'ioredis';
import { CaptureService } from '../src/capture/capture.js';
import { newMessageDocument } from '../src/capture/documents.js';
import { identityKey, messageKey } from '../src/domain/keys.js';
import type { CapturedMessage } from '../src/capture/types.js';
import { connectMongo, ensureIndexes } from '../src/db/connection.js';
import { setupDocLocks } from '../src/db/doc-lock.js';
import type { HandleResult } from '../adapters/slack/capture-handler.js';
import { createLogger } from '../src/logger.js';
import { Queues } from '../src/queue.js';
import { generateWorkspace, slackWorkspace, type GeneratedStream } from './generate.js';
import { median, percentile, type Row } from './lib.js';
import { assertAllCaptured, jobsOf, slackCapture, tally } from './slack.js';

export interface CaptureBenchOptions {
  mongoUrl: string;
  redisUrl: string;
  /** New messages per run (edits and deletes of some of them come on top). */
  messages: number;
  runs: number;
  /** Every run replays the workspace this seed generates (under a workspace id of its own). */
  seed: number;
  /** Events handled at once (an adapter handles several deliveries concurrently). */
  concurrency: number;
  /** Start no further run after this time (ms since the epoch); at least one run is made. */
  deadline?: number;
}

/**
 * The message documents the stream leaves in the messages collection (one per new message, with its last
 * edit or its deletion applied), built by the same builder capture uses: what the baseline inserts.
 */
export function finalDocuments(stream: GeneratedStream): Array<Record<string, unknown>> {
  const docs = new Map<string, Record<string, unknown>>();
  const now = new Date();
  for (const ev of stream.events) {
    const key = messageKey(ev.platform, ev.workspaceId, ev.channelId, ev.messageId);
    if (ev.kind === 'new') {
      // As Slack delivers it: a thread root carries no thread_ts when posted.
      const msg: CapturedMessage = { ...ev, threadId: ev.threadId === ev.messageId ? null : (ev.threadId ?? null) };
      const root = msg.threadId ? messageKey(ev.platform, ev.workspaceId, ev.channelId, msg.threadId) : key;
      const customerId = ev.author?.role === 'customer' ? identityKey(ev.platform, ev.workspaceId, ev.author.userId) : null;
      docs.set(key, { _id: key, ...newMessageDocument(msg, root, customerId, now) });
      continue;
    }
    const doc = docs.get(key);
    if (!doc) continue;
    doc.rev = (doc.rev as number) + 1;
    if (ev.kind === 'edit') Object.assign(doc, { text: ev.text ?? null, editedAt: ev.editedAt ?? null });
    else doc.deletedAt = ev.deletedAt ?? null;
  }
  return [...docs.values()];
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function benchCapture(opts: CaptureBenchOptions): Promise<{ rows: Row[]; raw: Record<string, unknown> }> {
  const log = createLogger('silent');
  const dbName = `bench_capture_${Date.now()}`;
  const prefix = `bench_capture_${Date.now()}`;
  await connectMongo(opts.mongoUrl, log, { dbName });
  await ensureIndexes();
  const release = await setupDocLocks({ redisUrl: opts.redisUrl, prefix, log });
  const queues = new Queues({ redisUrl: opts.redisUrl, prefix, log });
  const capture = new CaptureService({ queue: queues, log, maxMessageChars: 100_000 });
  const captureRates: number[] = [];
  const insertRates: number[] = [];
  const outcomes: Array<Record<string, number>> = [];
  let counts: GeneratedStream['counts'] | null = null;
  let events = 0;
  let documents = 0;
  let jobs = 0;
  const messageIndexes = (await mongoose.connection.db!.collection('messages').indexes().catch(() => [])).filter((i) => i.name !== '_id_');
  try {
    for (let run = 0; run < opts.runs && (run === 0 || !opts.deadline || Date.now() < opts.deadline); run++) {
      const stream = generateWorkspace({ messages: opts.messages, seed: opts.seed, workspaceId: `TBENCH${dbName.slice(-6)}${run}` });
      const slack = slackWorkspace(stream);
      const docs = finalDocuments(stream);
      const handler = slackCapture(slack, capture, log);
      counts = stream.counts;
      events = slack.events.length;
      documents = docs.length;
      const baselineColl = mongoose.connection.db!.collection(`baseline_${run}`);
      // The same indexes as the messages collection capture writes (ensureIndexes: fewer on FerretDB).
      for (const i of messageIndexes) await baselineColl.createIndex(i.key, { name: i.name, unique: i.unique === true });
      // Baseline first, then capture: each on its own collection/workspace so neither warms the other's data.
      let t = performance.now();
      await baselineColl.insertMany(docs as never, { ordered: false });
      insertRates.push(docs.length / ((performance.now() - t) / 1000));

      const results: HandleResult[] = [];
      t = performance.now();
      await pool(slack.events, opts.concurrency, async (ev) => results.push(await handler.handle(ev)));
      captureRates.push(events / ((performance.now() - t) / 1000));
      assertAllCaptured(results);
      outcomes.push(tally(results));
      jobs = jobsOf(results);
      await queues.tag.obliterate({ force: true });
    }
  } finally {
    await queues.close();
    release();
    await mongoose.connection.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
    const redis = new Redis(opts.redisUrl);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
  const c = counts!;
  const row: Row = {
    benchmark: `capture (Slack event → stored → job), concurrency ${opts.concurrency}`,
    size: events,
    unit: 'msg/s',
    median: median(captureRates),
    p95: percentile(captureRates, 5), // the slow end of a rate is its low percentile
    baseline: 'insertMany, same docs',
    baselineMedian: median(insertRates),
    ratio: median(captureRates) / median(insertRates),
    runs: captureRates.length,
    note: `${events} Slack events (messages ${c.messages}, threads ${c.threads}, edits ${c.edits}, deletes ${c.deletes}; customers ${c.customers}, agents ${c.agents}, channels ${c.channels}; seed ${opts.seed}) → ${jobs} tag jobs; baseline: insertMany of the ${documents} resulting message documents (docs/s) into a collection with the messages collection's indexes (${['_id', ...messageIndexes.map((i) => i.name)].join(', ')})`,
  };
  return { rows: [row], raw: { seed: opts.seed, counts: c, events, documents, jobs, outcomes, captureRates, insertRates } };
}
