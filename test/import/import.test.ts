// Imports of hand-made exports (the shipped samples plus damaged copies), re-import, and the bulk path
// checked against capture one by one.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { messageKey, tagJobId } from '../../src/domain/keys.js';
import { Conversation, Customer, Message } from '../../src/db/models.js';
import { readDiscordExport } from '../../src/import/discord-export.js';
import { readSlackExport } from '../../src/import/slack-export.js';
import { openExport } from '../../src/import/source.js';
import { startImportHarness, type ImportHarness } from './harness.js';
import { syntheticExport } from './synthetic.js';
import { CaptureService } from '../../src/capture/capture.js';
import { redactSecrets } from '../../src/capture/redact.js';
import { runImport } from '../../src/import/run.js';

const SLACK = 'samples/slack-export';
const DISCORD = 'samples/discord-export';
const T = 'T0LUMEN01';
const C = 'C0SUPPORT1';
const B = 1794819600; // 2026-11-16T09:00:00Z, minute 0 of the Slack sample
const sts = (minutes: number): string => `${B + minutes * 60}.000100`;
const skey = (minutes: number): string => messageKey('slack', T, C, sts(minutes));
const at = (minutes: number): Date => new Date((B + minutes * 60) * 1000);

const slackOpts = { channels: ['support'], configuredChannels: [], agentUsers: ['U0AGENT01'] };
const discordOpts = { channels: [], configuredChannels: [], agentUsers: [], agentRoles: ['Support'] };

let h: ImportHarness;
let tmp: string;

beforeAll(async () => {
  h = await startImportHarness(import.meta.filename);
  tmp = await mkdtemp(join(tmpdir(), 'sh-import-'));
});
afterAll(async () => {
  await h?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  await h.clear();
});

