// A seeded generator of realistic workspace event streams: customers and agents in several support
// channels, conversations as threads or as runs of channel messages, agent replies, edits and deletes,
// in time order, as the adapters hand them to capture (CapturedMessage), and the same stream as the Slack
// Events API delivers it (slackWorkspace: `message` events, thread replies with thread_ts, message_changed,
// message_deleted, a thread root deleted under its replies as a tombstone) with the directory (users.info,
// conversations.list, agents) the Slack adapter resolves authors and channels from.
//
// Texts come from the repository's copies of ../shared/data (read at run time; the product and its benchmarks
// stand alone without ../shared):
//   customers: data/needs/bitext-train.csv (= ../shared/data/bitext-train.csv: support requests) mixed with
//              data/sentiment/vader-train.tsv (the training half of ../shared/data/vader-*.tsv: opinionated short
//              texts) and data/needs/none-examples.json (CLINC150 rows with no support need: off-topic chat);
//   agents:    a few canned replies below.
// The same seed gives the same stream.
import { readFileSync } from 'node:fs';
import type { CapturedMessage } from '../src/capture/types.js';
import type { SlackChannel, SlackMessage, SlackUser } from '../adapters/slack/payloads.js';
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
  /**
   * Share of new messages later edited / deleted. A stream of 20 or more messages has at least one edit and one
   * delete whatever the draw, so small (quick) benchmark streams still exercise both paths.
   */
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
  // At least one edit and one delete in a stream of 20 messages or more (see WorkspaceSpec.editRate).
  if (made >= 20) {
    const touched = new Set(timed.filter((x) => x.ev.kind !== 'new').map((x) => x.ev.messageId));
    const untouched = (): Timed => {
      const news = timed.filter((x) => x.ev.kind === 'new' && !touched.has(x.ev.messageId));
      return news[Math.floor(r() * news.length)]!;
    };
    if (edits === 0) {
      const x = untouched();
      const editedAt = x.at + 5_000 + Math.floor(r() * 600_000);
      const text = x.ev.author?.role === 'agent' ? `${x.ev.text} (edited)` : customerText();
      timed.push({ at: editedAt, seq: seq++, ev: { ...x.ev, kind: 'edit', text, editedAt: new Date(editedAt) } });
      touched.add(x.ev.messageId);
      edits++;
    }
    if (deletes === 0) {
      const x = untouched();
      const deletedAt = x.at + 5_000 + Math.floor(r() * 600_000);
      const ev = x.ev;
      timed.push({ at: deletedAt, seq: seq++, ev: { kind: 'delete', platform: 'slack', workspaceId: spec.workspaceId, channelId: ev.channelId, messageId: ev.messageId, threadId: ev.threadId, ts: ev.ts, deletedAt: new Date(deletedAt), source: 'live' } });
      deletes++;
    }
  }
  timed.sort((a, b) => a.at - b.at || a.seq - b.seq);
  return {
    events: timed.map((x) => x.ev),
    counts: { messages: made, edits, deletes, conversations, customers: nCustomers, agents: nAgents, channels: nChannels, threads },
  };
}

/** A Slack Events API `message` event (the inner `event` of an `event_callback` envelope). */
export type SlackMessageEvent = SlackMessage & { event_ts: string; channel_type: 'channel' };

export interface SlackWorkspace {
  teamId: string;
  /** https://<domain>.slack.com/ as auth.test gives it (permalinks). */
  url: string;
  /** One Slack event per generated event, in the same order. */
  events: SlackMessageEvent[];
  /** What users.info answers, by user id. */
  users: Map<string, SlackUser>;
  /** What conversations.list answers. */
  channels: SlackChannel[];
  /** Members of the agents' user group (usergroups.users.list). */
  agentIds: string[];
}

const tsOf = (ms: number): string => `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000).padStart(6, '0')}`;

