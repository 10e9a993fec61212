// Events captured at once (a burst: the adapters hand every event to capture as it arrives) are grouped into the
// same conversations as the same events captured one by one, in order or not, once placed as the worker places
// them (src/capture/place.ts, several tag jobs at a time, each under its message's lock): a thread reply whose
// root is stored but not placed yet places the root first and joins its conversation, and two messages of one
// customer placed at once share one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureService } from '../src/capture/capture.js';
import { Placement } from '../src/capture/place.js';
import { RootNotStoredYetError } from '../src/errors.js';
import type { CapturedMessage } from '../src/capture/types.js';
import { Conversation, Message } from '../src/db/models.js';
import { Queues } from '../src/queue.js';
import { rng, shuffleInPlace } from '../src/random.js';
import { cleanupTestEnv, connectTestDb, testEnv, type TestEnv } from './helpers/env.js';

let env: TestEnv;
let queues: Queues;
let capture: CaptureService;
let placement: Placement;
beforeAll(async () => {
  env = testEnv(import.meta.filename);
  await connectTestDb(env);
  queues = new Queues({ redisUrl: env.redisUrl, prefix: env.prefix, log: env.log });
  capture = new CaptureService({ queue: queues, log: env.log, maxMessageChars: 100_000 });
  placement = new Placement({ log: env.log, conversationWindowMinutes: 30 });
});

/** Places the workspace's messages as tag jobs would: in capture order, `lanes` at a time. */
async function placeAll(ws: string, lanes = 8): Promise<void> {
  const keys = (await Message.find({ workspaceId: ws }, { _id: 1, capturedAt: 1 }).lean()).sort((a, b) => a.capturedAt.getTime() - b.capturedAt.getTime()).map((m) => m._id);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++]!;
      await placement.place(key);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}
afterAll(async () => {
  await queues?.close();
  await cleanupTestEnv(env);
});

/** Event i of workspace `ws`: customers take turns a second apart; every fifth event is an agent's reply in the thread of the message four before. */
function event(ws: string, i: number): CapturedMessage {
  const agent = i % 5 === 4;
  return {
    kind: 'new',
    platform: 'slack',
    workspaceId: ws,
    channelId: 'C1',
    channelName: 'support',
    messageId: `${1764000000 + i}.000100`,
    threadId: agent ? `${1764000000 + i - 4}.000100` : null,
    author: agent ? { userId: 'UAGENT', name: 'Agent', role: 'agent' } : { userId: `U${i % 50}`, name: `Customer ${i % 50}`, role: 'customer' },
    text: agent ? 'Looking into it' : 'My invoice is wrong',
    ts: new Date((1764000000 + i) * 1000),
  };
}

/** Each message's conversation, named by the first message (in stream order) of that conversation. */
async function grouping(ws: string): Promise<string[]> {
  await placeAll(ws);
  const msgs = await Message.find({ workspaceId: ws }, { messageId: 1, conversationId: 1 }).lean();
  const byId = new Map(msgs.map((m) => [m.messageId, m.conversationId]));
  const first = new Map<string, string>();
  return Array.from({ length: 300 }, (_, i) => {
    const id = `${1764000000 + i}.000100`;
    const conv = byId.get(id)!;
    if (!first.has(conv)) first.set(conv, id);
    return first.get(conv)!;
  });
}

