// Security at every place a user string reaches a query: a workspace never reads another's customers;
// operator objects ({"$gt": ""}, $where, $regex), dotted keys and regex syntax are refused or treated as
// data; oversized, malformed and hostile payloads are rejected with a log line and never crash the process.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureService } from '../../src/capture/capture.js';
import { Customer, Message, WeeklyRollup } from '../../src/db/models.js';
import { CaptureValidationError } from '../../src/errors.js';
import { buildCustomerSummary, HistoryInputError, lookupCustomer } from '../../src/history/index.js';
import { createLogger } from '../../src/logger.js';
import { startPipeline, slackMessage, type Pipeline } from '../helpers/pipeline.js';

let p: Pipeline;
let logged = '';
let capture: CaptureService;
const A = { platform: 'slack' as const, workspaceId: 'TSECA' };
const B = { platform: 'slack' as const, workspaceId: 'TSECB' };
const ADA = 'slack:TSECA:USECADA';

beforeAll(async () => {
  p = await startPipeline(import.meta.filename);
  const stream = new Writable({ write: (c, _e, cb) => ((logged += c.toString()), cb()) });
  capture = new CaptureService({ queue: p.queues, log: createLogger('info', stream), maxMessageChars: 100_000 });
  const ada = await p.capture.capture(slackMessage({ workspaceId: 'TSECA', author: { userId: 'USECADA', name: 'Ada Lovelace', role: 'customer', email: 'ada@example.com' } }));
  const bob = await p.capture.capture(slackMessage({ workspaceId: 'TSECB', author: { userId: 'USECBOB', name: 'Bob Builder', role: 'customer', email: 'bob@example.com' } }));
  await p.waitForTag(ada.messageKey, 0);
  await p.waitForTag(bob.messageKey, 0);
}, 180_000);

afterAll(async () => {
  await p?.close();
});

describe('workspace isolation', () => {
  it('finds a customer from its own workspace', async () => {
    expect(await lookupCustomer(A, { userId: 'USECADA' })).toMatchObject({ kind: 'found', customer: { id: ADA } });
    expect(await lookupCustomer(A, { email: 'ada@example.com' })).toMatchObject({ kind: 'found', customer: { id: ADA } });
    expect(await buildCustomerSummary(A, ADA)).not.toBeNull();
  });

  it('does not let another workspace (or another platform with the same id) read it by id, email, name or summary', async () => {
    for (const scope of [B, { platform: 'discord' as const, workspaceId: 'TSECA' }]) {
      expect(await lookupCustomer(scope, { userId: 'USECADA' })).toEqual({ kind: 'not-found' });
      expect(await lookupCustomer(scope, { email: 'ada@example.com' })).toEqual({ kind: 'not-found' });
      expect(await lookupCustomer(scope, { name: 'Ada Lovelace' })).toEqual({ kind: 'not-found' });
      expect(await lookupCustomer(scope, { name: 'Ada' })).toEqual({ kind: 'not-found' });
      expect(await buildCustomerSummary(scope, ADA)).toBeNull();
    }
  });
});

