// One pino logger for the process; components take child loggers with structured fields.
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** Paths pino replaces with [redacted] wherever they appear in a log record. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  'config.slack.botToken',
  'config.slack.appToken',
  'config.slack.signingSecret',
  'config.discord.token',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.headers.authorization',
  '*.headers["x-slack-signature"]',
  'password',
  '*.password',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'support-history' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
