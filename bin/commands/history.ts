// `support-history history <customer>`: the customer summary `/history` shows, as terminal text or JSON.
import { parseArgs } from 'node:util';
import { buildCustomerSummary } from '../../src/history/index.js';
import { UsageError, withServices } from './context.js';
import { CUSTOMER_ARG_HELP, findCustomer } from './customer-query.js';
import { renderAmbiguousText, renderSummaryText } from './render-text.js';

export const HISTORY_USAGE = `usage: support-history history <customer> [options]

Prints the customer's history as the /history command shows it: contact details, volume, open and
unanswered conversations, needs, sentiment and recent conversations.
${CUSTOMER_ARG_HELP}

options:
  --workspace <id>   search only this workspace (T0123… or slack:T0123…, a guild id or discord:…)
  --page <n>         page of recent conversations (default 1)
  --json             print the summary as JSON
  --now <ISO time>   compute "last 30 days" and waiting times as of this time (reproducible output)
  -h, --help         show this help

exit status: 0 printed, 1 no customer or several match (candidates listed), 2 bad usage or configuration
`;

export function parseNow(v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--now: not a date/time: "${v}"`);
  return d;
}

export async function historyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workspace: { type: 'string' },
      page: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      now: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HISTORY_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name the customer (email, name or platform:id)');
  const query = positionals.join(' ');
  const page = Number(values.page);
  if (!Number.isInteger(page) || page < 1) throw new UsageError(`--page must be a whole number from 1 (got "${values.page}")`);
  const now = parseNow(values.now);
  return withServices(async () => {
    const match = await findCustomer(query, values.workspace);
    if (match.kind === 'not-found') {
      process.stderr.write(`No customer matches “${query}”. Customers appear once they have written in a support channel (or were imported).\n`);
      return 1;
    }
    if (match.kind === 'ambiguous') {
      if (values.json) process.stdout.write(`${JSON.stringify({ ambiguous: match.candidates }, null, 2)}\n`);
      else process.stdout.write(renderAmbiguousText(query, match.candidates));
      return 1;
    }
    const summary = await buildCustomerSummary(match.scope, match.customer.id, { page, ...(now ? { now } : {}) });
    if (!summary) {
      process.stderr.write(`No customer matches “${query}”.\n`);
      return 1;
    }
    process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummaryText(summary));
    return 0;
  });
}
