// `/history` (lookup + summary) and digest build times on generated data, on FerretDB (or MONGO_URL),
// next to the naive scan-everything versions measured in the same run.
//
//   MONGO_URL=mongodb://127.0.0.1:27018/sh npx tsx bench/history.ts [--messages 200000] [--customers 10000]
//     [--days 35] [--week-share 0.208] [--samples 200] [--naive-samples 5] [--digest-samples 20]
//     [--keep | --load-only | --reuse <db>] [--trace] [--insert-parallel 3] [--partitions N]
//
// The data is generated in memory and bulk-inserted: messages, conversations and customers as capture and
// the tag job write them, with the counters computed by the real contribution code (src/counters), and the
// read models (customer views, sets, lookup keys, in their partitions) as the tag hook's functions in
// src/history/projection.ts write them. --week-share puts that share of conversations in the digest's week
// on top of the even spread (0.208 gives about a quarter of the messages: 256k of 1M). The naive runs are
// timed and their answers compared with the fast path's, so the numbers are for equal answers.
// --load-only generates, inserts and keeps the database; --reuse <db> measures it again (the same seed
// regenerates the same data in memory; only the read models are dropped and inserted again, unless
// --reuse-read-models).
// --trace lists every command one /history call and one digest build send (collection, filter, time).
import { createHash } from 'node:crypto';
import os from 'node:os';
import mongoose from 'mongoose';
import { connectMongo } from '../src/db/connection.js';
import { createLogger } from '../src/logger.js';
import { nameKey, rollupKey } from '../src/domain/keys.js';
import { computeContribution, safeKey, toIncObject } from '../src/counters/contribution.js';
import { isoWeekKey } from '../src/time/week.js';
import { labelFor } from '../src/nlp/sentiment.js';
import { dayKey } from '../src/history/windows.js';
import { waitingSince } from '../src/history/assemble.js';
import { entryOf, isNegative, keyIds, PREFIX_CAP, PREFIX_CHARS, replyBucket, setIds, shardOf, VIEW_FIELDS, waitingHourOf, type ConvDoc } from '../src/history/projection.js';
import { PARTITIONED, partitionName, setReadModelPartitions, viewIds } from '../src/history/store.js';
import { buildCustomerSummary, customerHistory, lookupCustomer } from '../src/history/index.js';
import { naiveCustomerSummary, naiveLookupCustomer } from '../src/history/naive.js';
import { buildDigest } from '../src/digest/index.js';
import { naiveDigest } from '../src/digest/naive.js';
import { weekBounds, weekOf } from '../src/time/week.js';
import type { CustomerQuery } from '../src/history/types.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const MESSAGES = arg('messages', 200_000);
const CUSTOMERS = arg('customers', 10_000);
const DAYS = arg('days', 35);
const SAMPLES = arg('samples', 200);
const NAIVE_SAMPLES = arg('naive-samples', 5);
const DIGEST_SAMPLES = arg('digest-samples', 20);
/** Share of conversations started in the current week (the digest's week) on top of those spread over --days. */
const WEEK_SHARE = arg('week-share', 0);
/** Concurrent insertMany batches while loading. */
const INSERT_PARALLEL = arg('insert-parallel', 3);
const KEEP = process.argv.includes('--keep');
/** Re-measure a database kept (--keep) by an earlier run with the same sizes: the data is regenerated in memory (same seed), not inserted. */
const REUSE = process.argv.includes('--reuse') ? process.argv[process.argv.indexOf('--reuse') + 1]! : null;
/** Lists every command one /history call and one digest build send (name, collection, filter, time). */
const TRACE = process.argv.includes('--trace');
/** With --reuse: keep the read models too (inserted by an earlier run of this code). */
const REUSE_READ_MODELS = process.argv.includes('--reuse-read-models');
/** Generate and insert, keep the database, measure nothing (a later run measures it with --reuse). */
const LOAD_ONLY = process.argv.includes('--load-only');
/** Read-model layout (READ_MODEL_PARTITIONS): 1 on MongoDB and FerretDB/PostgreSQL, 256 on FerretDB/SQLite. */
const PARTITIONS = arg('partitions', Number(process.env.READ_MODEL_PARTITIONS ?? 1));
setReadModelPartitions(PARTITIONS);
const WS = 'TBENCH';
const TZ = 'Europe/Berlin';
const NOW = new Date('2026-11-25T12:00:00Z');
const NEEDS = ['billing', 'account', 'bugs', 'shipping', 'refund', 'feature', 'cancel', 'delivery'];
const FIRST = ['Ada', 'Zoë', 'Liam', 'Mia', 'Noah', 'Émile', 'Olivia', 'Lucas', 'Sofía', 'Jonas', 'Hana', 'Yuki', 'Omar', 'Lena', 'Ivan', 'Chloé', 'Mateo', 'Aisha', 'Finn', 'Nora'];
const LAST = ['Lovelace', 'Müller', 'Smith', 'García', 'Dubois', 'Rossi', 'Novak', 'Kowalski', 'Jensen', 'Silva', 'Tanaka', 'Okafor', 'Larsen', 'Schmidt', 'Moreau', 'Costa', 'Weber', 'Nguyen', 'Haddad', 'Brown'];
const CHANNELS = ['C0SUPPORT', 'C0BILLING', 'C0BUGS', 'C0VIP', 'C0EU'];

