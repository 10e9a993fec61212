// The digest's "unanswered for over 24 hours": conversations are filed under the hour their wait began and
// counted per hour (src/history/projection.ts fileWaiting), so the digest reads the hour index and only the
// buckets it lists. Asserted exactly through the real pipeline on FerretDB: a reply takes a conversation out,
// a later customer message files it again under its new hour, the cut-off hour is counted entry by entry,
// resolving takes it out, and the fast digest equals the naive scan throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigest } from '../src/digest/index.js';
import { naiveDigest } from '../src/digest/naive.js';
import { resolveConversation } from '../src/history/index.js';
import { setIds, waitingHourOf } from '../src/history/projection.js';
import { scopeKey } from '../src/history/scope.js';
import { sets } from '../src/history/store.js';
import { Workspace } from '../src/db/models.js';
import { keyOf, msg, startHistoryPipeline, type HistoryPipeline } from './helpers/history-pipeline.js';

let p: HistoryPipeline;
beforeAll(async () => {
  p = await startHistoryPipeline(import.meta.filename);
  await Workspace.collection.updateOne({ _id: 'slack:TWT' as never }, { $set: { platform: 'slack', externalId: 'TWT', timeZone: 'UTC' } }, { upsert: true });
});
afterAll(async () => {
  await p?.close();
});

const S = { platform: 'slack' as const, workspaceId: 'TWT' };
const m = (user: string, at: string, extra: { thread?: string; role?: 'agent' } = {}) => msg({ ws: 'TWT', user, name: user, text: 'need:billing', at, ...extra });

async function hourCounts(): Promise<Record<string, number>> {
  const id = setIds.waitingHours(scopeKey(S));
  const d = (await sets(id).findOne({ _id: id as never })) as { h?: Record<string, { n: number }> } | null;
  return Object.fromEntries(Object.entries(d?.h ?? {}).map(([k, v]) => [new Date(Number(k.slice(1)) * 3600_000).toISOString(), v.n]));
}

describe('unanswered conversations by the hour their wait began', () => {
  const x1 = m('U1', '2026-11-10T08:10:00Z');
  const y1 = m('U2', '2026-11-11T09:40:00Z');
  const z1 = m('U3', '2026-11-12T10:00:00Z');

  it('moves a conversation between hours as it is answered, resolved and reopened, and counts the cut-off hour entry by entry', async () => {
    await p.send(x1, m('UA', '2026-11-10T08:30:00Z', { thread: x1.messageId, role: 'agent' }));
    expect((await hourCounts())['2026-11-10T08:00:00.000Z'] ?? 0).toBe(0); // (filed and taken out, or never filed when tagged after the reply)
    // Resolved, then reopened by the customer: waiting again since 09:20 the next day.
    await resolveConversation(S, keyOf(x1), { now: new Date('2026-11-10T12:00:00Z') });
    await p.send(m('U1', '2026-11-11T09:20:00Z', { thread: x1.messageId }), y1, z1);
    expect(await hourCounts()).toMatchObject({ '2026-11-11T09:00:00.000Z': 2, '2026-11-12T10:00:00.000Z': 1 });
    expect((await hourCounts())['2026-11-10T08:00:00.000Z'] ?? 0).toBe(0);

    // Cut-off 2026-11-11T09:30: of the 09:00 hour only x1 (waiting since 09:20) is late; y1 (09:40) is not.
    const now = new Date('2026-11-12T09:30:00Z');
    const d = await buildDigest(S, { week: '2026-W46', now });
    expect(d.unansweredTotal).toBe(1);
    expect(d.unanswered.map((c) => [c.id, c.waitingMs])).toEqual([[keyOf(x1), 24 * 3600_000 + 10 * 60_000]]);
    expect(await naiveDigest(S, { week: '2026-W46', now })).toEqual(d);

    const later = new Date('2026-11-13T12:00:00Z');
    const all = await buildDigest(S, { week: '2026-W46', now: later });
    expect(all.unansweredTotal).toBe(3);
    expect(all.unanswered.map((c) => c.id)).toEqual([keyOf(x1), keyOf(y1), keyOf(z1)]);
    expect(await naiveDigest(S, { week: '2026-W46', now: later })).toEqual(all);
  });

  it('takes a resolved conversation out of its hour, once, however often it is resolved', async () => {
    await resolveConversation(S, keyOf(y1), { now: new Date('2026-11-12T11:00:00Z') });
    await resolveConversation(S, keyOf(y1), { now: new Date('2026-11-12T11:05:00Z') });
    expect((await hourCounts())['2026-11-11T09:00:00.000Z']).toBe(1);
    const later = new Date('2026-11-13T12:00:00Z');
    const d = await buildDigest(S, { week: '2026-W46', now: later });
    expect(d.unansweredTotal).toBe(2);
    expect(d.unanswered.map((c) => c.id)).toEqual([keyOf(x1), keyOf(z1)]);
    expect(await naiveDigest(S, { week: '2026-W46', now: later })).toEqual(d);
    expect(waitingHourOf(new Date('2026-11-11T09:59:59.999Z'))).toBe(waitingHourOf(new Date('2026-11-11T09:00:00Z')));
  });
});
