// `support-history export <customer>`: the customer's full stored history as JSON on stdout (the work is
// src/privacy/export.ts, shared with the chat command `/customer export`).
import { parseArgs } from 'node:util';
import { customerHistory, exportJson } from '../../src/privacy/export.js';
import { UsageError, withServices } from './context.js';
import { CUSTOMER_ARG_HELP, findCustomer } from './customer-query.js';
import { renderAmbiguousText } from './render-text.js';

export const EXPORT_USAGE = `usage: support-history export <customer> [options]

Prints everything stored about one customer as JSON: the customer record (identities, counters), every
conversation they own and every message in those conversations or written by them, oldest first.
${CUSTOMER_ARG_HELP}

options:
  --workspace <id>   search only this workspace
  -h, --help         show this help
`;

export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { workspace: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(EXPORT_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name the customer (email, name or platform:id)');
  const query = positionals.join(' ');
  return withServices(async () => {
    const match = await findCustomer(query, values.workspace);
    if (match.kind === 'ambiguous') {
      process.stderr.write(renderAmbiguousText(query, match.candidates));
      return 1;
    }
    const history = match.kind === 'found' ? await customerHistory(match.customer.id) : null;
    if (!history) {
      process.stderr.write(`No customer matches “${query}”.\n`);
      return 1;
    }
    process.stdout.write(exportJson(history));
    return 0;
  });
}