let seed = 42;
const rand = (): number => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;

type Doc = Record<string, unknown> & { _id: string };

/** Applies `$inc`-style increments (dotted paths) to an in-memory document, as the tag job does on the server. */
function applyInc(doc: Record<string, unknown>, incs: Record<string, number>): void {
  for (const [path, n] of Object.entries(incs)) {
    const parts = path.split('.');
    let o = doc as Record<string, unknown>;
    for (const part of parts.slice(0, -1)) o = (o[part] ??= {}) as Record<string, unknown>;
    const last = parts[parts.length - 1]!;
    o[last] = Math.round((((o[last] as number | undefined) ?? 0) + n) * 1e9) / 1e9;
  }
}

function generate() {
  const customers = new Map<string, Doc>();
  const conversations = new Map<string, Doc>();
  const messages: Doc[] = [];
  const rollups = new Map<string, Doc>();
  const activity = new Map<string, 'new' | 'returning'>();
  const span = DAYS * 86_400_000;
  const start = NOW.getTime() - span;
  const weekStart = weekBounds(weekOf(NOW, TZ), TZ).start.getTime();
  const weekShare = Math.min(1, WEEK_SHARE);
  for (let i = 0; i < CUSTOMERS; i++) {
    const id = `slack:${WS}:U${String(i).padStart(7, '0')}`;
    const name = `${pick(FIRST)} ${pick(LAST)}${i % 7 === 0 ? '' : ` ${i}`}`;
    customers.set(id, {
      _id: id,
      platform: 'slack',
      workspaceId: WS,
      identities: [{ key: id, platform: 'slack', workspaceId: WS, userId: id.split(':')[2], name, email: null }],
      name,
      nameKey: nameKey(name),
      email: i % 2 === 0 ? `user${i}@example.com` : null,
      company: i % 3 === 0 ? `Company ${i % 97}` : null,
      external: false,
      firstContactAt: null,
      lastContactAt: null,
      counts: { conversations: 0, messages: 0 },
      needs: {},
      sentiment: { sum: 0, count: 0, positive: 0, neutral: 0, negative: 0 },
      ops: [],
    });
  }
  const ids = [...customers.keys()];
  let seq = 0;
  // Conversations of 1 to 6 messages (customer first, then agent and customer in turn) until MESSAGES.
  while (messages.length < MESSAGES) {
    // A few customers write much more than others (Zipf-like), as in real support channels.
    const cid = ids[Math.floor(ids.length * rand() ** 2)]!;
    const channel = pick(CHANNELS);
    const t0 = weekShare > 0 && rand() < weekShare ? weekStart + Math.floor(rand() * (NOW.getTime() - weekStart)) : start + Math.floor(rand() * span);
    const len = 1 + Math.floor(rand() * 6);
    const answered = rand() < 0.85;
    const convId = `slack:${WS}:${channel}:${1_700_000_000 + seq}.000000`;
    const conv: Doc = {
      _id: convId, platform: 'slack', workspaceId: WS, channelId: channel, channelName: channel.slice(2).toLowerCase(), kind: 'thread', threadId: convId.split(':')[3],
      customerId: cid, status: 'open', startedAt: new Date(t0), lastMessageAt: new Date(t0), lastCustomerMessageAt: new Date(t0), firstAgentReplyAt: null, firstResponseMs: null,
      resolvedAt: null, firstLine: null, permalink: `https://example.slack.com/archives/${channel}/p${seq}`, counts: { messages: 0, customerMessages: 0, agentMessages: 0 }, needs: {},
      sentiment: { sum: 0, count: 0, positive: 0, neutral: 0, negative: 0 }, ops: [],
    };
    conversations.set(convId, conv);
    let t = t0;
    for (let j = 0; j < len && messages.length < MESSAGES; j++) {
      const role = j === 0 || !answered || j % 2 === 0 ? 'customer' : 'agent';
      if (j > 0) t += Math.floor(rand() * 4 * 3600_000);
      if (t > NOW.getTime()) break;
      const mid = j === 0 ? convId.split(':')[3]! : `${1_700_000_000 + seq}.${String(j).padStart(6, '0')}`;
      const key = `slack:${WS}:${channel}:${mid}`;
      const needs = role === 'customer' && rand() < 0.7 ? [pick(NEEDS)] : [];
      const score = role === 'customer' ? Math.round((rand() * 2 - 1) * 0.8 * 1000) / 1000 : 0.2;
      const label = labelFor(score);
      const text = role === 'customer' ? `Customer message ${seq}/${j} about ${needs[0] ?? 'something'}: ${'lorem ipsum '.repeat(4)}` : `Agent reply ${seq}/${j}`;
      const ts = new Date(t);
      const week = isoWeekKey(ts, TZ);
      const rollupId = rollupKey('slack', WS, week);
      const contribution = computeContribution(
        { key, conversationId: convId, customerId: cid, channelId: channel, role, deleted: false, rollupId, day: dayKey(ts) },
        { needs, sentiment: { score, label } },
      );
      messages.push({
        _id: key, platform: 'slack', workspaceId: WS, channelId: channel, messageId: mid, threadId: convId.split(':')[3]!, conversationId: convId, customerId: cid,
        author: { userId: role === 'agent' ? 'UAGENT' : cid.split(':')[2], name: null, role }, text, attachments: [], ts, editedAt: null, deletedAt: null,
        permalink: null, source: 'live', capturedAt: ts, rev: 0, needsTagging: false,
        tags: { needs: needs.map((n) => ({ need: n, confidence: 0.9 })), sentiment: { score, label }, language: 'en', untaggedReason: null, model: 'bench', rev: 0, taggedAt: ts },
        counted: { rev: 0, contribution, timeZone: TZ }, pending: null,
      });
      applyInc(conv, toIncObject(contribution.conversation));
      const c = customers.get(cid)!;
      applyInc(c, toIncObject(contribution.customer));
      let r = rollups.get(rollupId);
      if (!r) {
        rollups.set(rollupId, (r = { _id: rollupId, platform: 'slack', workspaceId: WS, week, timeZone: TZ, counts: { conversations: 0, messages: 0, customerMessages: 0, agentMessages: 0 }, needs: {}, sentiment: { sum: 0, count: 0, positive: 0, neutral: 0, negative: 0 }, channels: {}, ops: [] }));
      }
      applyInc(r, toIncObject(contribution.rollup));
      conv.lastMessageAt = ts;
      if (role === 'customer') {
        conv.lastCustomerMessageAt = ts;
        if (j === 0) conv.firstLine = text.slice(0, 200);
        if (!c.firstContactAt || ts < (c.firstContactAt as Date)) c.firstContactAt = ts;
        if (!c.lastContactAt || ts > (c.lastContactAt as Date)) c.lastContactAt = ts;
      } else if (!conv.firstAgentReplyAt) {
        conv.firstAgentReplyAt = ts;
        conv.firstResponseMs = t - t0;
        conv.status = 'answered';
      }
    }
    seq++;
  }
  // Quiet conversations resolve after 7 days, as the maintenance job would have done.
  for (const conv of conversations.values()) {
    if ((conv.lastMessageAt as Date).getTime() < NOW.getTime() - 7 * 86_400_000) {
      conv.status = 'resolved';
      conv.resolvedAt = new Date((conv.lastMessageAt as Date).getTime() + 7 * 86_400_000);
    }
  }
  // New vs returning per week, counted once per customer and week (as the activity markers do).
  const sorted = [...messages].sort((a, b) => (a.ts as Date).getTime() - (b.ts as Date).getTime());
  for (const m of sorted) {
    if ((m.author as { role: string }).role !== 'customer') continue;
    const cid = m.customerId as string;
    const week = isoWeekKey(m.ts as Date, TZ);
    const k = `${cid}|${week}`;
    if (activity.has(k)) continue;
    const kind = isoWeekKey(customers.get(cid)!.firstContactAt as Date, TZ) === week ? 'new' : 'returning';
    activity.set(k, kind);
    applyInc(rollups.get(rollupKey('slack', WS, week))!, { [`customers.${kind}`]: 1 });
  }
  for (const c of customers.values()) c.indexed = { name: c.nameKey, email: c.email };
  return { customers, conversations, messages: sorted, rollups, activity };
}

