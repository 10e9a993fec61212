// The only reader of environment variables. `loadConfig` validates everything once, at start, and
// throws a ConfigError whose message is one line naming the variable and what was expected.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError } from './errors.js';
import { DEFAULT_SURVEY_SETTINGS, type SurveySettings } from './domain/survey.js';

/** CONVERSATION_WINDOW_MINUTES when unset: a customer's channel messages this close together are one conversation. */
export const DEFAULT_CONVERSATION_WINDOW_MINUTES = 30;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** `json`: one JSON object a line; `pretty`: coloured, readable lines (pino-pretty); `auto`: pretty on a terminal. */
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface SlackConfig {
  botToken: string;
  /** HTTP mode (Events API) when set and appToken is not. */
  signingSecret?: string;
  /** Socket Mode when set. */
  appToken?: string;
  apiUrl: string;
  supportChannels: string[];
  agentUsergroups: string[];
  agentUsers: string[];
  /** Agents who may erase customer data (`forget`): these users and members of these user groups. */
  adminUsers?: string[];
  adminUsergroups?: string[];
  /** Channel the weekly digest is posted to (id); none = no automatic digest. */
  digestChannel?: string;
}

export interface DiscordConfig {
  token: string;
  applicationId: string;
  guildIds: string[];
  supportChannels: string[];
  agentRoles: string[];
  agentUsers: string[];
  /** Agents who may erase customer data (`forget`): holders of these roles and these users. */
  adminRoles?: string[];
  adminUsers?: string[];
  apiUrl: string;
  globalCommands: boolean;
  /** Channel the weekly digest is posted to (id); none = no automatic digest. */
  digestChannel?: string;
}

export interface Config {
  mongoUrl: string;
  redisUrl: string;
  /** HTTP port of `start` and `bot` (health, metrics, Slack events). */
  port: number;
  /** HTTP port of a lone `worker` (health, metrics); 0 = any free port, logged at start. */
  workerPort: number;
  /** Address the HTTP server binds to. */
  host: string;
  /** How long start (and each CLI command) waits for MongoDB and Redis to answer before giving up. */
  connectTimeoutMs: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** BullMQ key prefix; wrap in braces (e.g. `{sh}`) for Redis Cluster. */
  queuePrefix: string;
  tagConcurrency: number;
  /** Top-level channel messages of one customer closer than this join one conversation. */
  conversationWindowMinutes: number;
  /** Default IANA time zone for weekly rollups and digests. */
  timeZone: string;
  /** Messages longer than this (in UTF-16 code units) are rejected at capture. */
  maxMessageChars: number;
  /** Captures that run at once; more wait in order (src/capture/gate.ts). */
  captureConcurrency: number;
  /** Captures that may wait; past it an event is refused for the platform to redeliver. */
  captureQueueLimit: number;
  /** Cron pattern (in each workspace's time zone) for the weekly digest; default Monday 09:00. */
  digestCron: string;
  /** A conversation with no message for this many days is resolved. */
  resolveAfterDays: number;
  /** Messages older than this many days are deleted by the retention job; 0 keeps everything. */
  retentionDays: number;
  /** Replace card numbers and similar secrets in message text with a placeholder before storing. */
  redactSecretsInText: boolean;
  /** Collections each history read model is split into (src/history/store.ts); changing it needs `repartition`. */
  readModelPartitions: number;
  /** Satisfaction survey defaults (SURVEY_*); each workspace may override them (src/feedback/settings.ts). */
  survey: SurveySettings;
  /** Basic-auth credentials of the queue dashboard at /admin/queues; absent = dashboard off. */
  dashboard?: { user: string; password: string };
  slack?: SlackConfig;
  discord?: DiscordConfig;
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function required(env: Env, name: string, what: string): string {
  const v = str(env, name);
  if (v === undefined) throw new ConfigError(name, `is required: ${what}`);
  return v;
}

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const v = str(env, name);
  if (v === undefined) return dflt;
  if (!/^-?\d+$/.test(v)) throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${v}")`);
  const n = Number(v);
  if (n < min || n > max) throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${v}")`);
  return n;
}

function bool(env: Env, name: string, dflt: boolean): boolean {
  const v = str(env, name);
  if (v === undefined) return dflt;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(name, `must be true or false (got "${v}")`);
}

function list(env: Env, name: string, pattern?: RegExp, what?: string): string[] {
  const v = str(env, name);
  if (v === undefined) return [];
  const items = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (pattern) {
    for (const item of items) {
      if (!pattern.test(item)) throw new ConfigError(name, `must be a comma-separated list of ${what} (bad item "${item}")`);
    }
  }
  return items;
}

