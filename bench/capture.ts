// Capture throughput: event in → stored → tag job enqueued, against a plain insertMany of the same
// documents on the same server in the same run.
import { readFileSync } from 'node:fs';
import mongoose from 'mongoose';
import { Redis } from 'ioredis';
import { CaptureService } from '../src/capture/capture.js';
import { messageKey } from '../src/capture/keys.js';
import type { CapturedMessage } from '../src/capture/types.js';
import { connectMongo, ensureIndexes } from '../src/db/connection.js';
import { setupDocLocks } from '../src/db/doc-lock.js';
import { createLogger } from '../src/logger.js';
import { Queues } from '../src/queue.js';
import { median, percentile, rng, type Row } from './lib.js';

export interface CaptureBenchOptions {
  mongoUrl: string;
  redisUrl: string;
  messages: number;
  runs: number;
  seed: number;
  /** Events handled at once (an adapter handles several deliveries concurrently). */
  concurrency: number;
  /** Start no further run after this time (ms since the epoch); at least one run is made. */
  deadline?: number;
}

export function generateMessages(n: number, seed: number, runTag: string): CapturedMessage[] {
  // Texts of the Bitext rows (the CSV's first column; quoted when it holds a comma).
  const texts = readFileSync('data/needs/bitext-train.csv', 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .map((line) => /^(?:"((?:[^"]|"")*)"|([^",]*)),/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => (m[1] ?? m[2] ?? '').replace(/""/g, '"'));
  const r = rng(seed);
  const customers = Math.max(10, Math.floor(n / 20));
  const start = Date.UTC(2026, 10, 2);
  const out: CapturedMessage[] = [];
  for (let i = 0; i < n; i++) {
    const agent = r() < 0.3;
    const user = agent ? `UAGENT${Math.floor(r() * 5)}` : `U${Math.floor(r() * customers)}`;
    out.push({
      kind: 'new',
      platform: 'slack',
      workspaceId: `TBENCH${runTag}`,
      channelId: `C${Math.floor(r() * 5)}`,
      messageId: `${1762041600 + i}.${String(i).padStart(6, '0')}`,
      author: { userId: user, name: agent ? `Agent ${user}` : `Customer ${user}`, role: agent ? 'agent' : 'customer' },
      text: texts[Math.floor(r() * texts.length)]!,
      ts: new Date(start + i * 7_000),
      source: 'live',
    });
  }
  return out;
}

function asDocument(m: CapturedMessage) {
  return {
    _id: messageKey(m.platform, m.workspaceId, m.channelId, m.messageId),
    platform: m.platform,
    workspaceId: m.workspaceId,
    channelId: m.channelId,
    messageId: m.messageId,
    threadId: null,
    conversationId: null,
    customerId: null,
    author: { userId: m.author!.userId, name: m.author!.name, role: m.author!.role },
    text: m.text,
    attachments: [],
    ts: m.ts,
    rev: 0,
    needsTagging: true,
  };
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function benchCapture(opts: CaptureBenchOptions): Promise<{ rows: Row[]; raw: Record<string, number[]> }> {
  const log = createLogger('silent');
  const dbName = `bench_capture_${Date.now()}`;
  const prefix = `bench_capture_${Date.now()}`;
  await connectMongo(opts.mongoUrl, log, { dbName });
  await ensureIndexes();
  const release = await setupDocLocks({ redisUrl: opts.redisUrl, prefix, log });
  const queues = new Queues({ redisUrl: opts.redisUrl, prefix, log });
  const capture = new CaptureService({ queue: queues, log, conversationWindowMinutes: 30, maxMessageChars: 100_000 });
  const captureRates: number[] = [];
  const insertRates: number[] = [];
  try {
    for (let run = 0; run < opts.runs && (run === 0 || !opts.deadline || Date.now() < opts.deadline); run++) {
      const msgs = generateMessages(opts.messages, opts.seed + run, `${run}`);
      const baselineColl = mongoose.connection.db!.collection(`baseline_${run}`);
      await baselineColl.createIndex({ platform: 1, workspaceId: 1, channelId: 1, messageId: 1 }, { unique: true });
      // Baseline first, then capture: each on its own collection/workspace so neither warms the other's data.
      let t = performance.now();
      await baselineColl.insertMany(msgs.map(asDocument) as never, { ordered: false });
      insertRates.push(opts.messages / ((performance.now() - t) / 1000));

      t = performance.now();
      await pool(msgs, opts.concurrency, (m) => capture.capture(m));
      captureRates.push(opts.messages / ((performance.now() - t) / 1000));
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
  const row: Row = {
    benchmark: `capture (event → stored → job), concurrency ${opts.concurrency}`,
    size: opts.messages,
    unit: 'msg/s',
    median: median(captureRates),
    p95: percentile(captureRates, 5), // the slow end of a rate is its low percentile
    baseline: 'insertMany, same docs',
    baselineMedian: median(insertRates),
    ratio: median(captureRates) / median(insertRates),
    runs: captureRates.length,
  };
  return { rows: [row], raw: { captureRates, insertRates } };
}