/** The copy of a customer record its view keeps (as syncCustomerView writes it). */
function viewOf(c: Doc): Record<string, unknown> {
  const v: Record<string, unknown> = {};
  for (const f of VIEW_FIELDS) if (c[f] !== undefined) v[f] = c[f];
  return v;
}

function projections(g: ReturnType<typeof generate>): { sets: Doc[]; keys: Doc[]; customerConversations: Doc[]; views: Doc[]; briefs: Doc[] } {
  const scope = `slack:${WS}`;
  const sets = new Map<string, Doc>();
  const set = (id: string): Record<string, unknown> => {
    let d = sets.get(id);
    if (!d) sets.set(id, (d = { _id: id, m: {} }));
    return d.m as Record<string, unknown>;
  };
  const cc = new Map<string, Doc>();
  const touchedNegative = new Set<string>();
  const briefs: Doc[] = [];
  const customerViews: Doc[] = [];
  for (const c of g.customers.values()) if (c.lastContactAt) customerViews.push({ _id: viewIds.customer(c._id), v: viewOf(c) });
  for (const conv of g.conversations.values()) {
    const c = conv as unknown as ConvDoc;
    const k = safeKey(c._id);
    let d = cc.get(c.customerId!);
    if (!d) cc.set(c.customerId!, (d = { _id: c.customerId!, c: {} }));
    const brief: Doc = { _id: viewIds.brief(c._id), e: entryOf(c) };
    briefs.push(brief);
    (d.c as Record<string, unknown>)[k] = entryOf(c);
    if (c.status === 'open') {
      // Filed under the hour its wait began, counted in the hour index, as fileWaiting keeps them.
      const since = waitingSince({ startedAt: c.startedAt, firstAgentReplyAt: c.firstAgentReplyAt ?? null, lastCustomerMessageAt: c.lastCustomerMessageAt ?? null });
      const hour = waitingHourOf(since);
      brief.w = hour;
      set(setIds.waitingHour(scope, hour))[k] = { id: c._id, since };
      const bucketDoc = sets.get(setIds.waitingHour(scope, hour))!;
      bucketDoc.n = bucketDoc.v = ((bucketDoc.n as number | undefined) ?? 0) + 1;
      const idx = setIds.waitingHours(scope);
      let h = sets.get(idx);
      if (!h) sets.set(idx, (h = { _id: idx, h: {} }));
      (h.h as Record<string, unknown>)[`h${hour}`] = { n: bucketDoc.n, v: bucketDoc.v };
    }
    if (c.firstResponseMs != null) {
      const week = isoWeekKey(c.startedAt, TZ);
      set(setIds.replies(scope, week, shardOf(c._id)))[k] = c.firstResponseMs;
      // The histogram and bucket documents fileReply keeps.
      const b = replyBucket(c.firstResponseMs);
      set(setIds.replyBucket(scope, week, b))[k] = c.firstResponseMs;
      const bucketDoc = sets.get(setIds.replyBucket(scope, week, b))!;
      bucketDoc.n = ((bucketDoc.n as number | undefined) ?? 0) + 1;
      const hid = setIds.replyHistogram(scope, week);
      let h = sets.get(hid);
      if (!h) sets.set(hid, (h = { _id: hid, b: {} }));
      (h.b as Record<string, number>)[`b${b}`] = bucketDoc.n as number;
    }
  }
  for (const m of g.messages) {
    if ((m.author as { role: string }).role !== 'customer') continue;
    const c = g.conversations.get(m.conversationId as string)! as unknown as ConvDoc;
    const negative = isNegative(c);
    const cid = m.customerId as string;
    const entry = (set(setIds.negative(scope, isoWeekKey(m.ts as Date, TZ), shardOf(cid)))[safeKey(cid)] ??= { id: cid, c: {} }) as { c: Record<string, boolean> };
    entry.c[safeKey(c._id)] = negative;
    // The customer's own marks (nx) and the week's repeated-negative list (nr), as syncNegative keeps them.
    const week = isoWeekKey(m.ts as Date, TZ);
    const x = setIds.customerNegative(scope, week, cid);
    let xd = sets.get(x);
    if (!xd) sets.set(x, (xd = { _id: x, c: {} }));
    (xd.c as Record<string, boolean>)[safeKey(c._id)] = negative;
    touchedNegative.add(`${week}|${cid}`);
  }
  for (const [k, kind] of g.activity) sets.set(setIds.activity(k.split('|')[0]!, k.split('|')[1]!), { _id: setIds.activity(k.split('|')[0]!, k.split('|')[1]!), kind, done: true });
  for (const wc of touchedNegative) {
    const [week, cid] = wc.split('|') as [string, string];
    const n = Object.values((sets.get(setIds.customerNegative(scope, week, cid))!.c ?? {}) as Record<string, boolean>).filter(Boolean).length;
    if (n < 2) continue;
    // Listed under its count, as copyRepeatedNegative keeps it.
    set(setIds.repeatedNegativeOf(scope, week, n))[safeKey(cid)] = cid;
    sets.get(setIds.customerNegative(scope, week, cid))!.listed = n;
    const idx = setIds.repeatedNegative(scope, week);
    let id = sets.get(idx);
    if (!id) sets.set(idx, (id = { _id: idx, k: {} }));
    (id.k as Record<string, boolean>)[`n${n}`] = true;
  }
  const channels = set(setIds.channels(scope));
  for (const ch of CHANNELS) channels[`c_${ch}`] = { id: ch, name: ch.slice(2).toLowerCase() };
  const keys = new Map<string, Doc & { ids: string[]; n?: number }>();
  const key = (id: string) => {
    let d = keys.get(id);
    if (!d) keys.set(id, (d = { _id: id, ids: [] }));
    return d;
  };
  for (const c of g.customers.values()) {
    if (!c.lastContactAt) continue;
    if (c.email) key(keyIds.email(c.email as string)).ids.push(c._id);
    const nk = c.nameKey as string;
    key(keyIds.exactName(scope, nk)).ids.push(c._id);
    const prefixes = new Set<string>();
    for (const w of nk.split(' ')) for (let i = 1; i <= Math.min(w.length, PREFIX_CHARS); i++) prefixes.add(w.slice(0, i));
    for (const p of prefixes) {
      const d = key(keyIds.namePrefix(scope, p));
      if (d.ids.length < PREFIX_CAP) d.ids.push(`${nk}\t${c._id}`);
      d.n = d.ids.length;
    }
  }
  return { sets: [...sets.values()], keys: [...keys.values()], customerConversations: [...cc.values()], views: customerViews, briefs };
}

