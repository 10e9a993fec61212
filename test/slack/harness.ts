// The real Slack adapter (Bolt app in HTTP mode) on the project's HttpServer, against the loopback fake Web
// API, over the real capture → BullMQ → worker pipeline of the test file.
import { randomBytes } from 'node:crypto';
import { stringify } from 'node:querystring';
import { HttpServer } from '../../src/http/server.js';
import type { SlackConfig } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { SlackAdapter, type SlackAdapterOptions } from '../../adapters/slack/index.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { FakeSlackApi, slackSignature } from '../fakes/slack-api.js';

export const SECRET = 'test-signing-secret-0123456789abcdef';
export const TEAM = 'T1234';
export const SUPPORT = 'C0SUPPORT';
export const AGENT_GROUP = 'S0AGENTS';

export interface SlackHarness {
  p: Pipeline;
  fake: FakeSlackApi;
  http: HttpServer;
  port: number;
  adapter: SlackAdapter;
  /** POSTs a signed body to /slack/events; `at` overrides the signature timestamp (seconds). */
  post(body: string, contentType: string, opts?: { at?: number; secret?: string; headers?: Record<string, string> }): Promise<{ status: number; text: string }>;
  /** Sends one Events API `event_callback` envelope with a message event. */
  sendEvent(event: Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; text: string }>;
  /** Sends a slash command; returns the HTTP answer and the response_url id the adapter answers on. */
  command(command: string, text: string, userId: string): Promise<{ status: number; text: string; ms: number; responseId: string }>;
  startAdapter(opts?: SlackAdapterOptions, config?: Partial<SlackConfig>, log?: Logger): Promise<SlackAdapter>;
  close(): Promise<void>;
}

export function seedDirectory(fake: FakeSlackApi): void {
  fake.channels = [
    { id: SUPPORT, name: 'support', is_member: true },
    { id: 'C0RANDOM', name: 'random', is_member: true },
    { id: 'C0OTHER', name: 'billing-help', is_member: false },
  ];
  for (const id of [SUPPORT, 'C0RANDOM']) if (!fake.messages.has(id)) fake.messages.set(id, []);
  fake.users.set('UAGENT1', { id: 'UAGENT1', team_id: TEAM, name: 'alice', real_name: 'Alice Agent', email: 'alice@acme.test' });
  fake.users.set('UAGENT2', { id: 'UAGENT2', team_id: TEAM, name: 'bob', real_name: 'Bob Agent' });
  fake.users.set('UCUST1', { id: 'UCUST1', team_id: TEAM, name: 'carol', real_name: 'Carol Customer', email: 'carol@customer.test' });
  fake.users.set('UCUST2', { id: 'UCUST2', team_id: TEAM, name: 'dave', real_name: 'Dave Díaz' });
  fake.users.set('WEXT1', { id: 'WEXT1', team_id: 'TOTHERORG', name: 'erin', real_name: 'Erin External', email: 'erin@partner.test' });
  fake.usergroups.set(AGENT_GROUP, ['UAGENT1']);
}

/** POSTs a body to /slack/events on the port, signed as Slack signs it; `at` overrides the timestamp (seconds). */
export async function postSigned(
  port: number,
  body: string,
  contentType: string,
  opts: { at?: number; secret?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string }> {
  const at = opts.at ?? Math.floor(Date.now() / 1000);
  const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(at),
      'x-slack-signature': slackSignature(opts.secret ?? SECRET, at, body),
      ...opts.headers,
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

/** The form body Slack POSTs for a slash command typed by `userId` in #support, answered on response_url `responseId`. */
export function slashCommandBody(fake: FakeSlackApi, command: string, text: string, userId: string, responseId: string): string {
  return stringify({
    token: 'legacy-verification-token',
    team_id: TEAM,
    team_domain: 'acme',
    channel_id: SUPPORT,
    channel_name: 'support',
    user_id: userId,
    user_name: userId.toLowerCase(),
    command,
    text,
    api_app_id: 'A0APP',
    is_enterprise_install: 'false',
    response_url: fake.responseUrl(responseId),
    trigger_id: `${Date.now()}.1234.abcdef`,
  });
}

export async function startSlackHarness(file: string): Promise<SlackHarness> {
  const p = await startPipeline(file);
  const fake = new FakeSlackApi();
  await fake.start();
  seedDirectory(fake);
  const http = new HttpServer(p.env.log);
  const port = await http.listen(0, '127.0.0.1');
  const h: SlackHarness = {
    p,
    fake,
    http,
    port,
    adapter: null as unknown as SlackAdapter,
    async startAdapter(opts = {}, config = {}, log = p.env.log) {
      const adapter = new SlackAdapter(
        {
          botToken: 'xoxb-test-token',
          signingSecret: SECRET,
          apiUrl: fake.apiUrl,
          supportChannels: ['#support'],
          agentUsergroups: [AGENT_GROUP],
          agentUsers: ['UAGENT2'],
          ...config,
        },
        { capture: p.capture, http, queues: p.queues, log },
        { backfillOnStart: false, retryConfig: { retries: 3, factor: 1, minTimeout: 5, maxTimeout: 20 }, ...opts },
      );
      await adapter.start();
      h.adapter = adapter;
      return adapter;
    },
    post: (body, contentType, opts = {}) => postSigned(port, body, contentType, opts),
    sendEvent(event, headers) {
      const body = JSON.stringify({
        token: 'legacy-verification-token',
        team_id: TEAM,
        api_app_id: 'A0APP',
        event: { channel_type: 'channel', ...event, event_ts: event.ts ?? event.event_ts },
        type: 'event_callback',
        event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [{ enterprise_id: null, team_id: TEAM, user_id: fake.bot.userId, is_bot: true, is_enterprise_install: false }],
        is_ext_shared_channel: false,
      });
      return h.post(body, 'application/json', headers ? { headers } : {});
    },
    async command(command, text, userId) {
      const responseId = randomBytes(6).toString('hex');
      const body = slashCommandBody(fake, command, text, userId, responseId);
      const started = Date.now();
      const res = await h.post(body, 'application/x-www-form-urlencoded');
      return { ...res, ms: Date.now() - started, responseId };
    },
    async close() {
      await h.adapter?.stop();
      await http.close();
      await fake.close();
      await p.close();
    },
  };
  return h;
}
