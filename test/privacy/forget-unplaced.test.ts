// Forget reaches a customer's messages the worker has not placed yet: capture names a customer's own message's
// customer at once (only an agent's reply waits for placement to learn whose conversation it joined), so an
// erasure request that arrives while the worker lags leaves nothing of them behind, now or once it catches up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Customer, Message } from '../../src/db/models.js';
import { forgetCustomer } from '../../src/privacy/forget.js';
import { slackMessage, startPipeline, type Pipeline } from '../helpers/pipeline.js';

let p: Pipeline;
beforeAll(async () => {
  p = await startPipeline(import.meta.filename, { worker: false });
});
afterAll(async () => {
  await p?.close();
});

describe('forget before placement', () => {
  it('removes the customer’s captured messages, and the worker does not bring the customer back', async () => {
    const ada = { userId: 'UADA', name: 'Ada Quillfeather', role: 'customer' as const, email: 'ada.q@example.com' };
    const first = await p.capture.capture(slackMessage({ workspaceId: 'TFU', author: ada, text: 'my card 4111 was charged twice' }));
    const second = await p.capture.capture(slackMessage({ workspaceId: 'TFU', author: ada, text: 'and please delete my data' }));
    const stored = await Message.findById(first.messageKey, { customerId: 1, conversationId: 1 }).lean();
    expect([stored?.customerId, stored?.conversationId ?? null]).toEqual(['slack:TFU:UADA', null]);

    const res = await forgetCustomer('slack:TFU:UADA', { log: p.env.log, tagQueue: p.queues.tag });
    expect(res).toMatchObject({ customerId: 'slack:TFU:UADA', messages: 2 });
    expect(await Message.countDocuments({ workspaceId: 'TFU' })).toBe(0);

    await p.startWorker();
    await p.drain();
    expect(await Message.countDocuments({ workspaceId: 'TFU' })).toBe(0);
    expect(await Customer.exists({ _id: 'slack:TFU:UADA' })).toBeNull();
    expect([first.status, second.status]).toEqual(['stored', 'stored']);
  });
});
