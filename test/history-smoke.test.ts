// First-version smoke test: lookup, summary and digest answer on a small captured fixture.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildCustomerSummary, lookupCustomer } from '../src/history/index.js';
import { buildDigest } from '../src/digest/index.js';
import { msg, startHistoryPipeline, type HistoryPipeline } from './helpers/history-pipeline.js';

let p: HistoryPipeline;
beforeAll(async () => {
  p = await startHistoryPipeline(import.meta.filename);
});
afterAll(async () => {
  await p?.close();
});

it('finds a customer, summarises them and builds the week digest', async () => {
  const ws = 'TSMOKE';
  const a = msg({ ws, user: 'U1', name: 'Zoë Müller', email: 'zoe@example.com', text: 'charged twice need:billing sent:-0.5', at: '2026-11-23T10:00:00Z' });
  await p.send(a, msg({ ws, thread: a.messageId, user: 'UA', role: 'agent', text: 'On it', at: '2026-11-23T10:06:00Z' }));
  const scope = { platform: 'slack' as const, workspaceId: ws };
  const found = await lookupCustomer(scope, { name: 'zoe' });
  expect(found).toMatchObject({ kind: 'found', customer: { id: 'slack:TSMOKE:U1', name: 'Zoë Müller' } });
  expect(await lookupCustomer({ platform: 'slack', workspaceId: 'TOTHER' }, { name: 'zoe' })).toEqual({ kind: 'not-found' });
  const s = await buildCustomerSummary(scope, 'slack:TSMOKE:U1', { now: new Date('2026-11-24T10:00:00Z') });
  expect(s?.volume.messages).toEqual({ allTime: 1, last30d: 1 });
  expect(s?.needs.allTime).toEqual([{ need: 'billing', count: 1 }]);
  expect(s?.recent.conversations[0]).toMatchObject({ status: 'answered', firstLine: 'charged twice need:billing sent:-0.5' });
  const d = await buildDigest(scope, { now: new Date('2026-11-24T10:00:00Z') });
  expect(d).toMatchObject({ week: '2026-W48', messages: { current: 2, previous: 0 }, conversations: { current: 1, previous: 0 }, medianFirstReplyMs: { current: 360_000, previous: null } });
});

it('the fast path answers what the naive scan answers', async () => {
  const { naiveCustomerSummary, naiveLookupCustomer } = await import('../src/history/naive.js');
  const { naiveDigest } = await import('../src/digest/naive.js');
  const scope = { platform: 'slack' as const, workspaceId: 'TSMOKE' };
  const now = new Date('2026-11-24T10:00:00Z');
  expect(await buildCustomerSummary(scope, 'slack:TSMOKE:U1', { now })).toEqual(await naiveCustomerSummary(scope, 'slack:TSMOKE:U1', { now }));
  expect(await lookupCustomer(scope, { name: 'Zoe Mu' })).toEqual(await naiveLookupCustomer(scope, { name: 'Zoe Mu' }));
  expect(await lookupCustomer(scope, { email: 'ZOE@example.com' })).toEqual(await naiveLookupCustomer(scope, { email: 'zoe@example.com' }));
  expect(await buildDigest(scope, { now })).toEqual(await naiveDigest(scope, { now }));
});
