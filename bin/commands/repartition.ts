// `support-history repartition --partitions N`: moves the history read models to a layout of N collections each
// (src/history/layout.ts), after which READ_MODEL_PARTITIONS=N must be set for the bot and workers.
import { parseArgs } from 'node:util';
import { repartition, storedLayout } from '../../src/history/layout.js';
import { MAX_PARTITIONS } from '../../src/history/store.js';
import { UsageError, withServices } from './context.js';

export const REPARTITION_USAGE = `usage: support-history repartition --partitions <n>

Moves every history read-model document (customer views and conversation lists, lookup keys, sets, briefs)
into a layout of <n> collections per read model, then records it. Stop every bot and worker first, run this,
then start them with READ_MODEL_PARTITIONS=<n>; they refuse to start while the stored layout differs. An
interrupted run is finished by running the same command again.

  1    one collection per read model: MongoDB, and FerretDB on PostgreSQL (the default)
  256  FerretDB with its SQLite backend, which scans a whole collection for every _id read

options:
  --partitions <n>  1 to ${MAX_PARTITIONS}
  -h, --help        show this help
`;

export async function repartitionCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { partitions: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(REPARTITION_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const to = Number(values.partitions);
  if (values.partitions === undefined || !/^\d+$/.test(values.partitions) || to < 1 || to > MAX_PARTITIONS) {
    throw new UsageError(`--partitions must be a whole number from 1 to ${MAX_PARTITIONS}`);
  }
  return withServices(
    async ({ log }) => {
      const before = await storedLayout();
      if (before && !before.moving && before.partitions === to) {
        process.stdout.write(`The read models are already in ${to} partition(s); nothing to move.\n`);
        return 0;
      }
      const started = Date.now();
      const report = await repartition(to, log, (moved) => {
        if (process.stderr.isTTY) process.stderr.write(`\r${moved.toLocaleString('en-US')} documents moved`);
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      process.stdout.write(
        `Moved ${report.moved.toLocaleString('en-US')} read-model documents from ${report.from} to ${report.to} partition(s) in ${((Date.now() - started) / 1000).toFixed(1)} s (${report.collectionsDropped} emptied collections dropped). Start the bot and workers with READ_MODEL_PARTITIONS=${report.to}.\n`,
      );
      return 0;
    },
    { checkLayout: false },
  );
}
