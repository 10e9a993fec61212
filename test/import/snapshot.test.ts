// What the bulk importer reads before planning: only channels with a stored conversation have their messages
// read (on FerretDB each read scans the whole collection), and an import into a database holding other
// channels' history still stores exactly what capture would, with re-imports all duplicates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message } from '../../src/db/models.js';
import { loadSnapshot } from '../../src/import/bulk.js';
import { captureOrder } from '../../src/import/plan.js';
import { startImportHarness, type ImportHarness } from './harness.js';
import { syntheticExport } from './synthetic.js';

let h: ImportHarness;
beforeAll(async () => {
  h = await startImportHarness(import.meta.filename);
});
afterAll(async () => h.close());

describe('bulk import snapshot', () => {
  it('reads the messages of the channels that have conversations, and only those', async () => {
    const a = syntheticExport({ seed: 11, messages: 30, channels: ['C0SNAPA01'] });
    const b = syntheticExport({ seed: 12, messages: 30, channels: ['C0SNAPB01'] });
    expect(await h.run(a, 'capture')).toMatchObject({ rejections: [] });
    const inA = await Message.countDocuments({});
    expect(inA).toBeGreaterThan(20);

    const forB = await loadSnapshot(captureOrder(b.records));
    expect(forB.messages.size).toBe(0);
    expect(forB.conversations.size).toBe(0);
    const forBoth = await loadSnapshot(captureOrder([...a.records, ...b.records]));
    expect(forBoth.messages.size).toBe(inA);
    expect([...forBoth.conversations.values()].every((c) => c.channelId === 'C0SNAPA01')).toBe(true);

    // Channel B imports beside A's history; importing both again stores nothing twice.
    const first = await h.run(b);
    expect(first).toMatchObject({ rejections: [] });
    expect(first.stored).toBeGreaterThan(20);
    expect(await Message.countDocuments({})).toBe(inA + first.stored);
    const again = await h.run({ ...a, records: [...a.records, ...b.records] });
    expect(again).toMatchObject({ stored: 0, rejections: [] });
    expect(await Message.countDocuments({})).toBe(inA + first.stored);
  });
});