describe('operator injection and regex input in lookups', () => {
  const hostileQueries: unknown[] = [
    { userId: { $gt: '' } },
    { email: { $ne: null } },
    { name: { $regex: '.*' } },
    { name: { $where: 'return true' } },
    { userId: ['USECADA'] },
    { 'author.userId': 'USECADA' },
    { $where: 'return true' },
    JSON.parse('{"userId": {"$gt": ""}}'),
  ];
  it.each(hostileQueries.map((q) => [JSON.stringify(q), q]))('refuses the query %s', async (_label, q) => {
    await expect(lookupCustomer(A, q as never)).rejects.toBeInstanceOf(HistoryInputError);
  });

  it('refuses a scope whose workspace id is an operator', async () => {
    await expect(lookupCustomer({ platform: 'slack', workspaceId: { $gt: '' } } as never, { name: 'Ada' })).rejects.toBeInstanceOf(HistoryInputError);
    await expect(lookupCustomer({ platform: { $ne: 'x' }, workspaceId: 'TSECA' } as never, { name: 'Ada' })).rejects.toBeInstanceOf(HistoryInputError);
  });

  it('treats operator-looking and regex strings as plain data', async () => {
    for (const name of ['{"$gt": ""}', '$where', '.*', '^A', 'Ada|Bob', '(a+)+$', 'Ada.*', '[A-Z]', 'this.name == "Ada"']) {
      const r = await lookupCustomer(A, { name });
      expect(r.kind === 'found' || r.kind === 'ambiguous' ? [r, name] : 'no match').toBe('no match');
    }
    await expect(lookupCustomer(A, { userId: '$gt' })).rejects.toBeInstanceOf(HistoryInputError);
    expect(await lookupCustomer(A, { userId: 'USECADA.' })).toEqual({ kind: 'not-found' });
    await expect(lookupCustomer(A, { email: '{"$gt":""}' })).rejects.toBeInstanceOf(HistoryInputError);
    expect(await lookupCustomer(A, { email: '".*"@example.com' })).toEqual({ kind: 'not-found' });
  });
});

describe('hostile capture payloads', () => {
  const base = () => slackMessage({ workspaceId: 'TSECA' });
  const cases: Array<[string, unknown]> = [
    ['workspaceId operator', { ...base(), workspaceId: { $gt: '' } }],
    ['messageId operator', { ...base(), messageId: { $ne: null } }],
    ['channelId with $', { ...base(), channelId: '$where' }],
    ['author.userId operator', { ...base(), author: { userId: { $gt: '' }, role: 'customer' } }],
    ['author role not a role', { ...base(), author: { userId: 'U1', role: { $in: ['agent'] } } }],
    ['text an object', { ...base(), text: { $where: 'sleep(10000)' } }],
    ['text oversized', { ...base(), text: 'x'.repeat(100_001) }],
    ['ts not a date', { ...base(), ts: '2026-11-23' }],
    ['platform unknown', { ...base(), platform: 'irc' }],
    ['null', null],
    ['array', [base()]],
    ['string', '{"kind":"new"}'],
    ['number', 42],
    ['attachments a bomb', { ...base(), attachments: Array.from({ length: 10_000 }, () => ({ name: 'a', type: 'b', size: 1 })) }],
  ];
  it.each(cases)('rejects %s with a clear error and a log line', async (label, input) => {
    const before = logged.length;
    await expect(capture.capture(input)).rejects.toBeInstanceOf(CaptureValidationError);
    const line = logged.slice(before);
    expect(line, label).toMatch(/"msg":"captured message rejected"/);
    expect(line).toMatch(/"problems":\[/);
  });

  it('stores operator-looking text, dotted names and prototype keys as data', async () => {
    const hostileText = '{"$where": "while(true){}", "$gt": "", "a.b": 1} db.dropDatabase() /.*/';
    const raw = JSON.parse(
      JSON.stringify({ ...slackMessage({ workspaceId: 'TSECA', channelId: 'C.DOT.TED', channelName: '$support.channel', text: hostileText, author: { userId: 'U.DOT', name: '$where.name', role: 'customer' } }) }).replace('"kind"', '"__proto__":{"polluted":true},"kind"'),
    );
    raw.ts = new Date(raw.ts);
    const out = await capture.capture(raw);
    expect(out.status).toBe('stored');
    await p.waitForTag(out.messageKey, 0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const stored = await Message.findById(out.messageKey).lean();
    expect(stored?.text).toBe(hostileText);
    const customer = await Customer.findById('slack:TSECA:U.DOT').lean();
    expect(customer?.name).toBe('$where.name');
    // A dotted channel id becomes a safe counter field, not a nested path.
    const rollup = await WeeklyRollup.findOne({ workspaceId: 'TSECA' }).lean();
    expect(Object.keys(rollup?.channels ?? {})).toContain('c_C_DOT_TED');
    expect(await Message.countDocuments({ workspaceId: 'TSECA' })).toBe(2);
  });
});
