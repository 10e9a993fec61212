// What every operator command needs: validated config, a logger on stderr, MongoDB, document locks and
// (when asked) the queues; and a clean shutdown whatever happens.
import { loadConfig, readEnv, type Config } from '../../src/config.js';
import { connectMongo, disconnectMongo, ensureIndexes } from '../../src/db/connection.js';
import { setupDocLocks } from '../../src/db/doc-lock.js';
import { ensureLayout } from '../../src/history/layout.js';
import { setReadModelPartitions } from '../../src/history/store.js';
import { ConfigError } from '../../src/errors.js';
import { createLogger, type Logger } from '../../src/logger.js';
import mongoose from 'mongoose';
import { pino } from 'pino';
import { Queues } from '../../src/queue.js';

export interface CommandContext {
  config: Config;
  log: Logger;
  queues: Queues;
}

/** Exit codes: 0 done, 1 done with problems (e.g. rejected messages) or failed, 2 bad usage or configuration. */
export class UsageError extends Error {}

export function loadCliConfig(): Config {
  try {
    return loadConfig(readEnv());
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`configuration error: ${err.message}`);
    throw err;
  }
}

/** Operator commands log warnings and errors (not info) to stderr, so stdout holds only their output. */
export function cliLogger(config: Config): Logger {
  return createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2), { format: config.logFormat, fd: 2 });
}

/** `checkLayout: false` for the one command that changes the read models' layout (repartition). */
export async function withServices<T>(fn: (ctx: CommandContext) => Promise<T>, opts: { checkLayout?: boolean } = {}): Promise<T> {
  const config = loadCliConfig();
  const log = cliLogger(config);
  // A MongoDB that does not answer is one line naming MONGO_URL (ServiceUnreachableError), within CONNECT_TIMEOUT_SECONDS.
  await connectMongo(config.mongoUrl, log.child({ component: 'mongo' }), { serverSelectionTimeoutMS: config.connectTimeoutMs });
  let release: () => void = () => undefined;
  let queues: Queues | null = null;
  try {
    await ensureIndexes();
    setReadModelPartitions(config.readModelPartitions);
    if (opts.checkLayout !== false) await ensureLayout(config.readModelPartitions);
    release = await setupDocLocks({ redisUrl: config.redisUrl, prefix: config.queuePrefix, log });
    queues = new Queues({ redisUrl: config.redisUrl, prefix: config.queuePrefix, log: log.child({ component: 'queue' }) });
    return await fn({ config, log, queues });
  } finally {
    await queues?.close();
    release();
    mongoose.connection.removeAllListeners('disconnected'); // a planned disconnect is no warning
    await disconnectMongo();
  }
}
