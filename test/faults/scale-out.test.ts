// Scale-out stays exact: one seeded Slack stream (threads, replies before their roots, edits, deletes,
// duplicated deliveries, two customers linked mid-stream) sent once through a single `npm start`, and once
// through two `support-history bot` processes (each duplicate delivered to both) with three
// `support-history worker` processes. Each run has its own database and queue prefix; afterwards the stored
// messages, conversations, customers, every customer summary, the `/history` answers and the week's digest
// are equal. Events are sent several at a time, so arrival order differs between the runs (and from the
// order of their timestamps): what is stored must not depend on it.
//
// About a minute; `npm run test:scale-out` runs it alone. What it caught on the way is in "The scale-out check"
// of docs/write-path.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mongoose from 'mongoose';
import { Conversation, Customer, Message } from '../../src/db/models.js';
import { connectMongo } from '../../src/db/connection.js';
import { buildCustomerSummary } from '../../src/history/index.js';
import { buildDigest } from '../../src/digest/index.js';
import { isoWeekKey } from '../../src/time/week.js';
import { Queues } from '../../src/queue.js';
import { FakeSlackApi } from '../fakes/slack-api.js';
import { AGENT_GROUP, SECRET, SUPPORT, TEAM, postSigned, seedDirectory, slashCommandBody } from '../slack/harness.js';
import { cleanupTestEnv, testEnv, type TestEnv } from '../helpers/env.js';
import { freePort } from '../helpers/servers.js';
import { until } from './harness.js';

const CUSTOMERS = ['UCUST1', 'UCUST2', 'UCUST3', 'UCUST4', 'UCUST5', 'UCUST6'];
const THREADS = 24;
const IN_FLIGHT = 8;
const TEXTS = [
  'I was charged twice for my subscription this month',
  'The app crashes every time I open the export page',
  'How do I add a teammate to our plan?',
  'My order has not arrived, it has been three weeks',
  'I cannot log in, the reset email never comes',
  'Can I change the email my invoices go to?',
];

let fake: FakeSlackApi;
/** Message timestamps: about 50.5 hours before the test started, one second apart (see base). */
let base: number;
const children: ChildProcess[] = [];

beforeAll(async () => {
  fake = new FakeSlackApi();
  await fake.start();
  seedDirectory(fake);
  for (const [i, id] of CUSTOMERS.entries()) {
    if (!fake.users.has(id)) fake.users.set(id, { id, team_id: TEAM, name: `cust${i + 1}`, real_name: `Customer ${i + 1}`, email: `cust${i + 1}@customer.test` });
  }
  // Half past the hour, 50 hours back: waiting times ("waiting 50 h") read the same in both runs, minutes apart.
  base = Math.floor((Date.now() - 50.5 * 3600_000) / 1000);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await fake?.close();
});

// ---------------------------------------------------------------------------------------------------------
// The stream: every event is a Slack Events API envelope, exactly as Slack sends it.

type Delivery = { kind: 'event'; body: string; twice: boolean } | { kind: 'link' };

const tsOf = (offsetSeconds: number, micro = 100): string => `${base + offsetSeconds}.${String(micro).padStart(6, '0')}`;

function envelope(event: Record<string, unknown>, id: string): string {
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: TEAM,
    api_app_id: 'A0APP',
    event: { channel: SUPPORT, channel_type: 'channel', event_ts: event.ts, ...event },
    type: 'event_callback',
    event_id: `Ev${id}`,
    event_time: base,
    authorizations: [{ enterprise_id: null, team_id: TEAM, user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  });
}

/**
 * Phase 1: 24 customer threads with an agent's reply and a customer's follow-up in each (every fourth thread
 * delivers the agent's reply before its root), and a second top-level message from the same customer after
 * every sixth thread. Phase 2 (after the link): twelve more threads, then edits and deletes of phase-1
 * messages, whose originals were stored before. Every sixth event is delivered twice.
 */
