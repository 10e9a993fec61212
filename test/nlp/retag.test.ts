// Retrain with a team's own taxonomy, then the `retag` job re-tags history through the worker: every message
// records the new model version and the counters move by exactly the change.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conversation, Customer, Message } from '../../src/db/models.js';
import { readModelFile, writeModelFile } from '../../src/nlp/model-file.js';
import { loadTagger } from '../../src/nlp/tagger.js';
import { trainModel } from '../../src/nlp/train.js';
import { startWorkers, type WorkerHandle } from '../../jobs/worker.js';
import { retagJobId } from '../../jobs/retag.js';
import { conversationOf, slackMessage, startPipeline, type Pipeline } from '../helpers/pipeline.js';

let p: Pipeline;
let worker: WorkerHandle | null = null;
const dir = mkdtempSync(join(tmpdir(), 'sh-retag-'));

const NONE = ['hi', 'hello there', 'thanks', 'thank you so much', 'ok', 'good morning', 'have a nice day', 'lol', 'see you', 'cool'];
const v1 = {
  version: 1,
  threshold: 0.5,
  needs: [
    { name: 'billing', bitextIntents: [], examples: ['I was charged twice', 'my invoice is wrong', 'refund the charge on my card', 'payment failed', 'where is my invoice', 'billing question about my plan'] },
    { name: 'account', bitextIntents: [], examples: ['I cannot log in', 'reset my password', 'my account is locked', 'change my email address', 'delete my account', 'login page error'] },
  ],
};
const v2 = {
  ...v1,
  version: 2,
  needs: [
    ...v1.needs,
    { name: 'bug', bitextIntents: [], examples: ['the app crashes on start', 'export button is broken', 'crash when I open settings', 'the page shows an error and crashes', 'sync is broken since the update', 'the app keeps crashing'] },
  ],
};

function writeData(taxonomy: unknown): void {
  writeFileSync(join(dir, 'taxonomy.json'), JSON.stringify(taxonomy));
  writeFileSync(join(dir, 'none-examples.json'), JSON.stringify({ texts: NONE }));
}

/** `npm run train` with the team's data directory, writing the model file the worker loads. */
function train(taxonomy: unknown, file: string): string {
  writeData(taxonomy);
  const model = trainModel({ needsDir: pathToFileURL(dir + '/'), sentimentDir: null });
  writeModelFile(file, model);
  return model.version;
}

async function runWorker(modelFile: string): Promise<WorkerHandle> {
  await worker?.close();
  worker = await startWorkers({
    config: { redisUrl: p.env.redisUrl, queuePrefix: p.env.prefix, tagConcurrency: 4, timeZone: 'UTC' },
    log: p.env.log,
    queues: p.queues,
    tagger: loadTagger(modelFile),
    schedule: false,
  });
  return worker;
}

beforeAll(async () => {
  p = await startPipeline(import.meta.filename, { worker: false });
});
afterAll(async () => {
  await worker?.close();
  await p?.close();
});

describe('retrain and retag', () => {
  it('re-tags history after a model change, once, recording the model version and moving counters exactly', { timeout: 120_000 }, async () => {
    const file1 = join(dir, 'model-1.json');
    const version1 = train(v1, file1);
    expect(readModelFile(file1).version).toBe(version1);
    await runWorker(file1);

    const crash = slackMessage({ workspaceId: 'T0R01', author: { userId: 'U0R01', name: 'Ria', role: 'customer' }, text: 'the app keeps crashing when I open settings', ts: new Date('2026-11-23T09:00:00Z') });
    const charge = slackMessage({ workspaceId: 'T0R01', author: { userId: 'U0R01', name: 'Ria', role: 'customer' }, text: 'also I was charged twice on my card', ts: new Date('2026-11-23T09:01:00Z') });
    const agent = slackMessage({ workspaceId: 'T0R01', author: { userId: 'UAG01', name: 'Al', role: 'agent' }, text: 'sorry about that, looking now', ts: new Date('2026-11-23T09:02:00Z') });
    const outs = [];
    for (const m of [crash, charge, agent]) outs.push(await p.capture.capture(m));
    await Promise.all(outs.map((o) => p.waitForTag(o.messageKey, 0)));
    for (const o of outs) expect((await Message.findById(o.messageKey).lean())?.tags?.model).toBe(version1);
    const convId = (await conversationOf(outs[0]!.messageKey))!;
    const before = await Conversation.findById(convId).lean();
    expect(before?.counts).toEqual({ messages: 3, customerMessages: 2, agentMessages: 1 });
    expect((before?.needs as Record<string, number>).bug).toBeUndefined();

    // A team adds a `bug` need and retrains with one command; the worker restarts on the new model file.
    const file2 = join(dir, 'model-2.json');
    const version2 = train(v2, file2);
    expect(version2).not.toBe(version1);
    const w = await runWorker(file2);
    await w.retag.enqueue();
    await w.retag.enqueue(); // once per model version: the job id keeps it single
    const job = await w.retag.queue.getJob(retagJobId(version2));
    expect(job).toBeTruthy();
    const events = new (await import('bullmq')).QueueEvents('retag', { connection: { url: p.env.redisUrl } as never, prefix: p.env.prefix });
    await events.waitUntilReady();
    const result = (await job!.waitUntilFinished(events, 60_000)) as { found: number; enqueued: number };
    await events.close();
    expect(result).toMatchObject({ found: 3, enqueued: 3 });
    await Promise.all(outs.map((o) => p.waitForTag(o.messageKey, 1)));

    const crashMsg = await Message.findById(outs[0]!.messageKey).lean();
    expect(crashMsg?.tags?.model).toBe(version2);
    expect(crashMsg?.tags?.needs?.map((n: { need?: string | null }) => n.need)).toContain('bug');
    expect(crashMsg?.rev).toBe(1);
    for (const o of outs) expect((await Message.findById(o.messageKey).lean())?.tags?.model).toBe(version2);

    const after = await Conversation.findById(convId).lean();
    expect(after?.counts).toEqual(before?.counts); // re-tagging counts no message twice
    expect((after?.needs as Record<string, number>).bug).toBe(1);
    expect((after?.needs as Record<string, number>).billing).toBe((before?.needs as Record<string, number>).billing);
    expect(after?.sentiment.count).toBe(2);
    const customer = await Customer.findById('slack:T0R01:U0R01').lean();
    expect(customer?.counts).toEqual({ messages: 2, conversations: 1 });
    expect((customer?.needs as Record<string, number>).bug).toBe(1);

    // Nothing is left for the new model: a second run finds nothing.
    const again = await (await import('../../jobs/retag.js')).retagStale(p.queues, version2, p.env.log);
    expect(again).toMatchObject({ found: 0, enqueued: 0 });
  });
});
