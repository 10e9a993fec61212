// Shared pieces of the fault tests: a stream of distinct events, a bounded wait, and the ledger check that
// proves nothing was lost or counted twice (every counter equals what the stored messages add up to).
import { Conversation, Customer, Message, WeeklyRollup } from '../../src/db/models.js';
import type { CapturedMessage } from '../../src/capture/types.js';

/** Event i of a run: customers and channels repeat, so counters and conversations are shared and contended. */
export function streamEvent(run: string, i: number, opts: { customers?: number; channels?: number; agentsEvery?: number } = {}): CapturedMessage {
  const customers = opts.customers ?? 20;
  const channels = opts.channels ?? 3;
  const agent = opts.agentsEvery !== undefined && i % opts.agentsEvery === opts.agentsEvery - 1;
  const texts = [
    'I was charged twice on my invoice this month',
    'The export button crashes the app, please help',
    'Thanks, that fixed it!',
    'How do I add a teammate to my account?',
    'Still waiting on a refund, this is frustrating',
  ];
  return {
    kind: 'new',
    platform: 'slack',
    workspaceId: `T${run}`,
    channelId: `C${run}${i % channels}`,
    channelName: 'support',
    messageId: `1700000000.${String(i).padStart(6, '0')}`,
    author: agent
      ? { userId: `UAGENT${run}`, name: 'Agent', role: 'agent' }
      : { userId: `U${run}${i % customers}`, name: `Customer ${i % customers}`, role: 'customer' },
    text: `${texts[i % texts.length]} (#${i})`,
    ts: new Date(Date.UTC(2026, 10, 23, 9, 0, 0) + i * 1000),
  };
}

export async function until<T>(what: string, probe: () => Promise<T | null | false | undefined>, deadlineMs: number, everyMs = 100): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Ledger {
  messages: number;
  distinctMessageIds: number;
  untagged: number;
  pending: number;
  /** Differences between a counter and the sum of the stored messages behind it; empty when consistent. */
  mismatches: string[];
}

/** Recomputes every counter of one workspace from its messages and compares. */
export async function ledger(workspaceId: string): Promise<Ledger> {
  const msgs = await Message.find({ workspaceId }, { _id: 1, messageId: 1, channelId: 1, conversationId: 1, customerId: 1, author: 1, deletedAt: 1, needsTagging: 1, pending: 1 }).lean();
  const live = msgs.filter((m) => m.deletedAt == null);
  const mismatches: string[] = [];
  const byConv = new Map<string, { messages: number; customer: number; agent: number }>();
  const byCustomer = new Map<string, number>();
  for (const m of live) {
    const c = byConv.get(m.conversationId!) ?? { messages: 0, customer: 0, agent: 0 };
    c.messages++;
    if (m.author?.role === 'customer') c.customer++;
    if (m.author?.role === 'agent') c.agent++;
    byConv.set(m.conversationId!, c);
    if (m.author?.role === 'customer' && m.customerId) byCustomer.set(m.customerId, (byCustomer.get(m.customerId) ?? 0) + 1);
  }
  const convs = await Conversation.find({ workspaceId }, { counts: 1 }).lean();
  for (const conv of convs) {
    const want = byConv.get(conv._id) ?? { messages: 0, customer: 0, agent: 0 };
    if (conv.counts.messages !== want.messages || conv.counts.customerMessages !== want.customer || conv.counts.agentMessages !== want.agent) {
      mismatches.push(`conversation ${conv._id}: counts ${JSON.stringify(conv.counts)}, messages say ${JSON.stringify(want)}`);
    }
    byConv.delete(conv._id);
  }
  for (const id of byConv.keys()) mismatches.push(`messages point at missing conversation ${id}`);
  const customers = await Customer.find({ workspaceId }, { counts: 1 }).lean();
  for (const cu of customers) {
    const want = byCustomer.get(cu._id) ?? 0;
    if (cu.counts.messages !== want) mismatches.push(`customer ${cu._id}: counts.messages ${cu.counts.messages}, messages say ${want}`);
  }
  const rollups = await WeeklyRollup.find({ workspaceId }, { counts: 1 }).lean();
  const rolled = rollups.reduce((s, r) => s + r.counts.messages, 0);
  if (rolled !== live.length) mismatches.push(`weekly rollups count ${rolled} messages, ${live.length} are stored`);
  return {
    messages: msgs.length,
    distinctMessageIds: new Set(msgs.map((m) => m.messageId)).size,
    untagged: msgs.filter((m) => m.needsTagging).length,
    pending: msgs.filter((m) => m.pending != null).length,
    mismatches,
  };
}

/** One line per fault for the report: printed so a run shows the measured numbers. */
export function report(fault: string, fields: Record<string, unknown>): void {
  process.stdout.write(`[fault-report] ${fault}: ${JSON.stringify(fields)}\n`);
}

const started = Date.now();
/** A progress line with the seconds since the file started, so a slow run shows where the time went. */
export function step(what: string): void {
  process.stdout.write(`[fault-step +${((Date.now() - started) / 1000).toFixed(1)}s] ${what}\n`);
}
