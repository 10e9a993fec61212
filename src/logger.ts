// One pino logger for the process; components take child loggers with structured fields.
// JSON lines by default; readable coloured lines (pino-pretty) when LOG_FORMAT=pretty, or LOG_FORMAT=auto (the
// default) and the output is a terminal.
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { LogFormat, LogLevel } from './config.js';

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
  'config.dashboard.password',
  'config.discord.token',
  'signingSecret',
  '*.signingSecret',
  'authorization',
  '*.authorization',
  '*.Authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
  'req.headers["x-slack-signature"]',
  'headers["x-slack-signature"]',
];

/** Token shapes scrubbed from any string in a log record (an error message quoting a token, a URL with a password). */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/\bxox[abposr]-[A-Za-z0-9-]{6,}/g, 'xox?-[redacted]'],
  [/\bxapp-[A-Za-z0-9-]{6,}/g, 'xapp-[redacted]'],
  [/\b[MN][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,}/g, '[redacted discord token]'],
  [/\b(Bearer|Bot|Basic)\s+[A-Za-z0-9._~+/=-]{12,}/g, '$1 [redacted]'],
  [/\/\/([^:/@\s]+):([^@/\s]+)@/g, '//$1:***@'],
];

export function scrubSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth > 4 || value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  /** `auto` (the default): pretty when the output (`fd`) is a terminal. */
  format?: LogFormat;
  /** Where the lines go when no destination stream is given: 1 stdout (default), 2 stderr. */
  fd?: 1 | 2;
}

/** Whether lines written to `fd` in this format are pretty-printed. */
export function isPretty(format: LogFormat | undefined, fd: 1 | 2 = 1): boolean {
  if (format === 'pretty') return true;
  if (format !== 'auto') return false;
  return (fd === 1 ? process.stdout : process.stderr).isTTY === true;
}

function prettyStream(fd: 1 | 2): pino.DestinationStream {
  // Loaded only when asked for: JSON logs never load it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as (opts: Record<string, unknown>) => pino.DestinationStream;
  return pretty({
    destination: fd,
    sync: true,
    colorize: (fd === 1 ? process.stdout : process.stderr).isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
    ignore: 'pid,hostname,service',
  });
}

export function createLogger(level: LogLevel, destination?: pino.DestinationStream, opts: LoggerOptions = {}): Logger {
  const fd = opts.fd ?? 1;
  const stream = isPretty(opts.format, fd) ? prettyStream(fd) : destination;
  return pino(
    {
      level,
      base: { service: 'support-history' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { log: (obj) => scrubValue(obj, 0) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)) as Parameters<typeof method>);
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}