function stream(): Delivery[] {
  const out: Delivery[] = [];
  let n = 0;
  const push = (event: Record<string, unknown>): void => {
    n += 1;
    out.push({ kind: 'event', body: envelope(event, `SCALE${String(n).padStart(4, '0')}`), twice: n % 6 === 0 });
  };
  const thread = (k: number): void => {
    const customer = CUSTOMERS[k % CUSTOMERS.length]!;
    const root = tsOf(k * 4);
    const rootEvent = { type: 'message', user: customer, text: `${TEXTS[k % TEXTS.length]} (#${k})`, ts: root };
    const reply = { type: 'message', user: k % 2 === 0 ? 'UAGENT1' : 'UAGENT2', text: `Sorry about that, checking now (#${k})`, ts: tsOf(k * 4 + 1), thread_ts: root };
    const follow = { type: 'message', user: customer, text: `Thanks, it still does not work for me (#${k})`, ts: tsOf(k * 4 + 2), thread_ts: root };
    if (k % 4 === 1) {
      push(reply);
      push(rootEvent);
    } else {
      push(rootEvent);
      push(reply);
    }
    push(follow);
    if (k % 6 === 5) push({ type: 'message', user: customer, text: `Also, any news on the refund? (#${k})`, ts: tsOf(k * 4 + 3) });
  };
  for (let k = 0; k < THREADS; k++) thread(k);
  out.push({ kind: 'link' });
  for (let k = THREADS; k < THREADS + THREADS / 2; k++) thread(k);
  for (let k = 0; k < THREADS; k += 5) {
    const customer = CUSTOMERS[k % CUSTOMERS.length]!;
    const root = tsOf(k * 4);
    const at = tsOf(k * 4 + 30);
    push({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      ts: at,
      message: { type: 'message', user: customer, text: `${TEXTS[(k + 1) % TEXTS.length]}, sorry, wrong text before (#${k})`, ts: root, edited: { user: customer, ts: at } },
      previous_message: { type: 'message', user: customer, text: `${TEXTS[k % TEXTS.length]} (#${k})`, ts: root },
    });
  }
  for (let k = 2; k < THREADS; k += 7) {
    const customer = CUSTOMERS[k % CUSTOMERS.length]!;
    const follow = tsOf(k * 4 + 2);
    push({
      type: 'message',
      subtype: 'message_deleted',
      hidden: true,
      ts: tsOf(k * 4 + 40),
      deleted_ts: follow,
      previous_message: { type: 'message', user: customer, text: `Thanks, it still does not work for me (#${k})`, ts: follow, thread_ts: tsOf(k * 4) },
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Processes, as a user starts them.

interface Proc {
  child: ChildProcess;
  out(): string;
  err(): string;
}

function launch(cmd: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, out: () => out, err: () => err };
}

async function logged(p: Proc, pattern: RegExp, deadlineMs = 120_000): Promise<void> {
  await until(`log line ${pattern}`, async () => {
    if (p.child.exitCode !== null) throw new Error(`process exited (${p.child.exitCode}) before logging ${pattern}: ${p.err().slice(-800)}`);
    return pattern.test(p.out());
  }, deadlineMs, 50);
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((resolve) => p.child.once('exit', resolve));
  p.child.kill('SIGTERM');
  await exited;
}

function productEnv(env: TestEnv, extra: Record<string, string>): Record<string, string> {
  const mongo = new URL(env.mongoUrl);
  mongo.pathname = `/${env.dbName}`;
  // Six processes share the test server: a few connections each keep the commands in flight below what
  // FerretDB's PostgreSQL pool serves (docs/write-path.md).
  mongo.searchParams.set('maxPoolSize', '4');
  return {
    MONGO_URL: mongo.toString(),
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: env.prefix,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    WORKER_PORT: '0',
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: fake.apiUrl,
    SLACK_SUPPORT_CHANNELS: '#support',
    SLACK_AGENT_USERGROUPS: AGENT_GROUP,
    SLACK_AGENT_USERS: 'UAGENT2',
    ...extra,
  };
}

async function post(port: number, body: string, contentType: string): Promise<number> {
  return (await postSigned(port, body, contentType)).status;
}

/** A slash command from agent UAGENT1 in #support; resolves with what the bot answered on response_url. */
async function command(port: number, name: string, text: string): Promise<Record<string, unknown>> {
  const responseId = randomBytes(6).toString('hex');
  expect(await post(port, slashCommandBody(fake, name, text, 'UAGENT1', responseId), 'application/x-www-form-urlencoded')).toBe(200);
  return (await fake.waitForResponse(responseId, 60_000)).body;
}

/** Sends the stream with IN_FLIGHT deliveries at a time; `ports(i, twice)` picks the bots delivery i goes to. */
async function send(deliveries: Delivery[], ports: (i: number, twice: boolean) => number[]): Promise<void> {
  let next = 0;
  const failures: string[] = [];
  async function lane(): Promise<void> {
    while (next < deliveries.length) {
      const i = next++;
      const d = deliveries[i]!;
      if (d.kind === 'link') continue;
      const statuses = await Promise.all(ports(i, d.twice).map((port) => post(port, d.body, 'application/json')));
      if (d.twice && statuses.length === 1) statuses.push(await post(ports(i, false)[0]!, d.body, 'application/json'));
      for (const s of statuses) if (s !== 200) failures.push(`delivery ${i}: HTTP ${s}`);
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  expect(failures).toEqual([]);
}

// ---------------------------------------------------------------------------------------------------------
// What a run leaves behind, read through the product's own models and API.

const VOLATILE = new Set(['__v', 'ops', 'capturedAt', 'taggedAt', 'createdAt', 'updatedAt', 'pending', 'counted', 'needsTagging']);

function stable(v: unknown): unknown {
  // Sums of sentiment scores added in a different order differ in their last bits (-10.240000000000002 and
  // -10.239999999999998): equal to nine places is equal.
  if (typeof v === 'number' && !Number.isInteger(v)) return Math.round(v * 1e9) / 1e9;
  if (Array.isArray(v)) return v.map(stable);
  if (v instanceof Date) return v.toISOString();
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (!VOLATILE.has(k)) out[k] = stable((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

interface Outcome {
  messages: unknown[];
  conversations: unknown[];
  customers: unknown[];
  summaries: Record<string, unknown>;
  digest: unknown;
  history: Record<string, unknown>;
}

async function readRun(env: TestEnv, now: Date): Promise<Omit<Outcome, 'history'>> {
  await connectMongo(env.mongoUrl, env.log, { dbName: env.dbName });
  try {
    const byId = (a: { _id: unknown }, b: { _id: unknown }) => String(a._id).localeCompare(String(b._id));
    const messages = (await Message.find().lean()).sort(byId).map(stable);
    const conversations = (await Conversation.find().lean()).sort(byId).map(stable);
    const customers = (await Customer.find().lean()).sort(byId).map(stable);
    const scope = { platform: 'slack' as const, workspaceId: TEAM };
    const summaries: Record<string, unknown> = {};
    for (const u of CUSTOMERS) summaries[u] = stable(await buildCustomerSummary(scope, `slack:${TEAM}:${u}`, { now }));
    const digest = stable(await buildDigest(scope, { week: isoWeekKey(new Date(base * 1000), 'UTC'), now, timeZone: 'UTC' }));
    return { messages, conversations, customers, summaries, digest };
  } finally {
    await mongoose.connection.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
  }
}

/** Every delivered message stored, nothing left to tag, every queue idle. */
async function settled(env: TestEnv, expectedMessages: number): Promise<void> {
  const queues = new Queues({ redisUrl: env.redisUrl, prefix: env.prefix, log: env.log });
  const conn = await mongoose.createConnection(env.mongoUrl, { dbName: env.dbName }).asPromise();
  try {
    await until('every message stored and tagged, every queue idle', async () => {
      const messages = conn.collection('messages');
      if ((await messages.countDocuments({})) < expectedMessages) return false;
      if ((await messages.countDocuments({ needsTagging: true })) > 0) return false;
      for (const q of [queues.tag, queues.tagChunk]) {
        const c = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
        if (Object.values(c).some((x) => x > 0)) return false;
      }
      return true;
    }, 240_000, 250);
  } finally {
    await conn.close();
    await queues.close();
  }
}

async function historyAnswers(port: number): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const u of CUSTOMERS) out[u] = await command(port, '/history', `<@${u}|cust>`);
  return out;
}

const deliveries = (): Delivery[] => stream();
const messageCount = (d: Delivery[]): number => {
  // New messages (not edits or deletes) of the stream: what the messages collection must hold.
  let n = 0;
  for (const x of d) if (x.kind === 'event' && !/"subtype"/.test(x.body)) n += 1;
  return n;
};

async function runSingle(env: TestEnv, now: Date): Promise<Outcome> {
  const port = await freePort();
  const app = launch('npm', ['start'], productEnv(env, { PORT: String(port) }));
  await logged(app, /"msg":"slack adapter started"/);
  await logged(app, /"msg":"worker started"/);
  const d = deliveries();
  const link = d.findIndex((x) => x.kind === 'link');
  await send(d.slice(0, link), () => [port]);
  const linked = await command(port, '/customer', `link <@UCUST1|cust1> <@UCUST2|cust2>`);
  expect(JSON.stringify(linked)).toContain('Linked 2 accounts');
  await send(d.slice(link + 1), () => [port]);
  await settled(env, messageCount(d));
  const history = await historyAnswers(port);
  await stop(app);
  expect(app.child.exitCode, app.err().slice(-800)).toBe(0);
  return { ...(await readRun(env, now)), history };
}

async function runScaledOut(env: TestEnv, now: Date): Promise<Outcome> {
  const ports = [await freePort(), await freePort()];
  const bots = ports.map((port) => launch(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'bot'], productEnv(env, { PORT: String(port) })));
  const workers = [0, 1, 2].map(() => launch(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'worker'], productEnv(env, {})));
  await Promise.all([...bots.map((b) => logged(b, /"msg":"slack adapter started"/)), ...workers.map((w) => logged(w, /"msg":"worker started"/))]);
  const d = deliveries();
  const link = d.findIndex((x) => x.kind === 'link');
  // Delivery i goes to bot i % 2; a duplicate goes to both at once.
  const route = (offset: number) => (i: number, twice: boolean) => (twice ? ports : [ports[(i + offset) % 2]!]);
  await send(d.slice(0, link), route(0));
  const linked = await command(ports[1]!, '/customer', `link <@UCUST1|cust1> <@UCUST2|cust2>`);
  expect(JSON.stringify(linked)).toContain('Linked 2 accounts');
  await send(d.slice(link + 1), route(link + 1));
  await settled(env, messageCount(d));
  const history = await historyAnswers(ports[0]!);
  for (const p of [...bots, ...workers]) await stop(p);
  for (const p of [...bots, ...workers]) expect(p.child.exitCode, p.err().slice(-800)).toBe(0);
  return { ...(await readRun(env, now)), history };
}

describe('one stream through one process, and through 2 bots and 3 workers', () => {
  it('stores the same messages, conversations and customers and answers /history and the digest the same', async () => {
    const single = testEnv(import.meta.filename);
    const scaled = testEnv(import.meta.filename);
    try {
      const now = new Date();
      const a = await runSingle(single, now);
      const b = await runScaledOut(scaled, now);
      // The stream's own figures, so that two empty runs cannot pass: 114 messages, 5 edited, 4 deleted. The
      // placement rules applied in timestamp order (a thread joins its root's conversation, a customer's
      // top-level message the customer's conversation of the last 30 minutes) give one conversation per
      // customer: every customer's messages lie within 144 seconds.
      expect(a.messages).toHaveLength(114);
      expect(a.messages.filter((m) => (m as { editedAt?: unknown }).editedAt != null)).toHaveLength(5);
      expect(a.messages.filter((m) => (m as { deletedAt?: unknown }).deletedAt != null)).toHaveLength(4);
      expect(a.conversations).toHaveLength(CUSTOMERS.length);
      expect(JSON.stringify(a.history.UCUST1)).toContain('Linked accounts: slack: <@UCUST1>, slack: <@UCUST2>'); // Carol's history shows Dave's account

      expect(b.messages).toEqual(a.messages);
      expect(b.conversations).toEqual(a.conversations);
      expect(b.customers).toEqual(a.customers);
      expect(b.summaries).toEqual(a.summaries);
      expect(b.history).toEqual(a.history);
      expect(b.digest).toEqual(a.digest);
    } finally {
      await cleanupTestEnv(single).catch(() => undefined);
      await cleanupTestEnv(scaled).catch(() => undefined);
    }
  }, 600_000);
});
