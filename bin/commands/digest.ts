// `support-history digest [--week YYYY-Www]`: the weekly digest the bot posts, as terminal text or JSON.
import { parseArgs } from 'node:util';
import { buildDigest } from '../../src/digest/index.js';
import { UsageError, withServices } from './context.js';
import { operatorScopes } from './customer-query.js';
import { parseNow } from './history.js';
import { renderDigestText } from './render-text.js';

export const DIGEST_USAGE = `usage: support-history digest [options]

Prints the weekly digest (conversations, messages, customers, needs, sentiment, first-reply time, what is
waiting, customers at risk), beside the week before, for every stored workspace or the one named.

options:
  --week <YYYY-Www>  the ISO week (default: the current week in the workspace's time zone)
  --workspace <id>   only this workspace (T0123… or slack:T0123…, a guild id or discord:…)
  --json             print the digests as JSON (an array)
  --now <ISO time>   take this as the current time (reproducible output)
  -h, --help         show this help
`;

export async function digestCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      week: { type: 'string' },
      workspace: { type: 'string' },
      json: { type: 'boolean', default: false },
      now: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(DIGEST_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.week !== undefined && !/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/.test(values.week)) {
    throw new UsageError(`--week must look like 2026-W48 (got "${values.week}")`);
  }
  const now = parseNow(values.now);
  return withServices(async ({ config }) => {
    const scopes = await operatorScopes(values.workspace);
    if (scopes.length === 0) {
      process.stderr.write('No workspace is stored yet: capture or import some conversations first.\n');
      return 1;
    }
    const digests = [];
    for (const scope of scopes) {
      digests.push(await buildDigest(scope, { timeZone: config.timeZone, ...(values.week ? { week: values.week } : {}), ...(now ? { now } : {}) }));
    }
    process.stdout.write(values.json ? `${JSON.stringify(digests, null, 2)}\n` : digests.map(renderDigestText).join('\n'));
    return 0;
  });
}
