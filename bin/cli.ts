// `support-history <command>`: start | bot | worker (more commands join as they are built).
import { loadConfig, readEnv } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import type { Mode } from './app.js';
import { isOperatorCommand, OPERATOR_USAGE, runOperatorCommand } from './commands/index.js';

const USAGE = `usage: support-history <command>

commands:
  start     run the bot and the worker in one process
  bot       run the bot only (platform adapters, HTTP endpoint)
  worker    run the BullMQ worker only (tagging, maintenance)
${OPERATOR_USAGE}`;

async function runServer(mode: Mode): Promise<void> {
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
  const log = createLogger(config.logLevel);
  process.on('unhandledRejection', (reason) => log.error({ err: String(reason) }, 'unhandled rejection'));
  let app;
  try {
    // Loaded here so operator commands do not load the adapters.
    const { startApp } = await import('./app.js');
    app = await startApp(mode, config, log);
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'could not start');
    process.exit(1);
  }
  const shutdown = (signal: string): void => {
    log.info({ signal }, 'signal received');
    const force = setTimeout(() => {
      log.error('shutdown took over 30 s; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    void app.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

async function main(argv: string[]): Promise<void> {
  const [command] = argv;
  switch (command) {
    case 'start':
    case 'all':
      return runServer('all');
    case 'bot':
      return runServer('bot');
    case 'worker':
      return runServer('worker');
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