describe('Slack export', () => {
  it('imports threads, edits, files, bot messages, Slack Connect users and deleted thread roots', async () => {
    const content = await readSlackExport(await openExport(SLACK), slackOpts);
    expect(content.skipped).toEqual({ 'channel event (channel_join)': 1, 'channel not selected (day files)': 1 });
    const summary = await h.run(content);
    expect(summary).toMatchObject({ read: 13, stored: 12, duplicates: 0, updated: 1, rejections: [] });

    // A thread: root, an edited agent reply, the customer's thanks: one conversation, answered in 4 minutes.
    const thread = await Conversation.findById(skey(0)).lean();
    expect(thread).toMatchObject({
      kind: 'thread',
      threadId: sts(0),
      customerId: `slack:${T}:U0MAPLE01`,
      status: 'answered',
      firstResponseMs: 4 * 60_000,
      channelName: 'support',
      firstLine: 'Hi, I was charged twice for my November invoice. Can you refund one?',
    });
    const reply = await Message.findById(skey(4)).lean();
    expect(reply).toMatchObject({ conversationId: skey(0), customerId: `slack:${T}:U0MAPLE01`, threadId: sts(0), author: { role: 'agent', name: 'Sam Rivera' }, source: 'import' });
    expect(reply?.editedAt?.toISOString()).toBe(at(5).toISOString());
    expect((await Message.findById(skey(9)).lean())?.conversationId).toBe(skey(0));

    // A file share, then more from the same customer within the window: one conversation. The bot notice
    // after them is stored as the bot's, in no conversation and for no customer (issue 18 item 8).
    const file = await Message.findById(skey(30)).lean();
    expect(file?.attachments).toEqual([{ name: 'crash.png', type: 'image/png', size: 20480 }]);
    expect((await Message.findById(skey(40)).lean())?.conversationId).toBe(skey(30));
    const bot = await Message.findById(skey(60)).lean();
    expect(bot).toMatchObject({ author: { userId: 'B0STATUS1', name: 'StatusBot', role: 'bot' }, text: 'Scheduled maintenance tonight at 22:00 UTC.' });
    expect([bot?.conversationId ?? null, bot?.customerId ?? null]).toEqual([null, null]);
    expect(await Conversation.findById(skey(60)).lean()).toBeNull();
    expect(await Conversation.findById(skey(30)).lean()).toMatchObject({ customerId: `slack:${T}:U0OTTO001`, lastMessageAt: at(40) });

    // A Slack Connect user is an external customer; a broadcast reply joins the thread.
    const juno = await Customer.findById(`slack:${T}:U0JUNO001`).lean();
    expect(juno).toMatchObject({ name: 'Juno Park', email: 'juno@acorn-labs.example', external: true });
    expect(await Conversation.findById(skey(120)).lean()).toMatchObject({ status: 'answered', firstResponseMs: 5 * 60_000 });

    // A deleted thread root leaves a tombstone; its reply still opens the thread's conversation.
    const tombstone = await Message.findById(skey(200)).lean();
    expect(tombstone).toMatchObject({ needsTagging: false, rev: 0 });
    expect([tombstone?.text ?? null, tombstone?.conversationId ?? null]).toEqual([null, null]);
    expect(tombstone?.deletedAt).toBeInstanceOf(Date);
    expect(await Conversation.findById(skey(200)).lean()).toMatchObject({ kind: 'thread', customerId: `slack:${T}:U0OTTO001` });

    // A file hidden by the plan's limit is kept as an attachment without a name.
    expect((await Message.findById(skey(300)).lean())?.attachments).toEqual([{ name: null, type: null, size: null }]);

    expect(await Message.countDocuments({})).toBe(13);
    expect(await Message.countDocuments({ channelId: 'C0RANDOM01' })).toBe(0);
    expect(await Conversation.countDocuments({})).toBe(6);
    expect((await Customer.find({}, { _id: 1 }).lean()).map((c) => c._id).sort()).toEqual(
      [`slack:${T}:U0JUNO001`, `slack:${T}:U0MAPLE01`, `slack:${T}:U0OTTO001`],
    );
    // Every stored message has its tag job, with the live path's job id, once the worker's tag-chunk
    // processor has expanded the importer's chunk jobs (12 new messages in chunks of 7: two jobs).
    const stored = await Message.find({ needsTagging: true }, { _id: 1 }).lean();
    expect(stored).toHaveLength(12);
    expect(await h.tagChunkJobIds()).toHaveLength(2);
    expect(await h.expandTagChunks()).toBe(2);
    expect(await h.tagJobIds()).toEqual(stored.map((m) => tagJobId(m._id, 0)).sort());
  });

  it('re-importing (the folder, then the same export zipped) changes nothing', async () => {
    const first = await h.run(await readSlackExport(await openExport(SLACK), slackOpts));
    expect(first.stored).toBe(12);
    await h.expandTagChunks();
    const before = await h.snapshot();
    const jobs = await h.tagJobIds();
    expect(jobs).toHaveLength(12);
    const chunkJobs = await h.tagChunkJobIds();

    const again = await h.run(await readSlackExport(await openExport(SLACK), slackOpts));
    expect(again).toMatchObject({ stored: 0, duplicates: 13, updated: 0, rejections: [] });

    const files: Record<string, Uint8Array> = {};
    for (const f of ['channels.json', 'users.json', 'support/2026-11-16.json', 'support/2026-11-17.json', 'random/2026-11-16.json']) {
      files[`slack-export/${f}`] = strToU8(await readFile(join(SLACK, f), 'utf8'));
    }
    const zip = join(tmp, 'export.zip');
    await writeFile(zip, zipSync(files));
    const zipped = await h.run(await readSlackExport(await openExport(zip), slackOpts));
    expect(zipped).toMatchObject({ read: 13, stored: 0, duplicates: 13 });

    // Nothing stored, so no chunk job for the zipped run; the folder's re-run re-enqueued its two chunks (the
    // messages are still untagged), which run again and add no tag job: theirs are waiting (issue 18 item 2).
    expect(await h.expandTagChunks()).toBe(2);
    expect(await h.snapshot()).toEqual(before);
    expect(await h.tagChunkJobIds()).toEqual(chunkJobs);
    expect(await h.tagJobIds()).toEqual(jobs);
  });

  it('reports a truncated day file and a malformed message by file and position, and imports the rest', async () => {
    const dir = join(tmp, 'corrupt');
    await rm(dir, { recursive: true, force: true });
    await cp(SLACK, dir, { recursive: true });
    const day1 = await readFile(join(SLACK, 'support/2026-11-16.json'), 'utf8');
    // Cut inside the sixth message (index 5, Otto's "It also happens on the web version.").
    await writeFile(join(dir, 'support/2026-11-16.json'), day1.slice(0, day1.indexOf('It also happens')));
    const day2 = JSON.parse(await readFile(join(SLACK, 'support/2026-11-17.json'), 'utf8')) as unknown[];
    day2.splice(1, 0, { type: 'message', user: 'U0OTTO001', text: 'no timestamp here' }, 'not a message');
    await writeFile(join(dir, 'support/2026-11-17.json'), JSON.stringify(day2, null, 2));

    const summary = await h.run(await readSlackExport(await openExport(dir), slackOpts));
    const lines = summary.rejections.map((r) => `${r.file}, ${r.position}: ${r.reason}`);
    const cutAt = day1.lastIndexOf('{', day1.indexOf('It also happens'));
    const before = day1.slice(0, cutAt);
    const line = before.split('\n').length;
    const column = cutAt - before.lastIndexOf('\n');
    expect(lines).toEqual([
      `support/2026-11-16.json, line ${line}, column ${column} (offset ${cutAt}): element 5 is cut off (truncated file)`,
      'support/2026-11-17.json, message 1: missing or malformed ts (null)',
      'support/2026-11-17.json, message 2: not a message object',
    ]);
    // The five messages before the cut (one a channel event) and both valid ones of day 2 are stored.
    expect(summary).toMatchObject({ read: 6, stored: 6 });
    expect((await Message.find({}, { _id: 1 }).lean()).map((m) => m._id).sort()).toEqual(
      [skey(0), skey(4), skey(9), skey(30), messageKey('slack', T, C, '1794924000.000100'), messageKey('slack', T, C, '1794924900.000100')].sort(),
    );
  });

  it('rejects a message the capture rules refuse, naming file and position', async () => {
    const content = await readSlackExport(await openExport(SLACK), slackOpts);
    const victim = content.records.find((r) => r.msg.messageId === sts(40))!;
    victim.msg.text = 'x'.repeat(100_001);
    const summary = await h.run(content);
    expect(summary.rejections).toEqual([{ file: 'support/2026-11-16.json', position: 'message 5', reason: 'text is 100001 characters, over the limit of 100000' }]);
    expect(summary.stored).toBe(11);
  });
});

