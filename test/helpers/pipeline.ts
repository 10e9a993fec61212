// The real capture → BullMQ → worker pipeline for a test file, on its own database and queue prefix.
import { CaptureService } from '../../src/capture/capture.js';
import type { CapturedMessage } from '../../src/capture/types.js';
import { loadTagger } from '../../src/nlp/tagger.js';
import type { Tagger } from '../../src/nlp/types.js';
import { Queues } from '../../src/queue.js';
import { Message } from '../../src/db/models.js';
import { startWorkers, type WorkerHandle } from '../../jobs/worker.js';
import { cleanupTestEnv, connectTestDb, testEnv, type TestEnv } from './env.js';

export interface Pipeline {
  env: TestEnv;
  queues: Queues;
  capture: CaptureService;
  tagger: Tagger;
  worker: WorkerHandle | null;
  startWorker(): Promise<WorkerHandle>;
  /** Resolves when that revision of the message (or a later one) is tagged and counted (polled, bounded). */
  waitForTag(messageKey: string, rev: number): Promise<unknown>;
  /** Resolves when every stored message is placed and tagged and no tag job is left (polled, bounded). */
  drain(deadlineMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startPipeline(file: string, opts: { worker?: boolean; timeZone?: string } = {}): Promise<Pipeline> {
  const env = testEnv(file);
  await connectTestDb(env);
  const queues = new Queues({ redisUrl: env.redisUrl, prefix: env.prefix, log: env.log });
  await queues.ready();
  const capture = new CaptureService({ queue: queues, log: env.log, maxMessageChars: 100_000 });
  const tagger = loadTagger();
  const p: Pipeline = {
    env,
    queues,
    capture,
    tagger,
    worker: null,
    async startWorker() {
      p.worker = await startWorkers({
        config: { redisUrl: env.redisUrl, queuePrefix: env.prefix, tagConcurrency: 4, timeZone: opts.timeZone ?? 'UTC' },
        log: env.log,
        queues,
        tagger,
        schedule: false,
      });
      return p.worker;
    },
    async waitForTag(messageKey, rev) {
      // Read from the message, not the job: the product stores a message before it enqueues its job (a test
      // that sees the message may ask for the job before it exists), and a job that finished may be gone.
      const end = Date.now() + 30_000;
      for (;;) {
        const m = await Message.findById(messageKey, { rev: 1, needsTagging: 1 }).lean();
        if (m && m.rev >= rev && !m.needsTagging) return m;
        if (Date.now() > end) throw new Error(`revision ${rev} of ${messageKey} not tagged within 30 s (${m ? `rev ${m.rev}, needsTagging ${m.needsTagging}` : 'not stored'})`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async drain(deadlineMs = 60_000) {
      const end = Date.now() + deadlineMs;
      for (;;) {
        const left = await Message.countDocuments({ needsTagging: true });
        const jobs = await queues.tag.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
        if (left === 0 && Object.values(jobs).every((n) => n === 0)) return;
        if (Date.now() > end) throw new Error(`not drained within ${deadlineMs} ms: ${left} messages untagged, jobs ${JSON.stringify(jobs)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await p.worker?.close();
      await queues.close();
      await cleanupTestEnv(env);
    },
  };
  if (opts.worker !== false) await p.startWorker();
  return p;
}

/** The conversation the worker placed a message in (null until placed, and for a bot's message). */
export async function conversationOf(messageKey: string): Promise<string | null> {
  return (await Message.findById(messageKey, { conversationId: 1 }).lean())?.conversationId ?? null;
}

let seq = 0;

/** A Slack-shaped captured message with fixed ids (T1234/C1234/U1234) unless overridden. */
export function slackMessage(overrides: Partial<CapturedMessage> = {}): CapturedMessage {
  seq += 1;
  return {
    kind: 'new',
    platform: 'slack',
    workspaceId: 'T1234',
    channelId: 'C1234',
    channelName: 'support',
    messageId: `1700000000.${String(100000 + seq)}`,
    author: { userId: 'U1234', name: 'Ada Customer', role: 'customer', email: 'ada@example.com' },
    text: 'I was charged twice on my invoice this month',
    ts: new Date('2026-11-23T10:00:00Z'),
    ...overrides,
  };
}
