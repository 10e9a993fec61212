// A standard Slack workspace export (channels.json, users.json, a JSON file per channel per day) turned into
// CapturedMessages: threads, edits, files, bot messages and Slack Connect users as they appear there.
import type { CapturedAttachment, CapturedMessage } from '../capture/types.js';
import { readJsonArray } from './json-scan.js';
import type { ExportSource } from './source.js';
import { countSkip, type ExportContent, type ImportRecord, type Rejection } from './types.js';
import { allOf } from './report.js';

export interface SlackImportOptions {
  /** Channels named on the command line (ids or names, with or without #); win over the configured ones. */
  channels: string[];
  /** SLACK_SUPPORT_CHANNELS. When both are empty, every channel in the export is imported. */
  configuredChannels: string[];
  /** SLACK_AGENT_USERS plus any named on the command line. */
  agentUsers: string[];
  /** Team id, when the export does not reveal it (users.json and messages normally do). */
  workspaceId?: string;
}

interface SlackChannel {
  id: string;
  name: string;
}

interface SlackUser {
  id: string;
  teamId: string | null;
  name: string | null;
  email: string | null;
  isBot: boolean;
}

/** Message subtypes that carry something a person (or bot) said; every other subtype is a channel event. */
const CONTENT_SUBTYPES = new Set([undefined, 'bot_message', 'thread_broadcast', 'file_share', 'me_message', 'reply_broadcast', 'slackbot_response']);
const TS = /^\d{9,10}\.\d{6}$/;
const DAY_FILE = /^(.+)\/(\d{4}-\d{2}-\d{2})\.json$/;

export function slackTsToDate(ts: string): Date {
  const [sec, micro] = ts.split('.') as [string, string];
  return new Date(Number(sec) * 1000 + Math.floor(Number(micro) / 1000));
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

function readUsers(items: unknown[]): Map<string, SlackUser> {
  const users = new Map<string, SlackUser>();
  for (const u of items) {
    if (typeof u !== 'object' || u === null) continue;
    const r = u as Record<string, unknown>;
    const id = str(r.id);
    if (!id) continue;
    const profile = (typeof r.profile === 'object' && r.profile !== null ? r.profile : {}) as Record<string, unknown>;
    users.set(id, {
      id,
      teamId: str(r.team_id) ?? str(profile.team),
      name: str(profile.real_name) ?? str(r.real_name) ?? str(profile.display_name) ?? str(r.name),
      email: str(profile.email),
      isBot: r.is_bot === true,
    });
  }
  return users;
}

function mostCommon(values: Array<string | null>): string | null {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  let n = 0;
  for (const [v, c] of counts) if (c > n) [best, n] = [v, c];
  return best;
}

function attachmentsOf(m: Record<string, unknown>): CapturedAttachment[] {
  if (!Array.isArray(m.files)) return [];
  return m.files
    .filter((f): f is Record<string, unknown> => typeof f === 'object' && f !== null)
    .map((f) => ({
      // Files over the plan's limit or deleted appear with only an id and a mode.
      name: str(f.name) ?? str(f.title),
      type: str(f.mimetype) ?? str(f.filetype),
      size: typeof f.size === 'number' && Number.isFinite(f.size) && f.size >= 0 ? f.size : null,
    }));
}

/** Text of a message; a bot message with only legacy attachments gives their fallback text. */
function textOf(m: Record<string, unknown>): string | null {
  const text = typeof m.text === 'string' ? m.text : null;
  if (text && text.trim() !== '') return text;
  if (Array.isArray(m.attachments)) {
    const parts = m.attachments
      .map((a) => (typeof a === 'object' && a !== null ? (str((a as Record<string, unknown>).text) ?? str((a as Record<string, unknown>).fallback)) : null))
      .filter((s): s is string => s !== null);
    if (parts.length > 0) return parts.join('\n');
  }
  return text;
}

export interface SlackMapContext {
  workspaceId: string;
  channel: SlackChannel;
  users: Map<string, SlackUser>;
  agents: Set<string>;
}

export type MapResult = { msg: CapturedMessage } | { skip: string } | { reject: string };

/** One raw message of a day file → a CapturedMessage, a deliberate skip, or a rejection reason (pure). */
export function mapSlackMessage(raw: unknown, ctx: SlackMapContext): MapResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { reject: 'not a message object' };
  const m = raw as Record<string, unknown>;
  if (m.type !== undefined && m.type !== 'message') return { skip: `not a message (type ${String(m.type)})` };
  const subtype = typeof m.subtype === 'string' ? m.subtype : undefined;
  const ts = typeof m.ts === 'string' ? m.ts : null;
  if (!ts || !TS.test(ts)) return { reject: `missing or malformed ts (${JSON.stringify(m.ts ?? null)})` };
  const threadTs = typeof m.thread_ts === 'string' && TS.test(m.thread_ts) ? m.thread_ts : null;
  const base = {
    platform: 'slack' as const,
    workspaceId: ctx.workspaceId,
    channelId: ctx.channel.id,
    channelName: ctx.channel.name,
    messageId: ts,
    threadId: threadTs,
    ts: slackTsToDate(ts),
    source: 'import' as const,
  };
  if (subtype === 'tombstone') {
    // A thread root deleted after it was replied to: only a placeholder is left.
    return { msg: { ...base, kind: 'delete', deletedAt: slackTsToDate(ts) } };
  }
  if (!CONTENT_SUBTYPES.has(subtype)) return { skip: `channel event (${subtype})` };

  const botId = str(m.bot_id);
  const userId = str(m.user) ?? botId;
  if (!userId) return { reject: 'message has neither user nor bot_id' };
  const user = ctx.users.get(userId);
  const profile = (typeof m.user_profile === 'object' && m.user_profile !== null ? m.user_profile : {}) as Record<string, unknown>;
  const botProfile = (typeof m.bot_profile === 'object' && m.bot_profile !== null ? m.bot_profile : {}) as Record<string, unknown>;
  const isBot = subtype === 'bot_message' || (botId !== null && str(m.user) === null) || user?.isBot === true;
  const name = isBot
    ? (str(m.username) ?? str(botProfile.name) ?? user?.name ?? null)
    : (user?.name ?? str(profile.real_name) ?? str(profile.display_name) ?? str(profile.name));
  const teamId = user?.teamId ?? str(m.user_team) ?? str(profile.team) ?? str(m.team);
  const external = !isBot && teamId !== null && teamId !== ctx.workspaceId;
  const role = isBot ? 'bot' : ctx.agents.has(userId) ? 'agent' : 'customer';
  const edited = typeof m.edited === 'object' && m.edited !== null ? (m.edited as Record<string, unknown>) : null;
  const editedTs = edited && typeof edited.ts === 'string' && TS.test(edited.ts) ? slackTsToDate(edited.ts) : null;
  const msg: CapturedMessage = {
    ...base,
    kind: 'new',
    author: { userId, name, role, email: isBot ? null : (user?.email ?? null), ...(external ? { external: true } : {}) },
    text: textOf(m) || null,
    attachments: attachmentsOf(m),
    editedAt: editedTs,
  };
  return { msg };
}