/**
 * The generated stream as Slack delivers it, shaped as Slack documents its `message` events:
 *   new message    {type:'message', channel, user, text, ts, event_ts, channel_type, team}; a thread reply adds
 *                  thread_ts (the root's ts) and parent_user_id; a thread root has no thread_ts until it has replies;
 *   edit           subtype message_changed, hidden, ts/event_ts of the edit, `message` (the new text, edited
 *                  {user, ts}) and `previous_message`;
 *   delete         subtype message_deleted, hidden, deleted_ts and `previous_message`; a thread root that already
 *                  has replies is replaced by a tombstone instead (message_changed whose message has subtype
 *                  tombstone), as Slack does.
 * Blocks, client_msg_id and the like are left out: the adapter does not read them.
 */
export function slackWorkspace(stream: GeneratedStream): SlackWorkspace {
  const teamId = stream.events[0]?.workspaceId ?? 'TBENCH';
  const users = new Map<string, SlackUser>();
  const agents = new Set<string>();
  const channels = new Map<string, SlackChannel>();
  const posted = new Map<string, SlackMessage>();
  const repliedRoots = new Set<string>();
  const events: SlackMessageEvent[] = [];
  const base = (channel: string, ts: string) => ({ type: 'message', channel, ts, event_ts: ts, channel_type: 'channel' as const });
  for (const ev of stream.events) {
    if (!channels.has(ev.channelId)) channels.set(ev.channelId, { id: ev.channelId, name: ev.channelName ?? ev.channelId, is_member: true, is_archived: false });
    const a = ev.author;
    if (a && !users.has(a.userId)) {
      const handle = (a.name ?? a.userId).toLowerCase().replace(/\s+/g, '.');
      users.set(a.userId, {
        id: a.userId,
        team_id: teamId,
        name: handle,
        real_name: a.name ?? undefined,
        deleted: false,
        is_bot: false,
        profile: { real_name: a.name ?? undefined, display_name: '', ...(a.email ? { email: a.email } : {}) },
      });
      if (a.role === 'agent') agents.add(a.userId);
    }
    const prev = posted.get(ev.messageId);
    if (ev.kind === 'new') {
      const reply = ev.threadId != null && ev.threadId !== ev.messageId;
      const msg: SlackMessage = { type: 'message', user: a!.userId, text: ev.text ?? '', ts: ev.messageId };
      if (reply) {
        msg.thread_ts = ev.threadId!;
        repliedRoots.add(ev.threadId!);
        const root = posted.get(ev.threadId!);
        if (root) {
          root.thread_ts = root.ts;
          (msg as Record<string, unknown>).parent_user_id = root.user;
        }
      }
      posted.set(ev.messageId, msg);
      events.push({ ...msg, ...base(ev.channelId, ev.messageId), team: teamId });
    } else if (ev.kind === 'edit') {
      const at = tsOf(ev.editedAt!.getTime());
      const before: SlackMessage = prev ? { ...prev } : { type: 'message', user: a?.userId, text: '', ts: ev.messageId };
      const now: SlackMessage = { ...before, text: ev.text ?? '', edited: { user: before.user, ts: at } };
      posted.set(ev.messageId, now);
      events.push({ ...base(ev.channelId, at), subtype: 'message_changed', hidden: true, message: now, previous_message: before });
    } else {
      const at = tsOf(ev.deletedAt!.getTime());
      const before: SlackMessage = prev ? { ...prev } : { type: 'message', ts: ev.messageId };
      posted.delete(ev.messageId);
      if (repliedRoots.has(ev.messageId)) {
        const tombstone: SlackMessage = { type: 'message', subtype: 'tombstone', user: 'USLACKBOT', text: 'This message was deleted.', hidden: true, ts: ev.messageId, thread_ts: ev.messageId };
        events.push({ ...base(ev.channelId, at), subtype: 'message_changed', hidden: true, message: tombstone, previous_message: before });
      } else {
        events.push({ ...base(ev.channelId, at), subtype: 'message_deleted', hidden: true, deleted_ts: ev.messageId, previous_message: before });
      }
    }
  }
  return { teamId, url: 'https://bench.slack.com/', events, users, channels: [...channels.values()], agentIds: [...agents] };
}
