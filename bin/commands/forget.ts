// `support-history forget <customer> --yes`: deletes a customer, their conversations and messages, and takes
// what those messages added out of the counters that stay (weekly rollups, and other customers' or
// conversations' counters where a message of theirs is deleted with the conversation).
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Collection } from 'mongoose';
import type { Contribution, Increments } from '../../src/counters/contribution.js';
import { toIncObject } from '../../src/counters/contribution.js';
import { withDocLock } from '../../src/db/doc-lock.js';
import { Conversation, Customer, Message, OPS_MEMORY, WeeklyRollup } from '../../src/db/models.js';
import type { Logger } from '../../src/logger.js';
import { UsageError, withServices } from './context.js';
import { CUSTOMER_ARG_HELP, findCustomer } from './customer-query.js';
import { renderAmbiguousText } from './render-text.js';

export const FORGET_USAGE = `usage: support-history forget <customer> --yes [options]

Deletes a customer for good: the customer record (with its linked identities), the conversations they own,
and every message in those conversations or written by them. What those messages added to the weekly
rollups (and to the counters of anything else that stays) is subtracted, so digests stay consistent.
Without --yes it only prints what would be deleted.
${CUSTOMER_ARG_HELP}

options:
  --yes              really delete
  --workspace <id>   search only this workspace
  -h, --help         show this help
`;

interface StoredMsg {
  _id: string;
  customerId?: string | null;
  conversationId?: string | null;
  counted?: { contribution?: Contribution } | null;
  pending?: { opId: string; contribution: Contribution } | null;
}

export interface ForgetResult {
  customerId: string;
  conversations: number;
  messages: number;
  /** Counter documents the subtraction was applied to. */
  countersAdjusted: number;
}

type Target = 'conversation' | 'customer' | 'rollup';

/** Removes one customer and what they contributed. Safe to run again after a failure part-way. */
export async function forgetCustomer(customerId: string, log: Logger): Promise<ForgetResult> {
  const conversations = await Conversation.find({ customerId }, { _id: 1 }).lean();
  const convIds = new Set(conversations.map((c) => c._id));
  const messages = (await Message.find({ $or: [{ customerId }, { conversationId: { $in: [...convIds] } }] }, { _id: 1, customerId: 1, conversationId: 1, counted: 1, pending: 1 }).lean()) as unknown as StoredMsg[];
  // Sum, per surviving counter document, what the deleted messages currently add to it.
  const sums = new Map<string, { collection: Collection; id: string; incs: Increments }>();
  const opsOf = new Map<string, string[]>();
  const add = async (collection: Collection, id: string | null, incs: Increments | undefined, msg: StoredMsg, target: Target): Promise<void> => {
    if (!id || !incs) return;
    let applied = incs;
    if (msg.pending) {
      // A tag job was part-way: the documents that already hold its operation carry the pending contribution.
      const key = `${collection.collectionName}:${id}`;
      if (!opsOf.has(key)) opsOf.set(key, (((await collection.findOne({ _id: id as never }, { projection: { ops: 1 } })) as { ops?: string[] } | null)?.ops ?? []));
      if (opsOf.get(key)!.includes(msg.pending.opId)) applied = msg.pending.contribution[target];
    }
    const key = `${collection.collectionName}:${id}`;
    const s = sums.get(key) ?? { collection, id, incs: [] };
    s.incs.push(...applied.map((i) => ({ path: i.path, n: -i.n })));
    sums.set(key, s);
  };
  for (const m of messages) {
    const c = m.counted?.contribution ?? m.pending?.contribution;
    if (!c) continue;
    await add(WeeklyRollup.collection, c.rollupId, m.counted?.contribution?.rollup ?? [], m, 'rollup');
    if (c.conversationId && !convIds.has(c.conversationId)) await add(Conversation.collection, c.conversationId, m.counted?.contribution?.conversation ?? [], m, 'conversation');
    if (c.customerId && c.customerId !== customerId) await add(Customer.collection, c.customerId, m.counted?.contribution?.customer ?? [], m, 'customer');
  }
  const opId = `forget-${createHash('sha1').update(customerId).digest('hex').slice(0, 16)}`;
  let adjusted = 0;
  for (const { collection, id, incs } of sums.values()) {
    const inc = Object.fromEntries(Object.entries(toIncObject(incs)).filter(([, n]) => Math.round(n * 1e9) !== 0));
    if (Object.keys(inc).length === 0) continue;
    // Same exactly-once pattern as the tag job: a rerun finds the operation id and skips the document.
    await withDocLock(collection.collectionName, id, () =>
      collection.updateOne({ _id: id as never, ops: { $ne: opId } }, { $inc: inc, $push: { ops: { $each: [opId], $slice: -OPS_MEMORY } } } as never),
    );
    adjusted++;
  }
  // Only then delete (a failure before this point leaves everything to be found again by a rerun).
  await Message.deleteMany({ _id: { $in: messages.map((m) => m._id) } });
  await Conversation.deleteMany({ _id: { $in: [...convIds] } });
  await Customer.deleteOne({ _id: customerId });
  log.warn({ customerId, conversations: convIds.size, messages: messages.length }, 'customer forgotten');
  return { customerId, conversations: convIds.size, messages: messages.length, countersAdjusted: adjusted };
}

export async function forgetCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { yes: { type: 'boolean', default: false }, workspace: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(FORGET_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name the customer (email, name or platform:id)');
  const query = positionals.join(' ');
  return withServices(async ({ log }) => {
    const match = await findCustomer(query, values.workspace);
    if (match.kind === 'ambiguous') {
      process.stderr.write(renderAmbiguousText(query, match.candidates));
      return 1;
    }
    if (match.kind === 'not-found') {
      process.stderr.write(`No customer matches “${query}”.\n`);
      return 1;
    }
    const id = match.customer.id;
    if (!values.yes) {
      const convs = await Conversation.countDocuments({ customerId: id });
      const msgs = await Message.countDocuments({ customerId: id });
      process.stdout.write(
        `Would forget ${match.customer.name ?? match.customer.email ?? id} (${id}): ${convs} conversations and their messages, ${msgs} messages by or for them.\nRun again with --yes to delete.\n`,
      );
      return 1;
    }
    const r = await forgetCustomer(id, log);
    process.stdout.write(`Forgot ${id}: ${r.conversations} conversations, ${r.messages} messages deleted; ${r.countersAdjusted} counter documents adjusted.\n`);
    return 0;
  });
}
