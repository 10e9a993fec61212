import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, redactUrl } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

describe('loadConfig', () => {
  it('gives working defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, logLevel: 'info', queuePrefix: 'sh', timeZone: 'UTC', conversationWindowMinutes: 30, digestCron: '0 9 * * 1', resolveAfterDays: 7 });
    // A worker's own port (any free one), how long start waits for the services, logs pretty on a terminal.
    expect(c).toMatchObject({ workerPort: 0, connectTimeoutMs: 5_000, logFormat: 'auto' });
    expect(loadConfig({ WORKER_PORT: '3001', CONNECT_TIMEOUT_SECONDS: '30', LOG_FORMAT: 'Pretty' })).toMatchObject({ workerPort: 3001, connectTimeoutMs: 30_000, logFormat: 'pretty' });
    expect(c.slack).toBeUndefined();
    expect(c.discord).toBeUndefined();
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be a whole number from 0 to 65535 (got "abc")'],
    [{ PORT: '70000' }, 'PORT must be a whole number'],
    [{ MONGO_URL: 'http://x' }, 'MONGO_URL must be a URL starting with mongodb: or mongodb+srv:'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL must be a URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT must be one of auto, json, pretty (got "xml")'],
    [{ WORKER_PORT: '-1' }, 'WORKER_PORT must be a whole number from 0 to 65535 (got "-1")'],
    [{ CONNECT_TIMEOUT_SECONDS: '0' }, 'CONNECT_TIMEOUT_SECONDS must be a whole number from 1 to 300 (got "0")'],
    [{ TIME_ZONE: 'Mars/Olympus' }, 'TIME_ZONE must be an IANA time zone'],
    [{ QUEUE_PREFIX: 'a b' }, 'QUEUE_PREFIX must be'],
    [{ DIGEST_CRON: 'every monday' }, 'DIGEST_CRON must be a cron pattern'],
    [{ SLACK_BOT_TOKEN: 'abc' }, 'SLACK_BOT_TOKEN must be a bot token starting with xoxb-'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_SIGNING_SECRET is required in HTTP mode'],
    [{ SLACK_SIGNING_SECRET: 's' }, 'SLACK_BOT_TOKEN is required when SLACK_SIGNING_SECRET is set'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' }, 'SLACK_APP_TOKEN must be an app-level token'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_AGENT_USERS: 'U1,bad id' }, 'SLACK_AGENT_USERS must be a comma-separated list of user ids (U… or W…) (bad item "bad id")'],
    [{ DISCORD_TOKEN: 't' }, 'DISCORD_APPLICATION_ID is required'],
    [{ DISCORD_TOKEN: 't', DISCORD_APPLICATION_ID: 'abc' }, 'DISCORD_APPLICATION_ID must be a numeric snowflake'],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('hides passwords in connection strings it reports', () => {
    expect(redactUrl('mongodb://user:secret@host:27017/db')).toBe('mongodb://user:***@host:27017/db');
    expect(() => loadConfig({ MONGO_URL: 'http://user:secret@host' })).toThrow(/user:\*\*\*@host/);
  });

  it('parses platform settings', () => {
    const c = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      SLACK_SUPPORT_CHANNELS: 'C1234, #help',
      SLACK_AGENT_USERGROUPS: 'S1',
      DISCORD_TOKEN: 't',
      DISCORD_APPLICATION_ID: '123456789012345678',
      DISCORD_AGENT_ROLES: '223456789012345678',
    });
    expect(c.slack).toMatchObject({ appToken: 'xapp-1', supportChannels: ['C1234', '#help'], agentUsergroups: ['S1'], apiUrl: 'https://slack.com/api/' });
    expect(c.discord).toMatchObject({ applicationId: '123456789012345678', agentRoles: ['223456789012345678'], globalCommands: false });
  });

  it('documents every variable it reads in .env.example', () => {
    const source = readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8');
    const read = new Set([...source.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!));
    const documented = new Set([...readFileSync(new URL('../../.env.example', import.meta.url), 'utf8').matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    expect(read.size).toBeGreaterThan(20);
    expect([...read].filter((v) => !documented.has(v))).toEqual([]);
  });
});