async function insertAll(name: string, docs: Doc[]): Promise<void> {
  const col = mongoose.connection.db!.collection<Doc>(name);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = (next += 2000) - 2000; i < docs.length; i = (next += 2000) - 2000) await col.insertMany(docs.slice(i, i + 2000), { ordered: false });
  };
  await Promise.all(Array.from({ length: INSERT_PARALLEL }, worker));
}

const PROJECTION_COLLECTIONS: readonly string[] = PARTITIONED;

/** Inserts read-model documents into their partitions (store.ts), a few partitions at a time. */
async function insertPartitioned(base: string, docs: Doc[]): Promise<void> {
  const by = new Map<string, Doc[]>();
  for (const d of docs) {
    const name = partitionName(base, d._id);
    let l = by.get(name);
    if (!l) by.set(name, (l = []));
    l.push(d);
  }
  const names = [...by.keys()];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < names.length; i = next++) {
      const list = by.get(names[i]!)!;
      const col = mongoose.connection.db!.collection<Doc>(names[i]!);
      for (let j = 0; j < list.length; j += 1000) await col.insertMany(list.slice(j, j + 1000), { ordered: false });
    }
  };
  await Promise.all(Array.from({ length: INSERT_PARALLEL }, worker));
}

async function insertProjections(proj: ReturnType<typeof projections>): Promise<void> {
  await insertPartitioned('customer_conversations', proj.customerConversations);
  await insertPartitioned('history_sets', proj.sets);
  await insertPartitioned('customer_keys', proj.keys);
  await insertPartitioned('history_views', proj.views);
  await insertPartitioned('history_briefs', proj.briefs);
}

