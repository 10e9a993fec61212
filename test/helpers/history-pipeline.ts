// The real capture → BullMQ → worker pipeline with a fixture tagger whose output is spelled in the text
// ("need:billing need:bugs sent:-0.5"), so summaries and digests have exact, hand-computable answers that do
// not move when the NLP model is retrained.
import { QueueEvents } from 'bullmq';
import { CaptureService } from '../../src/capture/capture.js';
import { messageKey, tagJobId } from '../../src/domain/keys.js';
import type { CapturedMessage } from '../../src/capture/types.js';
import type { Tagger, TagResult } from '../../src/nlp/types.js';
import { QUEUE, Queues, workerConnection } from '../../src/queue.js';
import { startWorkers, type WorkerHandle } from '../../jobs/worker.js';
import { cleanupTestEnv, connectTestDb, testEnv, type TestEnv } from './env.js';

export const fixtureTagger: Tagger = {
  modelVersion: 'fixture-1',
  tag({ text, role }): TagResult {
    const needs = role === 'agent' || role === 'bot' ? [] : [...text.matchAll(/need:([a-z_]+)/g)].map((m) => ({ need: m[1]!, confidence: 1 }));
    const s = /sent:(-?\d+(?:\.\d+)?)/.exec(text);
    const score = s ? Number(s[1]) : 0;
    const label = score > 0.05 ? 'positive' : score < -0.05 ? 'negative' : 'neutral';
    return { needs, sentiment: { score, label }, language: 'en', untaggedReason: null, model: 'fixture-1' };
  },
};

export interface HistoryPipeline {
  env: TestEnv;
  queues: Queues;
  capture: CaptureService;
  events: QueueEvents;
  worker: WorkerHandle;
  /** Captures messages in order and waits until every one is tagged and counted. */
  send(...msgs: CapturedMessage[]): Promise<string[]>;
  close(): Promise<void>;
}

export async function startHistoryPipeline(file: string, opts: { timeZone?: string } = {}): Promise<HistoryPipeline> {
  const env = testEnv(file);
  await connectTestDb(env);
  const queues = new Queues({ redisUrl: env.redisUrl, prefix: env.prefix, log: env.log });
  const events = new QueueEvents(QUEUE.tag, { connection: workerConnection(env.redisUrl), prefix: env.prefix });
  await events.waitUntilReady();
  const capture = new CaptureService({ queue: queues, log: env.log, maxMessageChars: 100_000 });
  const worker = await startWorkers({
    config: { redisUrl: env.redisUrl, queuePrefix: env.prefix, tagConcurrency: 4, timeZone: opts.timeZone ?? 'UTC' },
    log: env.log,
    queues,
    tagger: fixtureTagger,
    schedule: false,
  });
  return {
    env,
    queues,
    capture,
    events,
    worker,
    async send(...msgs) {
      const waits: Array<Promise<unknown>> = [];
      const keys: string[] = [];
      for (const m of msgs) {
        const out = await capture.capture(m);
        keys.push(out.messageKey);
        if (out.status === 'unchanged' || out.status === 'duplicate' || out.status === 'tombstone') continue;
        const job = await queues.tag.getJob(tagJobId(out.messageKey, out.rev));
        if (!job) throw new Error(`no tag job for ${out.messageKey} r${out.rev}`);
        waits.push(job.waitUntilFinished(events, 20_000));
      }
      await Promise.all(waits);
      return keys;
    },
    async close() {
      await worker.close();
      await events.close();
      await queues.close();
      await cleanupTestEnv(env);
    },
  };
}

let seq = 0;

export interface MsgSpec {
  ws?: string;
  platform?: 'slack' | 'discord';
  channel?: string;
  channelName?: string;
  user: string;
  name?: string;
  email?: string;
  role?: 'customer' | 'agent';
  text?: string;
  at: string;
  thread?: string;
  id?: string;
}

/** A captured message from a compact spec; ids are fixed by a counter unless given. */
export function msg(s: MsgSpec): CapturedMessage {
  seq += 1;
  return {
    kind: 'new',
    platform: s.platform ?? 'slack',
    workspaceId: s.ws ?? 'T1',
    channelId: s.channel ?? 'C1',
    channelName: s.channelName ?? (s.channel === undefined ? 'support' : null),
    messageId: s.id ?? `1700000000.${String(100000 + seq)}`,
    threadId: s.thread ?? null,
    author: { userId: s.user, name: s.name ?? null, role: s.role ?? 'customer', email: s.email ?? null },
    text: s.text ?? 'hello',
    ts: new Date(s.at),
  };
}

export function keyOf(m: CapturedMessage): string {
  return messageKey(m.platform, m.workspaceId, m.channelId, m.messageId);
}
