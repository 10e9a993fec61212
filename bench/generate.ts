// A seeded generator of realistic workspace event streams: customers and agents in several support
// channels, conversations as threads or as runs of channel messages, agent replies, edits and deletes,
// in time order, as the adapters hand them to capture (CapturedMessage).
//
// Texts come from files in this repository (read at run time, never from ../shared):
//   customers: data/needs/bitext-train.csv (support requests) mixed with data/sentiment/vader-train.tsv
//              (opinionated short texts) and data/needs/none-examples.json (off-topic chat);
//   agents:    a few canned replies below.
// The same seed gives the same stream.
import { readFileSync } from 'node:fs';
import type { CapturedMessage } from '../src/capture/types.js';
import { rng } from './lib.js';

export const TEXT_SOURCES = ['data/needs/bitext-train.csv', 'data/sentiment/vader-train.tsv', 'data/needs/none-examples.json'];

export interface Corpus {
  requests: string[];
  opinions: string[];
  chatter: string[];
}

let cached: Corpus | null = null;

export function loadCorpus(): Corpus {
  if (cached) return cached;
  const requests = readFileSync('data/needs/bitext-train.csv', 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .map((line) => /^(?:"((?:[^"]|"")*)"|([^",]*)),/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => (m[1] ?? m[2] ?? '').replace(/""/g, '"'))
    .filter((t) => t.trim() !== '');
  const opinions = readFileSync('data/sentiment/vader-train.tsv', 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split('\t')[3] ?? '')
    .filter((t) => t.trim() !== '');
  const chatter = (JSON.parse(readFileSync('data/needs/none-examples.json', 'utf8')) as { texts: string[] }).texts;
  cached = { requests, opinions, chatter };
  return cached;
}

const AGENT_REPLIES = [
  'Thanks for reaching out! Let me look into this for you.',
  'Sorry about the trouble. Could you send me your order number?',
  "I've refunded the charge, it should show up in 5-7 business days.",
  'That is fixed now, can you try again?',
  'I have escalated this to our engineering team, I will get back to you today.',
  'Happy to help! Your account has been updated.',
  'Could you share a screenshot of the error?',
  'Great, glad it works now. Anything else I can do?',
];

export interface WorkspaceSpec {
  /** New messages to generate (edits and deletes come on top). */
  messages: number;
  seed: number;
  /** Unique per run so runs never share documents. */
  workspaceId: string;
  customers?: number;
  agents?: number;
  channels?: number;
  /** Share of new messages later edited / deleted. */
  editRate?: number;
  deleteRate?: number;
  /** The stream ends at this time (messages spread over the `days` before it). */
  end?: Date;
  days?: number;
}

export interface GeneratedStream {
  events: CapturedMessage[];
  counts: { messages: number; edits: number; deletes: number; conversations: number; customers: number; agents: number; channels: number; threads: number };
}

export function generateWorkspace(spec: WorkspaceSpec): GeneratedStream {
  const corpus = loadCorpus();
  const r = rng(spec.seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const nCustomers = spec.customers ?? Math.max(10, Math.round(spec.messages / 12));
  const nAgents = spec.agents ?? Math.max(2, Math.min(25, Math.round(nCustomers / 80)));
  const nChannels = spec.channels ?? 5;
  const editRate = spec.editRate ?? 0.03;
  const deleteRate = spec.deleteRate ?? 0.01;
  const end = (spec.end ?? new Date(Date.UTC(2026, 10, 24))).getTime();
  const span = (spec.days ?? 28) * 86_400_000;
  const start = end - span;
  const channels = Array.from({ length: nChannels }, (_, i) => ({ id: `C${String(i).padStart(8, '0')}`, name: `support-${i}` }));
  const customerText = (): string => {
    const x = r();
    return x < 0.75 ? pick(corpus.requests) : x < 0.93 ? pick(corpus.opinions) : pick(corpus.chatter);
  };
  type Timed = { at: number; seq: number; ev: CapturedMessage };
  const timed: Timed[] = [];
  let seq = 0;
  let made = 0;
  let conversations = 0;
  let threads = 0;
  let edits = 0;
  let deletes = 0;
  const usedTs = new Set<string>();
  const slackTs = (ms: number): string => {
    // Slack message ids are the post time in seconds with microseconds; unique per channel.
    let us = ms * 1000;
    let id = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
    while (usedTs.has(id)) {
      us += 1;
      id = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
    }
    usedTs.add(id);
    return id;
  };
  while (made < spec.messages) {
    // A few customers write much more than the rest (Zipf-like).
    const c = Math.floor(nCustomers * r() ** 2);
    const customer = { userId: `U${String(c).padStart(9, '0')}`, name: `Customer ${c}`, role: 'customer' as const, ...(c % 3 === 0 ? { email: `customer${c}@example.com` } : {}), ...(c % 4 === 0 ? { company: `Company ${c % 50}` } : {}) };
    const channel = pick(channels);
    const thread = r() < 0.6;
    const len = 1 + Math.floor(r() * 7);
    const answered = r() < 0.85;
    let t = start + Math.floor(r() * (span - 12 * 3600_000));
    conversations++;
    if (thread) threads++;
    let rootId: string | null = null;
    for (let j = 0; j < len && made < spec.messages; j++) {
      if (j > 0) t += 30_000 + Math.floor(r() * (thread ? 3 * 3600_000 : 20 * 60_000));
      const agentTurn = answered && j % 2 === 1;
      const a = Math.floor(r() * nAgents);
      const author = agentTurn ? { userId: `UA${String(a).padStart(6, '0')}`, name: `Agent ${a}`, role: 'agent' as const } : customer;
      const messageId = slackTs(t);
      if (j === 0) rootId = messageId;
      const text = agentTurn ? pick(AGENT_REPLIES) : customerText();
      const ev: CapturedMessage = {
        kind: 'new',
        platform: 'slack',
        workspaceId: spec.workspaceId,
        channelId: channel.id,
        channelName: channel.name,
        messageId,
        threadId: thread ? rootId : null,
        author,
        text,
        ts: new Date(t),
        permalink: `https://bench.slack.com/archives/${channel.id}/p${messageId.replace('.', '')}`,
        source: 'live',
      };
      timed.push({ at: t, seq: seq++, ev });
      made++;
      const x = r();
      if (x < editRate) {
        const editedAt = t + 5_000 + Math.floor(r() * 600_000);
        timed.push({ at: editedAt, seq: seq++, ev: { ...ev, kind: 'edit', text: agentTurn ? `${text} (edited)` : customerText(), editedAt: new Date(editedAt) } });
        edits++;
      } else if (x < editRate + deleteRate) {
        const deletedAt = t + 5_000 + Math.floor(r() * 600_000);
        timed.push({ at: deletedAt, seq: seq++, ev: { kind: 'delete', platform: 'slack', workspaceId: spec.workspaceId, channelId: channel.id, messageId, threadId: ev.threadId, ts: ev.ts, deletedAt: new Date(deletedAt), source: 'live' } });
        deletes++;
      }
    }
  }
  timed.sort((a, b) => a.at - b.at || a.seq - b.seq);
  return {
    events: timed.map((x) => x.ev),
    counts: { messages: made, edits, deletes, conversations, customers: nCustomers, agents: nAgents, channels: nChannels, threads },
  };
}