/** Where two answers first differ (path: fast value vs naive value), for the error message. */
function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (JSON.stringify(a) === JSON.stringify(b)) return '';
  if (a && b && typeof a === 'object' && typeof b === 'object' && !(a instanceof Date)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b as object)])];
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path || '(root)'}: fast ${JSON.stringify(a)?.slice(0, 300)} vs naive ${JSON.stringify(b)?.slice(0, 300)}`;
}

function stats(xs: number[]): { median: number; p95: number; n: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  const mid = s.length >> 1;
  return { median: +(s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2).toFixed(1), p95: +at(0.95).toFixed(1), n: s.length };
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

/** Prints the commands each call sends: what it waits on, in order, with the filter and the server time. */
async function trace(...calls: Array<() => Promise<void>>): Promise<void> {
  const client = mongoose.connection.getClient();
  for (const [i, call] of calls.entries()) {
    const started = new Map<number, { name: string; what: string; at: number }>();
    const lines: string[] = [];
    const onStart = (e: { requestId: number; commandName: string; command: Record<string, unknown> }) => {
      const c = e.command;
      const what = `${String(c[e.commandName])} ${JSON.stringify(c.filter ?? c.updates ?? c.pipeline ?? c.query ?? '').slice(0, 160)}`;
      started.set(e.requestId, { name: e.commandName, what, at: performance.now() });
    };
    const onEnd = (e: { requestId: number }) => {
      const s = started.get(e.requestId);
      if (s) lines.push(`  ${(performance.now() - s.at).toFixed(1).padStart(7)} ms  ${s.name} ${s.what}`);
    };
    client.on('commandStarted', onStart);
    client.on('commandSucceeded', onEnd);
    client.on('commandFailed', onEnd);
    const t = performance.now();
    await call();
    const total = performance.now() - t;
    client.off('commandStarted', onStart);
    client.off('commandSucceeded', onEnd);
    client.off('commandFailed', onEnd);
    console.log(`trace ${i === 0 ? '/history' : 'digest'}: ${lines.length} commands, ${total.toFixed(1)} ms`);
    for (const l of lines) console.log(l);
  }
}

async function main(): Promise<void> {
  const mongoUrl = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/sh';
  const dbName = REUSE ?? `bench_history_${createHash('sha1').update(String(Date.now())).digest('hex').slice(0, 6)}`;
  const log = createLogger('silent');
  if (TRACE) await mongoose.connect(mongoUrl, { dbName, monitorCommands: true, autoIndex: false });
  else await connectMongo(mongoUrl, log, { dbName });
  const server = (await mongoose.connection.db!.admin().command({ buildInfo: 1 })) as { version?: string; ferretdbVersion?: string };
  console.log(`server: ${server.ferretdbVersion ? `FerretDB ${server.ferretdbVersion}` : `MongoDB ${server.version}`}${process.env.FERRETDB_BACKEND ? ` (${process.env.FERRETDB_BACKEND} backend)` : ''}; db ${dbName}; read model partitions ${PARTITIONS}`);
  try {
    let [ms, g] = await time(async () => generate());
    const thisWeek = weekOf(NOW, TZ);
    const weekMessages = g.messages.filter((m) => isoWeekKey(m.ts as Date, TZ) === thisWeek).length;
    console.log(`generated ${g.messages.length} messages, ${g.conversations.size} conversations, ${g.customers.size} customers over ${DAYS} days (${weekMessages} in ${thisWeek}) in ${(ms / 1000).toFixed(1)} s`);
    if (!REUSE) [ms] = await time(async () => {
      await mongoose.connection.db!.collection('workspaces').insertOne({ _id: `slack:${WS}` as never, platform: 'slack', externalId: WS, timeZone: TZ, name: 'bench', digestChannelId: null, createdAt: NOW });
      await insertAll('customers', [...g.customers.values()]);
      await insertAll('conversations', [...g.conversations.values()]);
      await insertAll('weekly_rollups', [...g.rollups.values()]);
      await insertAll('messages', g.messages);
    });
    console.log(REUSE ? `reusing ${REUSE}` : `inserted in ${(ms / 1000).toFixed(1)} s`);
    // The read models are (re)built from the same generated data on every run, so a kept database can be
    // re-measured after their layout changes.
    if (!REUSE_READ_MODELS) [ms] = await time(async () => {
      for (const c of await mongoose.connection.db!.listCollections({}, { nameOnly: true }).toArray()) {
        if (PROJECTION_COLLECTIONS.some((p) => c.name === p || c.name.startsWith(`${p}_`))) await mongoose.connection.db!.dropCollection(c.name);
      }
      await insertProjections(projections(g));
    });
    console.log(REUSE_READ_MODELS ? 'read models reused' : `read models inserted in ${(ms / 1000).toFixed(1)} s`);
    if (LOAD_ONLY) return;
    console.log(REUSE ? `reusing ${REUSE}` : `inserted in ${(ms / 1000).toFixed(1)} s`);

    const scope = { platform: 'slack' as const, workspaceId: WS };
    const active = [...g.customers.values()].filter((c) => c.lastContactAt);
    const queries: CustomerQuery[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const c = pick(active);
      const r = rand();
      queries.push(r < 0.4 ? { name: c.name as string } : r < 0.7 && c.email ? { email: c.email as string } : { userId: (c._id as string).split(':')[2]! });
    }
    const stage = (what: string) => process.stderr.write(`  … ${what}\n`);
    const idOf = (found: Awaited<ReturnType<typeof lookupCustomer>>): string | null =>
      found.kind === 'found' ? found.customer.id : found.kind === 'ambiguous' ? found.candidates[0]!.id : null;
    const history = async (q: CustomerQuery, lookup: typeof lookupCustomer, summary: typeof buildCustomerSummary) => {
      const found = await lookup(scope, q);
      const id = idOf(found);
      return { found, summary: id ? await summary(scope, id, { now: NOW }) : null };
    };
    // The fast path as the adapters call it: one `/history` request is customerHistory (the likely answer's
    // summary read alongside the candidates). An ambiguous query's request answers with the list of candidates;
    // the agent's pick is another request (a summary by id). Both are timed, as separate requests; the answers
    // compared with the naive version's are the lookup and the summary of the found or first-listed customer.
    const pickTimes: number[] = [];
    const fastHistory = async (q: CustomerQuery, times?: number[]) => {
      const [ms, h] = await time(() => customerHistory(scope, q, { now: NOW }));
      times?.push(ms);
      const id = idOf(h.lookup);
      if (h.lookup.kind === 'found' || !id) return { found: h.lookup, summary: h.summary };
      const [pickMs, summary] = await time(() => buildCustomerSummary(scope, id, { now: NOW }));
      times?.push(pickMs);
      if (times) pickTimes.push(pickMs);
      return { found: h.lookup, summary };
    };
    if (TRACE) await trace(async () => void (await fastHistory(queries[0]!)), async () => void (await buildDigest(scope, { now: NOW })));
    const loadBefore = os.loadavg();
    stage('timing /history');
    const fastTimes: number[] = [];
    for (const q of queries) await fastHistory(q, fastTimes);
    stage('timing the digest');
    const digestTimes: number[] = [];
    for (let i = 0; i < DIGEST_SAMPLES; i++) digestTimes.push((await time(() => buildDigest(scope, { now: NOW })))[0]);
    const loadAfter = os.loadavg();
    console.log(`load average: ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before timing, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} after (${os.cpus().length} cores)`);
    const early = [stats(fastTimes), stats(digestTimes)];
    console.log(`fast: /history median ${early[0]!.median} ms, p95 ${early[0]!.p95} ms (${early[0]!.n}); digest median ${early[1]!.median} ms, p95 ${early[1]!.p95} ms (${early[1]!.n})`);
    console.log(`/history requests: ${fastTimes.length} for ${queries.length} queries (${pickTimes.length} ambiguous, each followed by the pick's request${pickTimes.length ? `: median ${stats(pickTimes).median} ms` : ''})`);

    // Then the naive runs, timed, with their answers compared with the fast path's: the numbers are for equal
    // answers (a difference fails the run). They come last because at 1M messages each one scans for minutes.
    stage(`naive /history (${NAIVE_SAMPLES} samples), compared with the fast answers`);
    const naiveTimes: number[] = [];
    for (const q of queries.slice(0, NAIVE_SAMPLES)) {
      const [ms, naive] = await time(() => history(q, naiveLookupCustomer, naiveCustomerSummary));
      naiveTimes.push(ms);
      const fast = await fastHistory(q);
      if (JSON.stringify(fast.found) !== JSON.stringify(naive.found)) throw new Error(`lookup differs for ${JSON.stringify(q)}`);
      if (JSON.stringify(fast.summary) !== JSON.stringify(naive.summary)) throw new Error(`summary differs for ${JSON.stringify(q)}: ${firstDifference(fast.summary, naive.summary)}`);
    }
    if (naiveTimes.length) {
      const early = stats(naiveTimes);
      console.log(`naive: /history median ${early.median} ms, p95 ${early.p95} ms (${early.n}); answers equal`);
    }
    const naiveDigestTimes: number[] = [];
    if (NAIVE_SAMPLES > 0) {
      stage('naive digest, compared with the fast one');
      const [naiveDigestMs, nd] = await time(() => naiveDigest(scope, { now: NOW }));
      naiveDigestTimes.push(naiveDigestMs);
      const fd = await buildDigest(scope, { now: NOW });
      if (JSON.stringify(fd) !== JSON.stringify(nd)) throw new Error(`digest differs from the naive scan: ${firstDifference(fd, nd)}`);
      console.log(`fast and naive answers agree (lookup and summary on ${NAIVE_SAMPLES} queries, digest)`);
    }
    const f = stats(fastTimes);
    const n = naiveTimes.length ? stats(naiveTimes) : { n: 0, median: NaN, p95: NaN };
    const d = stats(digestTimes);
    const nd2 = naiveDigestTimes.length ? stats(naiveDigestTimes) : { n: 0, median: NaN, p95: NaN };
    console.log('');
    console.log(`| measure | samples | median ms | p95 ms |`);
    console.log(`|---|---|---|---|`);
    console.log(`| /history (lookup + summary), counters | ${f.n} | ${f.median} | ${f.p95} |`);
    console.log(`| /history (lookup + summary), naive scan | ${n.n} | ${n.median} | ${n.p95} |`);
    console.log(`| digest build (${weekMessages} msgs in week), counters | ${d.n} | ${d.median} | ${d.p95} |`);
    console.log(`| digest build, naive scan | ${nd2.n} | ${nd2.median} | ${nd2.p95} |`);
  } finally {
    if (!KEEP && !REUSE && !LOAD_ONLY) await mongoose.connection.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
  }
}

await main();