describe('capture under a burst', () => {
  it('groups 300 events delivered at once exactly as when they come one by one', async () => {
    for (let i = 0; i < 300; i++) await capture.capture(event('TSEQ', i));
    await Promise.all(Array.from({ length: 300 }, (_, i) => capture.capture(event('TBURST', i))));
    const sequential = await grouping('TSEQ');
    expect(new Set(sequential).size).toBe(40); // one conversation per customer; replies join their root's
    expect(await grouping('TBURST')).toEqual(sequential);
  }, 240_000);

  it('groups them the same when they reach capture out of order (a reply still after its root)', async () => {
    // A seeded shuffle, then each agent reply moved just after its root if it came before it.
    const order = shuffleInPlace(Array.from({ length: 300 }, (_, i) => i), rng(11));
    for (let i = 4; i < 300; i += 5) {
      const at = order.indexOf(i);
      const rootAt = order.indexOf(i - 4);
      if (at < rootAt) {
        order.splice(at, 1);
        order.splice(order.indexOf(i - 4) + 1, 0, i);
      }
    }
    await Promise.all(order.map((i) => capture.capture(event('TSHUF', i))));
    expect(await grouping('TSHUF')).toEqual(await grouping('TSEQ'));
  }, 240_000);

  it('puts a thread reply stored before its root in the conversation its root joins, owned by the customer and answered', async () => {
    // Events 0–49 in order (each customer opens a conversation), then 50–99 with every agent reply (54, 59, …)
    // stored before its root (50, 55, …), all placed afterwards. The root is placed first, as in timestamp order:
    // it joins its customer's conversation of 50 seconds before, and the reply follows it there. (When a root
    // is placed after its reply, the root joins the thread the reply opened instead.)
    for (let i = 0; i < 50; i++) await capture.capture(event('TLATE', i));
    for (let g = 50; g < 100; g += 5) for (const i of [g + 4, g, g + 1, g + 2, g + 3]) await capture.capture(event('TLATE', i));
    await placeAll('TLATE');
    const msgs = await Message.find({ workspaceId: 'TLATE' }, { messageId: 1, conversationId: 1 }).lean();
    const convOf = new Map(msgs.map((m) => [m.messageId, m.conversationId]));
    const id = (i: number): string => `${1764000000 + i}.000100`;
    for (let i = 54; i < 100; i += 5) {
      const reply = convOf.get(id(i))!;
      expect(reply).toBe(convOf.get(id(i - 4)));
      expect(reply).toBe(convOf.get(id(i - 54)));
      const c = (await Conversation.findById(reply).lean())!;
      expect(c.customerId).toBe(`slack:TLATE:U${(i - 4) % 50}`);
      expect(c.status).toBe('answered');
      // Answered by the reply to the customer's first message (event i - 50, an agent's when i - 54 ≡ 0 mod 5).
      expect(c.startedAt).toEqual(new Date((1764000000 + i - 54) * 1000));
    }
    const convs = await Conversation.find({ workspaceId: 'TLATE' }).lean();
    expect(convs).toHaveLength(40);
    expect(convs.filter((c) => !c.customerId)).toEqual([]);
  }, 240_000);

  it('places a thread reply whose root is not stored yet only once the root is, in its conversation', async () => {
    const reply = event('TWAIT', 4);
    const replyKey = `slack:TWAIT:C1:${reply.messageId}`;
    await capture.capture(event('TWAIT', 3)); // another customer's message of the channel, older than the reply
    await capture.capture(reply);
    await expect(placement.place(replyKey)).rejects.toBeInstanceOf(RootNotStoredYetError);
    expect(await Message.findById(replyKey, { pend: 1 }).lean()).toMatchObject({ pend: 'slack:TWAIT:C1' });
    expect((await Message.findById('slack:TWAIT:C1:1764000003.000100', { conversationId: 1 }).lean())?.conversationId).toBe('slack:TWAIT:C1:1764000003.000100');
    await capture.capture(event('TWAIT', 0)); // the root, a moment later
    await placement.place(replyKey);
    const convOf = async (i: number) => (await Message.findById(`slack:TWAIT:C1:${1764000000 + i}.000100`, { conversationId: 1, customerId: 1 }).lean());
    expect(await convOf(4)).toMatchObject({ conversationId: 'slack:TWAIT:C1:1764000000.000100', customerId: 'slack:TWAIT:U0' });
    expect(await convOf(0)).toMatchObject({ conversationId: 'slack:TWAIT:C1:1764000000.000100', customerId: 'slack:TWAIT:U0' });
  }, 60_000);

  it('heads a conversation with the text first captured, whether an edit came before placement or after', async () => {
    const first = event('THEAD', 0);
    await capture.capture(first);
    await capture.capture({ ...first, kind: 'edit', text: 'Sorry, I meant: my refund is late', editedAt: new Date((1764000000 + 60) * 1000) });
    await placeAll('THEAD');
    expect(await Conversation.findById('slack:THEAD:C1:1764000000.000100', { firstLine: 1 }).lean()).toMatchObject({ firstLine: 'My invoice is wrong' });
  }, 60_000);

  it('names the customer on agent replies placed before their root reached storage', async () => {
    // Past the wait the reply is placed without its root: it opens the thread's conversation with no customer.
    // When the root comes, its customer takes the conversation over, and the reply names that customer too, as
    // it would have had the root come first.
    const impatient = new Placement({ log: env.log, conversationWindowMinutes: 30, rootWaitMs: 0 });
    const reply = event('TTAKE', 4);
    await capture.capture(reply);
    await impatient.place(`slack:TTAKE:C1:${reply.messageId}`);
    const replyKey = `slack:TTAKE:C1:${reply.messageId}`;
    expect((await Message.findById(replyKey, { customerId: 1 }).lean())?.customerId ?? null).toBeNull();
    await capture.capture(event('TTAKE', 0));
    await impatient.place('slack:TTAKE:C1:1764000000.000100');
    const placed = await Message.find({ workspaceId: 'TTAKE' }, { conversationId: 1, customerId: 1 }).lean();
    expect(placed.map((m) => [m.conversationId, m.customerId]).sort()).toEqual([
      ['slack:TTAKE:C1:1764000000.000100', 'slack:TTAKE:U0'],
      ['slack:TTAKE:C1:1764000000.000100', 'slack:TTAKE:U0'],
    ]);
    expect(await Conversation.findById('slack:TTAKE:C1:1764000000.000100').lean()).toMatchObject({ customerId: 'slack:TTAKE:U0', status: 'answered', firstResponseMs: 4000 });
  }, 60_000);
});