function url(env: Env, name: string, dflt: string, protocols: string[]): string {
  const v = str(env, name) ?? dflt;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(name, `must be a URL starting with ${protocols.join(' or ')} (got "${redactUrl(v)}")`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must be a URL starting with ${protocols.join(' or ')} (got "${redactUrl(v)}")`);
  }
  return v;
}

/** Hides a password in a connection string so it can be shown in an error or a log. */
export function redactUrl(value: string): string {
  return value.replace(/\/\/([^:/@]+):([^@/]+)@/, '//$1:***@');
}

function timeZone(env: Env, name: string, dflt: string): string {
  const v = str(env, name) ?? dflt;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: v });
  } catch {
    throw new ConfigError(name, `must be an IANA time zone such as Europe/Berlin (got "${v}")`);
  }
  return v;
}

const SLACK_ID = /^[A-Z0-9]+$/;

function optionalId(env: Env, name: string, pattern: RegExp, what: string): { digestChannel?: string } {
  const v = str(env, name);
  if (v === undefined) return {};
  if (!pattern.test(v)) throw new ConfigError(name, `must be ${what} (got "${v}")`);
  return { digestChannel: v };
}

function cron(env: Env, name: string, dflt: string): string {
  const v = str(env, name) ?? dflt;
  const fields = v.split(/\s+/);
  if (fields.length < 5 || fields.length > 6 || !fields.every((f) => /^[\d*/,\-A-Za-z?LW#]+$/.test(f))) {
    throw new ConfigError(name, `must be a cron pattern such as "0 9 * * 1" (got "${v}")`);
  }
  return v;
}
const SNOWFLAKE = /^\d{15,21}$/;

function surveyQuestion(env: Env, name: string): string {
  const v = str(env, name);
  if (v === undefined) return DEFAULT_SURVEY_SETTINGS.question;
  if (v.length > 300) throw new ConfigError(name, `must be at most 300 characters (got ${v.length})`);
  return v;
}

function slackConfig(env: Env): SlackConfig | undefined {
  const botToken = str(env, 'SLACK_BOT_TOKEN');
  if (botToken === undefined) {
    for (const other of ['SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN']) {
      if (str(env, other) !== undefined) throw new ConfigError('SLACK_BOT_TOKEN', `is required when ${other} is set`);
    }
    return undefined;
  }
  if (!botToken.startsWith('xoxb-')) throw new ConfigError('SLACK_BOT_TOKEN', 'must be a bot token starting with xoxb-');
  const appToken = str(env, 'SLACK_APP_TOKEN');
  if (appToken !== undefined && !appToken.startsWith('xapp-')) {
    throw new ConfigError('SLACK_APP_TOKEN', 'must be an app-level token starting with xapp- (Socket Mode)');
  }
  const signingSecret = str(env, 'SLACK_SIGNING_SECRET');
  if (appToken === undefined && signingSecret === undefined) {
    throw new ConfigError('SLACK_SIGNING_SECRET', 'is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  return {
    botToken,
    ...(signingSecret !== undefined ? { signingSecret } : {}),
    ...(appToken !== undefined ? { appToken } : {}),
    apiUrl: url(env, 'SLACK_API_URL', 'https://slack.com/api/', ['https:', 'http:']),
    supportChannels: list(env, 'SLACK_SUPPORT_CHANNELS', /^[#A-Za-z0-9_.-]+$/, 'channel ids or names'),
    agentUsergroups: list(env, 'SLACK_AGENT_USERGROUPS', SLACK_ID, 'user group ids (S…)'),
    agentUsers: list(env, 'SLACK_AGENT_USERS', SLACK_ID, 'user ids (U… or W…)'),
    adminUsers: list(env, 'SLACK_ADMIN_USERS', SLACK_ID, 'user ids (U… or W…)'),
    adminUsergroups: list(env, 'SLACK_ADMIN_USERGROUPS', SLACK_ID, 'user group ids (S…)'),
    ...optionalId(env, 'SLACK_DIGEST_CHANNEL', SLACK_ID, 'a channel id (C…)'),
  };
}

function discordConfig(env: Env): DiscordConfig | undefined {
  const token = str(env, 'DISCORD_TOKEN');
  if (token === undefined) {
    if (str(env, 'DISCORD_APPLICATION_ID') !== undefined) {
      throw new ConfigError('DISCORD_TOKEN', 'is required when DISCORD_APPLICATION_ID is set');
    }
    return undefined;
  }
  const applicationId = required(env, 'DISCORD_APPLICATION_ID', 'the application id (a numeric snowflake) from the developer portal');
  if (!SNOWFLAKE.test(applicationId)) throw new ConfigError('DISCORD_APPLICATION_ID', `must be a numeric snowflake id (got "${applicationId}")`);
  return {
    token,
    applicationId,
    guildIds: list(env, 'DISCORD_GUILD_IDS', SNOWFLAKE, 'guild ids'),
    supportChannels: list(env, 'DISCORD_SUPPORT_CHANNELS', SNOWFLAKE, 'channel, category or forum ids'),
    agentRoles: list(env, 'DISCORD_AGENT_ROLES', SNOWFLAKE, 'role ids'),
    agentUsers: list(env, 'DISCORD_AGENT_USERS', SNOWFLAKE, 'user ids'),
    adminRoles: list(env, 'DISCORD_ADMIN_ROLES', SNOWFLAKE, 'role ids'),
    adminUsers: list(env, 'DISCORD_ADMIN_USERS', SNOWFLAKE, 'user ids'),
    apiUrl: url(env, 'DISCORD_API_URL', 'https://discord.com/api', ['https:', 'http:']),
    globalCommands: bool(env, 'DISCORD_GLOBAL_COMMANDS', false),
    ...optionalId(env, 'DISCORD_DIGEST_CHANNEL', SNOWFLAKE, 'a channel id'),
  };
}

/** Reads `.env` (if present) under the real environment: variables already set win. */
export function readEnv(processEnv: Env = process.env, dotenvPath = '.env'): Env {
  if (!existsSync(dotenvPath)) return { ...processEnv };
  const fromFile = parseDotenv(readFileSync(dotenvPath));
  return { ...fromFile, ...processEnv };
}

const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'pretty'];

function logFormat(env: Env): LogFormat {
  const v = (str(env, 'LOG_FORMAT') ?? 'auto').toLowerCase();
  if (!LOG_FORMATS.includes(v as LogFormat)) throw new ConfigError('LOG_FORMAT', `must be one of ${LOG_FORMATS.join(', ')} (got "${v}")`);
  return v as LogFormat;
}

export function loadConfig(env: Env): Config {
  const logLevel = (str(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  const queuePrefix = str(env, 'QUEUE_PREFIX') ?? 'sh';
  if (!/^[{}A-Za-z0-9_-]{1,64}$/.test(queuePrefix)) {
    throw new ConfigError('QUEUE_PREFIX', `must be 1-64 letters, digits, _ - { } (got "${queuePrefix}")`);
  }
  const config: Config = {
    mongoUrl: url(env, 'MONGO_URL', 'mongodb://127.0.0.1:27017/support-history', ['mongodb:', 'mongodb+srv:']),
    redisUrl: url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    port: int(env, 'PORT', 3000, 0, 65535),
    workerPort: int(env, 'WORKER_PORT', 0, 0, 65535),
    host: str(env, 'HOST') ?? '0.0.0.0',
    connectTimeoutMs: int(env, 'CONNECT_TIMEOUT_SECONDS', 5, 1, 300) * 1000,
    logLevel: logLevel as LogLevel,
    logFormat: logFormat(env),
    queuePrefix,
    tagConcurrency: int(env, 'TAG_CONCURRENCY', 4, 1, 256),
    conversationWindowMinutes: int(env, 'CONVERSATION_WINDOW_MINUTES', DEFAULT_CONVERSATION_WINDOW_MINUTES, 1, 24 * 60),
    timeZone: timeZone(env, 'TIME_ZONE', 'UTC'),
    maxMessageChars: int(env, 'MAX_MESSAGE_CHARS', 100_000, 1_000, 10_000_000),
    captureConcurrency: int(env, 'CAPTURE_CONCURRENCY', 16, 1, 1024),
    captureQueueLimit: int(env, 'CAPTURE_QUEUE_LIMIT', 50_000, 0, 1_000_000),
    digestCron: cron(env, 'DIGEST_CRON', '0 9 * * 1'),
    resolveAfterDays: int(env, 'RESOLVE_AFTER_DAYS', 7, 1, 365),
    retentionDays: int(env, 'RETENTION_DAYS', 0, 0, 36_500),
    redactSecretsInText: bool(env, 'REDACT_SECRETS_IN_TEXT', false),
    readModelPartitions: int(env, 'READ_MODEL_PARTITIONS', 1, 1, 1024),
    survey: {
      enabled: bool(env, 'SURVEY_ENABLED', DEFAULT_SURVEY_SETTINGS.enabled),
      channels: list(env, 'SURVEY_CHANNELS', /^#?[A-Za-z0-9_.-]{1,80}$/, 'channel ids or names'),
      delayMinutes: int(env, 'SURVEY_DELAY_MINUTES', DEFAULT_SURVEY_SETTINGS.delayMinutes, 0, 10_080),
      question: surveyQuestion(env, 'SURVEY_QUESTION'),
    },
  };
  const dashUser = str(env, 'DASHBOARD_USER');
  const dashPassword = str(env, 'DASHBOARD_PASSWORD');
  if ((dashUser === undefined) !== (dashPassword === undefined)) {
    throw new ConfigError(dashUser === undefined ? 'DASHBOARD_USER' : 'DASHBOARD_PASSWORD', 'is required when the other dashboard credential is set');
  }
  if (dashUser !== undefined && dashPassword !== undefined) {
    if (dashPassword.length < 12) throw new ConfigError('DASHBOARD_PASSWORD', 'must be at least 12 characters');
    config.dashboard = { user: dashUser, password: dashPassword };
  }
  const slack = slackConfig(env);
  if (slack) config.slack = slack;
  const discord = discordConfig(env);
  if (discord) config.discord = discord;
  return config;
}
