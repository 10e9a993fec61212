// The operator CLI run as a child process against this file's database: import the sample Slack export,
// let the worker tag it (with a fixed tagger, so the output does not move with the NLP model), then check
// history, digest, export and forget output exactly.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers, type WorkerHandle } from '../../jobs/worker.js';
import { tagJobId } from '../../src/domain/keys.js';
import { Conversation, Customer, Message, WeeklyRollup } from '../../src/db/models.js';
import type { Tagger, TagInput, TagResult } from '../../src/nlp/types.js';
import { QUEUE, workerConnection } from '../../src/queue.js';
import { startImportHarness, type ImportHarness } from '../import/harness.js';

const run = promisify(execFile);

/** Needs and sentiment by keyword: enough to give every section of the summary something to show. */
const fixedTagger: Tagger = {
  modelVersion: 'cli-test-1',
  tag(input: TagInput): TagResult {
    const t = input.text.toLowerCase();
    const needs = input.role === 'agent' || input.role === 'bot' ? [] : [
      ...(/invoice|charged|refund/.test(t) ? [{ need: 'billing', confidence: 0.9 }] : []),
      ...(/crash|export/.test(t) ? [{ need: 'bug', confidence: 0.9 }] : []),
    ];
    const score = /thanks|fixed|quick/.test(t) ? 0.5 : /crash|twice/.test(t) ? -0.5 : 0;
    return { needs, sentiment: { score, label: score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral' }, language: 'en', untaggedReason: null, model: 'cli-test-1' };
  },
};

let h: ImportHarness;
let worker: WorkerHandle;
let events: QueueEvents;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MONGO_URL: h.mongoUrl(),
    REDIS_URL: h.env.redisUrl,
    QUEUE_PREFIX: h.env.prefix,
    LOG_LEVEL: 'warn',
    TIME_ZONE: 'UTC',
  };
  try {
    const out = await run(process.execPath, ['bin/support-history.js', ...args], { env, cwd: process.cwd(), timeout: 120_000 });
    return { code: 0, stdout: out.stdout, stderr: out.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  h = await startImportHarness(import.meta.filename);
  events = new QueueEvents(QUEUE.tag, { connection: workerConnection(h.env.redisUrl), prefix: h.env.prefix });
  await events.waitUntilReady();
});
afterAll(async () => {
  await worker?.close();
  await events?.close();
  await h?.close();
});

describe('support-history CLI', () => {
  it('says once what is wrong with an import, and closes its connections quietly', async () => {
    const bad = await cli('import', 'foo');
    expect(bad).toEqual({ code: 2, stdout: '', stderr: 'support-history import: say slack or discord (got "foo")\n(see support-history import --help)\n' });
    // A missing export: one line (no log record beside it), and no Redis error from closing a connection
    // that was still connecting ("Stream isn't writeable").
    const missing = await cli('import', 'slack', 'samples/no-such-export');
    expect(missing).toEqual({ code: 2, stdout: '', stderr: 'support-history import: samples/no-such-export: no such file or folder\n(see support-history import --help)\n' });
    const dir = mkdtempSync(join(tmpdir(), 'sh-cli-'));
    try {
      writeFileSync(join(dir, 'bad.json'), '{"x":1}');
      const r = await cli('import', 'discord', join(dir, 'bad.json'));
      expect(r.code).toBe(1);
      expect(r.stdout.split('\n').slice(-3)).toEqual(['Rejected (nothing was imported):', '  bad.json, header: no guild.id: is this a DiscordChatExporter JSON file?', '']);
      expect(r.stderr).toContain('import: no support channels configured or named: importing the one file\n');
      expect(r.stderr).not.toMatch(/Stream isn't writeable|unreachable/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('imports the sample Slack export and prints a summary', async () => {
    const r = await cli('import', 'slack', 'samples/slack-export', '--channel', 'support', '--agent', 'U0AGENT01');
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/ in [\d.]+ s \([\d,]+ messages\/s\)/, ' in T s (R messages/s)')).toBe(
      [
        'Imported slack export samples/slack-export in T s (R messages/s)',
        '  read        13 messages',
        '  imported    12',
        '  duplicates  0 (already stored, left as they were)',
        '  updated     1 (edits, deletes, deleted-message placeholders)',
        '  skipped     1 channel event (channel_join), 1 channel not selected (day files)',
        '  rejected    0',
        '',
        'Tagging continues in the worker (support-history worker).',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toContain('import: #support (C0SUPPORT1): 2 day files');
    expect(r.stderr).toMatch(/100% 13\/13 · 12 new · 0 duplicates · 0 rejected/);

    // The worker tags what was imported; wait on each job.
    worker = await startWorkers({
      config: { redisUrl: h.env.redisUrl, queuePrefix: h.env.prefix, tagConcurrency: 2, timeZone: 'UTC' },
      log: h.env.log,
      queues: h.queues,
      tagger: fixedTagger,
      schedule: false,
    });
    const stored = await Message.find({ needsTagging: true }, { _id: 1 }).lean();
    expect(stored).toHaveLength(12);
    // The import enqueued chunk jobs; the worker expands them into these tag jobs, then tags.
    for (const m of stored) {
      const deadline = Date.now() + 60_000;
      let job = await h.queues.tag.getJob(tagJobId(m._id, 0));
      while (!job && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        job = await h.queues.tag.getJob(tagJobId(m._id, 0));
      }
      await job!.waitUntilFinished(events, 60_000);
    }
  }, 240_000);

  it('prints a customer history exactly', async () => {
    const r = await cli('history', 'maple.finch@example.com', '--now', '2026-11-18T12:00:00Z');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'Customer: Maple Finch  (slack:T0LUMEN01:U0MAPLE01)',
        '',
        '  Email         maple.finch@example.com',
        '  Company       —',
        '  First contact 2026-11-16',
        '  Last contact  2026-11-17',
        '  Conversations 2 (2 in 30 days)',
        '  Messages      3 (3 in 30 days)',
        '  Accounts      slack:U0MAPLE01 (Maple Finch)',
        '  Sentiment     neutral (0.00) · trend not enough data',
        '  Top needs     billing (2) (30 days) · billing (2) (all time)',
        '',
        'By channel',
        '  slack #support: 2 conversations, 3 messages',
        '',
        'Open (2)',
        '  • “Hi, I was charged twice for my November invoice. Can you refund one?”',
        '    slack #support 2026-11-16 · answered · billing · neutral',
        '  • “Can I change the email my invoices go to?”',
        '    slack #support 2026-11-17 · answered · billing · neutral',
        '',
        'Recent conversations (page 1 of 1)',
        '  • “Can I change the email my invoices go to?”',
        '    slack #support 2026-11-17 · answered · billing · neutral',
        '  • “Hi, I was charged twice for my November invoice. Can you refund one?”',
        '    slack #support 2026-11-16 · answered · billing · neutral',
        '',
      ].join('\n'),
    );
    const json = await cli('history', 'slack:U0MAPLE01', '--json', '--now', '2026-11-18T12:00:00Z');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ customer: { id: 'slack:T0LUMEN01:U0MAPLE01', email: 'maple.finch@example.com' }, volume: { messages: { allTime: 3 } } });

    const missing = await cli('history', 'nobody@example.com');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/^No customer matches “nobody@example.com”/);
  }, 240_000);

  it('prints the weekly digest', async () => {
    const r = await cli('digest', '--week', '2026-W47', '--now', '2026-11-18T12:00:00Z');
    expect(r.code).toBe(0);
    // A first week: said once, figures alone (issue 18 item 9); sentiment counts customer messages.
    expect(r.stdout.split('\n').slice(0, 12)).toEqual([
      'Support digest 2026-W47 — slack T0LUMEN01',
      '2026-11-16 – 2026-11-22 (UTC)',
      'First week: nothing was stored the week before, so no change is shown.',
      '',
      '  Conversations       5',
      '  Messages            12',
      '  New customers       3',
      '  Returning customers 0',
      '  Median first reply  5 min',
      '',
      'Sentiment of customer messages',
      '  positive 2 · neutral 3 · negative 2',
    ]);
    const bad = await cli('digest', '--week', '2026-48');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--week must look like 2026-W48 (got "2026-48")');
  }, 240_000);

  it('exports and then forgets a customer, keeping the weekly counters consistent', async () => {
    const exported = await cli('export', 'otto.quill@example.org');
    expect(exported.code).toBe(0);
    const data = JSON.parse(exported.stdout) as { customer: { _id: string }; conversations: Array<{ _id: string }>; messages: Array<{ _id: string; text: string | null }> };
    expect(data.customer._id).toBe('slack:T0LUMEN01:U0OTTO001');
    expect(data.conversations).toHaveLength(3);
    // Otto's four messages (one a file without text); the StatusBot notice posted among them is the bot's, not
    // his (issue 18 item 8), so it is neither exported nor forgotten with him.
    expect(data.messages.map((m) => m.text)).toEqual([
      'The app crashes when I export a recipe. Screenshot attached.',
      'It also happens on the web version.',
      'Never mind my deleted question, the update fixed it.',
      null,
    ]);

    const rollupBefore = await WeeklyRollup.findById('slack:T0LUMEN01:2026-W47').lean();
    expect(rollupBefore?.counts.messages).toBe(12);
    const dry = await cli('forget', 'otto.quill@example.org');
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('Run again with --yes to delete.');
    expect(await Customer.exists({ _id: 'slack:T0LUMEN01:U0OTTO001' })).not.toBeNull();

    const r = await cli('forget', 'otto.quill@example.org', '--yes');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Forgot slack:T0LUMEN01:U0OTTO001: 3 conversations, 4 messages deleted; 1 counter documents adjusted.\n');
    expect(await Customer.exists({ _id: 'slack:T0LUMEN01:U0OTTO001' })).toBeNull();
    expect(await Message.countDocuments({ $or: [{ customerId: 'slack:T0LUMEN01:U0OTTO001' }, { 'author.userId': 'U0OTTO001' }] })).toBe(0);
    expect(await Conversation.countDocuments({ customerId: 'slack:T0LUMEN01:U0OTTO001' })).toBe(0);
    // The rollup is now exactly what the remaining messages contribute.
    const rollup = await WeeklyRollup.findById('slack:T0LUMEN01:2026-W47').lean();
    const remaining = await Message.find({ 'counted.contribution.rollupId': 'slack:T0LUMEN01:2026-W47' }).lean();
    const sum = (path: string): number =>
      remaining.reduce((s, m) => s + ((m.counted as { contribution: { rollup: Array<{ path: string; n: number }> } }).contribution.rollup.filter((i) => i.path === path).reduce((a, i) => a + i.n, 0)), 0);
    expect(rollup?.counts.messages).toBe(8);
    expect(rollup?.counts).toMatchObject({ messages: sum('counts.messages'), customerMessages: sum('counts.customerMessages'), conversations: sum('counts.conversations') });
    expect(rollup?.needs).toMatchObject({ bug: 0, billing: sum('needs.billing') });
    expect(rollup?.sentiment.count).toBe(sum('sentiment.count'));
  }, 240_000);

  it('has --help on every command', async () => {
    for (const cmd of ['import', 'history', 'digest', 'retag', 'export', 'forget', 'repartition']) {
      const r = await cli(cmd, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: support-history ${cmd}`));
    }
    // The server commands print their help and exit instead of starting (they started before, help or not).
    for (const cmd of ['start', 'bot', 'worker']) {
      for (const flag of ['--help', '-h']) {
        const r = await cli(cmd, flag);
        expect(r, `${cmd} ${flag}`).toMatchObject({ code: 0, stderr: '' });
        expect(r.stdout).toMatch(new RegExp(`^usage: support-history ${cmd}\n\n`));
        expect(r.stdout).toContain('exit status: 0 stopped by SIGTERM, SIGINT or SIGHUP');
      }
    }
    expect((await cli('worker', '--help')).stdout).toContain('HOST:WORKER_PORT, not PORT: by default any free port');
    const extra = await cli('bot', '--verbose');
    expect(extra).toEqual({ code: 2, stdout: '', stderr: 'support-history bot: unexpected argument "--verbose"\n(see support-history bot --help)\n' });
    const top = await cli('--help');
    expect(top.stdout).toContain('forget    delete a customer');
  }, 240_000);
});
