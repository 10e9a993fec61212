// Storage failures while events arrive: they wait in the bounded retry buffer and are stored, in order,
// once storage is back; an event pushed out of a full buffer is fetched again by backfill.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedMessage } from '../../src/capture/types.js';
import { Message } from '../../src/db/models.js';
import { IDS, startDiscordFixture, USERS, type DiscordFixture } from '../fakes/discord-fixture.js';

let f: DiscordFixture;
let outage = false;

beforeAll(async () => {
  f = await startDiscordFixture(import.meta.filename, {
    adapter: { buffer: { maxBuffered: 2, baseDelayMs: 20, maxDelayMs: 100 } },
    // Storage is cut off while `outage` is set: the write fails the way a dropped MongoDB connection does.
    wrapCapture: (real) => ({
      capture: (input: unknown) => (outage ? Promise.reject(new Error('connection 3 to 127.0.0.1:27018 closed')) : real.capture(input)),
    }),
  });
});
afterAll(async () => {
  await f?.close();
});

describe('storage failure', () => {
  it('retries buffered events once storage is back, and backfills the one the full buffer dropped', async () => {
    const buffered: CapturedMessage[] = [];
    const dropped: CapturedMessage[] = [];
    f.adapter.on('buffered', (m) => buffered.push(m));
    f.adapter.on('dropped', (m) => dropped.push(m));
    outage = true;
    const msgs = [1, 2, 3].map((i) => f.fake.post(IDS.support, USERS.ada, `during the outage ${i}`));
    await f.until(() => dropped.length === 1, 'the buffer to overflow');
    expect(dropped[0]!.messageId).toBe(msgs[0]!.id);
    expect(await Message.countDocuments({ channelId: IDS.support })).toBe(0);
    outage = false;
    await Promise.all([f.capturedOf(msgs[1]!.id), f.capturedOf(msgs[2]!.id)]);
    expect(f.captured.map((c) => c.msg.messageId)).toEqual([msgs[1]!.id, msgs[2]!.id]);
    expect(buffered.map((m) => m.messageId)).toEqual(msgs.map((m) => m.id));

    const stats = await f.adapter.backfill('manual');
    expect(stats.statuses).toMatchObject({ stored: 1, duplicate: 2 });
    const docs = await Message.find({ channelId: IDS.support }).lean();
    expect(docs.map((d) => d.messageId).sort()).toEqual(msgs.map((m) => m.id).sort());
    expect(docs.find((d) => d.messageId === msgs[0]!.id)?.source).toBe('backfill');
    expect(docs.filter((d) => d.source === 'live')).toHaveLength(2);
  });
});
