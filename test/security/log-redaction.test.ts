// Secrets never reach logs: real token-bearing records go through the product's pino logger into a captured
// stream, and the output is searched for every secret.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';

const SECRETS = {
  SLACK_BOT_TOKEN: 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx',
  SLACK_SIGNING_SECRET: '8f14e45fceea167a5a36dedd4bea2543',
  SLACK_APP_TOKEN: 'xapp-1-A0123456789-1234567890123-abcdef0123456789abcdef0123456789',
  DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789AB',
  DASHBOARD_PASSWORD: 'correct horse battery staple',
  MONGO_PASSWORD: 's3cr3t-mongo-pw',
};

function capture(): { lines: () => string; stream: Writable } {
  let out = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { lines: () => out, stream };
}

describe('log redaction', () => {
  it('keeps tokens, signing secrets, passwords and Authorization headers out of every log line', () => {
    const config = loadConfig({
      ...SECRETS,
      DISCORD_APPLICATION_ID: '123456789012345678',
      DASHBOARD_USER: 'ops',
      MONGO_URL: `mongodb://app:${SECRETS.MONGO_PASSWORD}@127.0.0.1:27017/sh`,
    });
    const out = capture();
    const log = createLogger('trace', out.stream);
    log.info({ config }, 'configuration loaded');
    log.info({ req: { method: 'POST', url: '/slack/events', headers: { authorization: `Bearer ${SECRETS.SLACK_BOT_TOKEN}`, cookie: 'session=abc', 'x-slack-signature': 'v0=deadbeef' } } }, 'request');
    log.warn({ headers: { Authorization: `Bot ${SECRETS.DISCORD_TOKEN}` } }, 'discord request failed');
    log.error({ err: `An API error occurred: invalid_auth (token ${SECRETS.SLACK_BOT_TOKEN})` }, 'slack call failed');
    log.error(`websocket closed for xapp token ${SECRETS.SLACK_APP_TOKEN}`);
    log.child({ token: SECRETS.DISCORD_TOKEN }).info('child logger with a token binding');
    log.info({ options: { token: SECRETS.DISCORD_TOKEN, signingSecret: SECRETS.SLACK_SIGNING_SECRET, password: SECRETS.DASHBOARD_PASSWORD } }, 'client options');
    log.info({ dashboard: config.dashboard }, 'dashboard on');
    const text = out.lines();
    expect(text.split('\n').filter(Boolean)).toHaveLength(8);
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(text.includes(secret), `${name} leaked into the logs`).toBe(false);
    }
    expect(text).not.toContain('deadbeef');
    expect(text).toContain('[redacted]');
    // What is not secret is still there to debug with.
    expect(text).toContain('/slack/events');
    expect(text).toContain('invalid_auth');
  });
});
