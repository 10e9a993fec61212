// `support-history <command>`: start | bot | worker (more commands join as they are built).
import { loadConfig, readEnv } from '../src/config.js';
import { ConfigError, ServiceUnreachableError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import type { Mode, RunningApp } from './app.js';
import { isOperatorCommand, OPERATOR_USAGE, runOperatorCommand } from './commands/index.js';

const USAGE = `usage: support-history <command>

commands:
  start     run the bot and the worker in one process
  bot       run the bot only (platform adapters, HTTP endpoint)
  worker    run the BullMQ worker only (tagging, maintenance)
${OPERATOR_USAGE}`;

const SERVER_EXIT = `exit status: 0 stopped by SIGTERM, SIGINT or SIGHUP (running jobs finish first, 30 s at most),
             1 could not start (MongoDB or Redis unreachable, named with its variable), 2 bad configuration`;

const SERVER_CONFIG = `Configuration comes from the environment and .env (see .env.example). MongoDB (MONGO_URL) and Redis
(REDIS_URL) must answer within CONNECT_TIMEOUT_SECONDS (5) at start; later outages are reported once, retried
with backoff, and shown as not ready on GET /readyz.`;

const SERVER_USAGE: Record<Mode, string> = {
  all: `usage: support-history start

Runs the bot and the worker in one process (a small install): the Slack and Discord adapters, the weekly
digest and surveys, tagging and maintenance jobs, and HTTP on HOST:PORT (3000): GET /healthz, /readyz,
/metrics, /admin/queues, and POST /slack/events in Slack HTTP mode.

${SERVER_CONFIG}

${SERVER_EXIT}
`,
  bot: `usage: support-history bot

Runs the bot only: the Slack and Discord adapters (events in, slash commands, weekly digest and surveys out)
and HTTP on HOST:PORT (3000): GET /healthz, /readyz, /metrics, /admin/queues, POST /slack/events. Pair it with
one or more \`support-history worker\` processes, which tag what the bot stores.

${SERVER_CONFIG}

${SERVER_EXIT}
`,
  worker: `usage: support-history worker

Runs a BullMQ worker: tagging, import chunks, re-tagging, and the maintenance schedules (untagged sweep every
5 minutes, resolving conversations quiet for RESOLVE_AFTER_DAYS every hour, retention daily). Run as many as
you like, on one host or many: they share the work through Redis.

A worker serves GET /healthz, /readyz and /metrics on HOST:WORKER_PORT, not PORT: by default any free port,
logged at start ("http listening", with its port), so workers never clash with each other or with a bot on
one host. Set WORKER_PORT for a fixed one (e.g. for a container's health check).

${SERVER_CONFIG}

${SERVER_EXIT}
`,
};

/** One line on stderr for each service that did not answer at start. */
function unreachableLines(err: unknown): string[] | null {
  const all = err instanceof AggregateError ? err.errors : [err];
  if (!all.every((e) => e instanceof ServiceUnreachableError)) return null;
  return all.map((e) => `support-history: ${(e as ServiceUnreachableError).message}`);
}

async function runServer(mode: Mode, args: string[]): Promise<void> {
  const [arg] = args;
  if (arg === '--help' || arg === '-h' || arg === 'help') {
    process.stdout.write(SERVER_USAGE[mode]);
    return;
  }
  if (arg !== undefined) {
    process.stderr.write(`support-history ${mode === 'all' ? 'start' : mode}: unexpected argument "${arg}"\n(see support-history ${mode === 'all' ? 'start' : mode} --help)\n`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig(readEnv());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`support-history: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, undefined, { format: config.logFormat });
  process.on('unhandledRejection', (reason) => log.error({ err: String(reason) }, 'unhandled rejection'));
  let app: RunningApp;
  // A signal while starting stops the start: the process exits once what was started is closed.
  let stopRequested: string | null = null;
  const earlyStop = (signal: string): void => {
    stopRequested = signal;
  };
  for (const s of SIGNALS) process.once(s, earlyStop);
  try {
    // Loaded here so operator commands do not load the adapters.
    const { startApp } = await import('./app.js');
    app = await startApp(mode, config, log);
  } catch (err) {
    const lines = unreachableLines(err);
    if (lines) process.stderr.write(`${lines.join('\n')}\n`);
    else log.fatal({ err: (err as Error).message }, 'could not start');
    process.exit(1);
  }
  for (const s of SIGNALS) process.off(s, earlyStop);
  const shutdown = (signal: string): void => {
    log.info({ signal }, 'signal received');
    const force = setTimeout(() => {
      log.error('shutdown took over 30 s; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    void app.stop().then(() => process.exit(0));
  };
  if (stopRequested) return shutdown(stopRequested);
  for (const s of SIGNALS) process.once(s, () => shutdown(s));
}

/** Each stops the process cleanly: SIGTERM (orchestrators), SIGINT (Ctrl-C), SIGHUP (the terminal closed). */
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

async function main(argv: string[]): Promise<void> {
  const [command] = argv;
  switch (command) {
    case 'start':
    case 'all':
      return runServer('all', argv.slice(1));
    case 'bot':
      return runServer('bot', argv.slice(1));
    case 'worker':
      return runServer('worker', argv.slice(1));
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      if (isOperatorCommand(command)) return runOperatorCommand(command, argv.slice(1));
      process.stderr.write(`support-history: unknown command "${command}"\n\n${USAGE}`);
      process.exit(2);
  }
}

await main(process.argv.slice(2));
