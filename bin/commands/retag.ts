// `support-history retag`: asks the worker to re-tag the history an older model tagged (the `retag` job of
// jobs/retag.ts, once per model version), or with --force runs it again.
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { RETAG_QUEUE, retagJobId, type RetagJobData } from '../../jobs/retag.js';
import { loadTagger } from '../../src/nlp/tagger.js';
import { producerConnection } from '../../src/queue.js';
import { UsageError, withServices } from './context.js';

export const RETAG_USAGE = `usage: support-history retag [options]

Enqueues the retag job for the model the worker runs: every message tagged by another model version is
tagged again through the exactly-once tag path, and the counters move by the difference. The worker does the
work (support-history worker); this command returns at once.

options:
  --model <version>  the model version to bring history to (default: the one this install loads)
  --force            run it again even if it already ran for this model
  -h, --help         show this help
`;

export async function retagCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { model: { type: 'string' }, force: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(RETAG_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  return withServices(async ({ config }) => {
    const model = values.model ?? loadTagger().modelVersion;
    const connection = producerConnection(config.redisUrl);
    connection.on('error', () => undefined);
    const queue = new Queue<RetagJobData>(RETAG_QUEUE, { connection, prefix: config.queuePrefix });
    try {
      const id = retagJobId(model);
      const existing = await queue.getJob(id);
      if (existing) {
        const state = await existing.getState();
        if (!values.force || state === 'active' || state === 'waiting' || state === 'delayed') {
          process.stdout.write(`The retag for model ${model} is already ${state}${state === 'completed' ? ` (${JSON.stringify(existing.returnvalue)})` : ''}.${state === 'completed' ? ' Use --force to run it again.' : ''}\n`);
          return 0;
        }
        await existing.remove();
      }
      await queue.add('retag', { model }, { jobId: id, attempts: 5, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: { age: 30 * 24 * 3600 }, removeOnFail: { age: 14 * 24 * 3600 } });
      process.stdout.write(`Retag for model ${model} enqueued; the worker re-tags the history tagged by other models.\n`);
      return 0;
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
}