function normaliseChannelName(s: string): string {
  return s.replace(/^#/, '').toLowerCase();
}

/** Reads a whole Slack export. Never throws for bad content: problems become rejections. */
export async function readSlackExport(source: ExportSource, opts: SlackImportOptions): Promise<ExportContent> {
  const out: ExportContent = { platform: 'slack', records: [], rejections: [], skipped: {}, notes: [] };
  const files = new Set(source.list());
  const reject = (r: Rejection): void => {
    out.rejections.push(r);
  };
  const readArray = async (file: string): Promise<unknown[]> => {
    const { items, problem } = readJsonArray(await source.read(file));
    if (problem) reject({ file, position: `line ${problem.line}, column ${problem.column} (offset ${problem.offset})`, reason: problem.message });
    return items;
  };

  if (!files.has('channels.json') && !files.has('groups.json')) {
    reject({ file: 'channels.json', position: 'file', reason: `not found in ${source.label}: is this a Slack export?` });
    return out;
  }
  const channels: SlackChannel[] = [];
  for (const file of ['channels.json', 'groups.json']) {
    if (!files.has(file)) continue;
    (await readArray(file)).forEach((c, i) => {
      const r = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
      const id = str(r.id);
      const name = str(r.name);
      if (!id || !name) reject({ file, position: `channel ${i}`, reason: 'channel without id or name' });
      else channels.push({ id, name });
    });
  }
  const users = files.has('users.json') ? readUsers(await readArray('users.json')) : new Map<string, SlackUser>();

  const wanted = (opts.channels.length > 0 ? opts.channels : opts.configuredChannels).map(normaliseChannelName);
  const selected = wanted.length === 0 ? channels : channels.filter((c) => wanted.includes(c.id.toLowerCase()) || wanted.includes(c.name.toLowerCase()));
  if (wanted.length === 0) out.notes.push(`no support channels configured or named: importing ${allOf(channels.length, 'channel')}`);
  for (const w of wanted) {
    if (!channels.some((c) => c.id.toLowerCase() === w || c.name.toLowerCase() === w)) {
      reject({ file: 'channels.json', position: 'channels', reason: `channel "${w}" is not in this export` });
    }
  }
  const dayFiles = new Map<string, string[]>();
  for (const f of files) {
    const m = DAY_FILE.exec(f);
    if (!m) continue;
    const list = dayFiles.get(m[1]!) ?? [];
    list.push(f);
    dayFiles.set(m[1]!, list);
  }
  for (const c of channels) {
    if (!selected.includes(c)) {
      const n = (dayFiles.get(c.name) ?? dayFiles.get(c.id) ?? []).length;
      if (n > 0) countSkip(out.skipped, 'channel not selected (day files)', n);
    }
  }

  // The team: given, or the one most users and messages belong to.
  let workspaceId = opts.workspaceId ?? mostCommon([...users.values()].map((u) => u.teamId));
  const agents = new Set(opts.agentUsers);
  for (const channel of selected) {
    const days = (dayFiles.get(channel.name) ?? dayFiles.get(channel.id) ?? []).sort();
    out.notes.push(`#${channel.name} (${channel.id}): ${days.length} day files`);
    for (const file of days) {
      const items = await readArray(file);
      if (!workspaceId) {
        workspaceId = mostCommon(items.map((m) => (typeof m === 'object' && m !== null ? (str((m as Record<string, unknown>).team) ?? null) : null)));
      }
      if (!workspaceId) {
        reject({ file, position: 'file', reason: 'cannot tell the workspace (team) id: pass --workspace T…' });
        continue;
      }
      items.forEach((raw, i) => {
        const r = mapSlackMessage(raw, { workspaceId: workspaceId!, channel, users, agents });
        if ('msg' in r) out.records.push({ msg: r.msg, origin: `${file}#${i}` } satisfies ImportRecord);
        else if ('skip' in r) countSkip(out.skipped, r.skip);
        else reject({ file, position: `message ${i}`, reason: r.reject });
      });
    }
  }
  return out;
}
