// `support-history forget <customer> --yes`: deletes a customer, their conversations and messages, and takes
// what those messages added out of the counters that stay (weekly rollups, and other customers' or
// conversations' counters where a message of theirs is deleted with the conversation). The work is
// src/privacy/forget.ts, shared with the chat command `/customer forget`.
import { parseArgs } from 'node:util';
import { forgetCustomer, forgetPreview } from '../../src/privacy/forget.js';
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
  return withServices(async ({ log, queues }) => {
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
      const preview = await forgetPreview(id);
      process.stdout.write(
        `Would forget ${match.customer.name ?? match.customer.email ?? id} (${id}): ${preview?.conversations ?? 0} conversations and their messages, ${preview?.messages ?? 0} messages in all.\nRun again with --yes to delete.\n`,
      );
      return 1;
    }
    const r = await forgetCustomer(id, { log, tagQueue: queues.tag });
    process.stdout.write(`Forgot ${id}: ${r.conversations} conversations, ${r.messages} messages deleted; ${r.countersAdjusted} counter documents adjusted.\n`);
    return 0;
  });
}