describe('DiscordChatExporter export', () => {
  it('imports a channel and its thread file: replies, attachments, bots, edits, agents by role', async () => {
    const content = await readDiscordExport(await openExport(DISCORD), discordOpts);
    expect(content.skipped).toEqual({ 'channel event (GuildMemberJoin)': 1, 'channel event (ThreadCreated)': 1 });
    const summary = await h.run(content);
    expect(summary).toMatchObject({ read: 7, stored: 7, duplicates: 0, rejections: [] });
    const G = '900000000000000001';
    const CH = '910000000000000001';
    const TH = '920000000000000001';
    const dkey = (id: string): string => messageKey('discord', G, CH, id);
    const first = await Message.findById(dkey('960000000000000002')).lean();
    expect(first?.editedAt?.toISOString()).toBe('2026-11-18T09:01:30.000Z');
    expect(first?.permalink).toBe(`https://discord.com/channels/${G}/${CH}/960000000000000002`);
    const conv = await Conversation.findById(dkey('960000000000000002')).lean();
    expect(conv).toMatchObject({ kind: 'channel', status: 'answered', firstResponseMs: 6 * 60_000, customerId: `discord:${G}:940000000000000001` });
    const attachmentOnly = await Message.findById(dkey('960000000000000004')).lean();
    expect(attachmentOnly).toMatchObject({ conversationId: dkey('960000000000000002'), attachments: [{ name: 'sync.png', type: 'png', size: 48213 }] });
    // No text: stored without the field (as FerretDB stores the live path's upsert), which reads as null.
    expect(attachmentOnly?.text ?? null).toBeNull();
    // The bot's reminder is stored as the bot's: no conversation of its own, none of a customer's (issue 18 item 8).
    const reminder = await Message.findById(dkey('960000000000000005')).lean();
    expect(reminder).toMatchObject({ author: { role: 'bot', name: 'LumenBot' }, text: 'Reminder: firmware 2.4 is rolling out this week.' });
    expect([reminder?.conversationId ?? null, reminder?.customerId ?? null]).toEqual([null, null]);
    expect(await Conversation.findById(dkey('960000000000000005')).lean()).toBeNull();
    // The thread's messages belong to the parent channel and to the conversation of the message it grew from.
    const threadReply = await Message.findById(dkey('980000000000000001')).lean();
    expect(threadReply).toMatchObject({ threadId: TH, conversationId: dkey(TH), author: { role: 'agent', name: 'Kit (Lumen)' } });
    expect(threadReply?.permalink).toBe(`https://discord.com/channels/${G}/${TH}/980000000000000001`);
    expect(await Conversation.findById(dkey(TH)).lean()).toMatchObject({ status: 'answered', firstResponseMs: 20 * 60_000 });
    expect(await Customer.countDocuments({})).toBe(2);

    const again = await h.run(await readDiscordExport(await openExport(DISCORD), discordOpts));
    expect(again).toMatchObject({ stored: 0, duplicates: 7 });
  });

  it('imports the complete messages of a truncated file and names where it breaks', async () => {
    const dir = join(tmp, 'discord-cut');
    await rm(dir, { recursive: true, force: true });
    await cp(DISCORD, dir, { recursive: true });
    const text = await readFile(join(DISCORD, 'support-chat.json'), 'utf8');
    const cut = text.indexOf('Reminder: firmware');
    await writeFile(join(dir, 'support-chat.json'), text.slice(0, cut));
    const summary = await h.run(await readDiscordExport(await openExport(dir), discordOpts));
    expect(summary.rejections).toHaveLength(1);
    expect(summary.rejections[0]).toMatchObject({ file: 'support-chat.json', reason: 'element 4 is cut off (truncated file)' });
    expect(summary.rejections[0]!.position).toMatch(/^line \d+, column \d+ \(offset \d+\)$/);
    // Join (skipped), three messages before the cut, and the thread file's two.
    expect(summary).toMatchObject({ read: 5, stored: 5 });
  });
});

describe('bulk import keeps the live capture semantics', () => {
  it('redacts secrets in text exactly as capture does when REDACT_SECRETS_IN_TEXT is on', async () => {
    const capture = new CaptureService({ queue: h.queues, log: h.env.log, maxMessageChars: 100_000, redactSecrets: true });
    const text = 'my card 4111 1111 1111 1111 was charged twice, password: hunter22';
    const content = syntheticExport({ seed: 3, messages: 2 });
    content.records.forEach((r) => (r.msg.text = text));
    const [viaBulk, viaCapture] = content.records as [(typeof content.records)[0], (typeof content.records)[0]];
    const common = { capture, queues: h.queues, log: h.env.log, conversationWindowMinutes: 30, maxMessageChars: 100_000 };
    await runImport({ ...content, records: [viaBulk] }, { ...common, via: 'bulk', textFilter: (t) => redactSecrets(t).text });
    await runImport({ ...content, records: [viaCapture] }, { ...common, via: 'capture' });
    const stored = await Message.find({}, { text: 1 }).lean();
    expect(stored).toHaveLength(2);
    expect(stored[0]!.text).not.toContain('4111');
    expect(stored[0]!.text).toBe(stored[1]!.text);
  });

  async function scenario(via: 'bulk' | 'capture'): Promise<Record<string, unknown[]>> {
    await h.clear();
    const early = syntheticExport({ seed: 7, messages: 60 });
    // Some history is already there (the bot was live before the import), part of it resolved since.
    for (const r of early.records.slice(0, 20)) await h.capture.capture(r.msg);
    await h.place();
    await Conversation.updateMany({ lastMessageAt: { $lt: new Date('2026-10-01T12:00:00Z') } }, { $set: { status: 'resolved', resolvedAt: new Date('2026-10-02T00:00:00Z') } });
    const all = syntheticExport({ seed: 7, messages: 60 });
    const slack = await readSlackExport(await openExport(SLACK), slackOpts);
    const discord = await readDiscordExport(await openExport(DISCORD), discordOpts);
    const summary = await h.run({ ...all, records: [...all.records, ...slack.records, ...discord.records] }, via);
    expect(summary.rejections).toEqual([]);
    // The bulk path's tag jobs come from its chunk jobs, expanded by the worker (none on the capture path).
    await h.expandTagChunks();
    return h.snapshot();
  }

  it('stores the same documents as capturing each message through CaptureService', async () => {
    const bulk = await scenario('bulk');
    const bulkJobs = await h.tagJobIds();
    const live = await scenario('capture');
    expect(bulk.messages!.length).toBeGreaterThan(60);
    expect(bulk).toEqual(live);
    expect(bulkJobs).toEqual(await h.tagJobIds());
  }, 300_000);
});
