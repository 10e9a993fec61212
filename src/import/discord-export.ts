// DiscordChatExporter JSON (one file per channel or thread: guild, channel, messages with author, timestamp,
// timestampEdited, reference, attachments, mentions) turned into CapturedMessages.
import type { CapturedMessage } from '../capture/types.js';
import { readJsonObjectWithArray } from './json-scan.js';
import type { MapResult } from './slack-export.js';
import type { ExportSource } from './source.js';
import { countSkip, type ExportContent } from './types.js';
import { allOf } from './report.js';

export interface DiscordImportOptions {
  /** Channels named on the command line (ids or names); win over the configured ones. */
  channels: string[];
  /** DISCORD_SUPPORT_CHANNELS (channel, category or forum ids). Both empty: every file is imported. */
  configuredChannels: string[];
  agentUsers: string[];
  /** Role ids (DISCORD_AGENT_ROLES) or names given on the command line. */
  agentRoles: string[];
}

/** Message types that carry what someone said; the rest (joins, pins, thread-created notices…) are events. */
const CONTENT_TYPES = new Set(['Default', 'Reply', 'ChatInputCommand', 'ContextMenuCommand']);
const SNOWFLAKE = /^\d{15,21}$/;

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export interface DiscordChannelInfo {
  guildId: string;
  /** The support channel: for a thread, its parent. */
  channelId: string;
  channelName: string | null;
  /** The thread's id when the file is a thread or forum post. */
  threadId: string | null;
  /** The channel the messages were posted in (the thread itself for a thread), for permalinks. */
  postedIn: string;
  /** The category (or, for a thread, the parent's id) for channel selection. */
  parentIds: string[];
  names: string[];
}

/** Reads the guild and channel header of an export file; null with a reason when it is not one. */
export function discordChannelInfo(value: Record<string, unknown>): DiscordChannelInfo | { error: string } {
  const guild = obj(value.guild);
  const channel = obj(value.channel);
  const guildId = str(guild.id);
  const id = str(channel.id);
  if (!guildId || !SNOWFLAKE.test(guildId)) return { error: 'no guild.id: is this a DiscordChatExporter JSON file?' };
  if (!id || !SNOWFLAKE.test(id)) return { error: 'no channel.id: is this a DiscordChatExporter JSON file?' };
  const type = str(channel.type) ?? '';
  const isThread = /Thread$/.test(type);
  // DiscordChatExporter writes a thread's parent channel as its "category".
  const parentId = str(channel.parentId) ?? str(channel.categoryId);
  if (isThread) {
    if (!parentId || !SNOWFLAKE.test(parentId)) return { error: 'thread export without its parent channel id (channel.categoryId)' };
    return {
      guildId,
      channelId: parentId,
      channelName: str(channel.parent) ?? str(channel.category),
      threadId: id,
      postedIn: id,
      parentIds: [parentId],
      names: [str(channel.name) ?? '', str(channel.category) ?? ''].filter((s) => s !== ''),
    };
  }
  return {
    guildId,
    channelId: id,
    channelName: str(channel.name),
    threadId: null,
    postedIn: id,
    parentIds: parentId ? [parentId] : [],
    names: [str(channel.name) ?? ''].filter((s) => s !== ''),
  };
}

export interface DiscordMapContext {
  info: DiscordChannelInfo;
  agentUsers: Set<string>;
  agentRoles: Set<string>;
}

/** One message of an export file → a CapturedMessage, a deliberate skip, or a rejection reason (pure). */
export function mapDiscordMessage(raw: unknown, ctx: DiscordMapContext): MapResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { reject: 'not a message object' };
  const m = raw as Record<string, unknown>;
  const type = str(m.type) ?? 'Default';
  if (!CONTENT_TYPES.has(type)) return { skip: `channel event (${type})` };
  const id = str(m.id);
  if (!id || !SNOWFLAKE.test(id)) return { reject: `missing or malformed id (${JSON.stringify(m.id ?? null)})` };
  const ts = str(m.timestamp) ? new Date(m.timestamp as string) : null;
  if (!ts || Number.isNaN(ts.getTime())) return { reject: `missing or malformed timestamp (${JSON.stringify(m.timestamp ?? null)})` };
  const edited = str(m.timestampEdited) ? new Date(m.timestampEdited as string) : null;
  if (edited && Number.isNaN(edited.getTime())) return { reject: `malformed timestampEdited (${JSON.stringify(m.timestampEdited)})` };
  const author = obj(m.author);
  const userId = str(author.id);
  if (!userId) return { reject: 'message without author.id' };
  const roles = Array.isArray(author.roles) ? author.roles.map(obj) : [];
  const isAgent =
    ctx.agentUsers.has(userId) || roles.some((r) => ctx.agentRoles.has(String(r.id ?? '')) || ctx.agentRoles.has(String(r.name ?? '').toLowerCase()));
  const role = author.isBot === true ? 'bot' : isAgent ? 'agent' : 'customer';
  const attachments = (Array.isArray(m.attachments) ? m.attachments.map(obj) : []).map((a) => {
    const name = str(a.fileName);
    const ext = name && /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1]?.toLowerCase();
    return {
      name,
      type: ext ?? null,
      size: typeof a.fileSizeBytes === 'number' && Number.isFinite(a.fileSizeBytes) && a.fileSizeBytes >= 0 ? a.fileSizeBytes : null,
    };
  });
  let text = typeof m.content === 'string' ? m.content : null;
  if ((text === null || text === '') && attachments.length === 0) {
    // An embed-only (usually bot) message: keep the embed's words.
    const embed = Array.isArray(m.embeds) ? obj(m.embeds[0]) : {};
    text = [str(embed.title), str(embed.description)].filter((s) => s !== null).join('\n') || text;
  }
  const { info } = ctx;
  const msg: CapturedMessage = {
    kind: 'new',
    platform: 'discord',
    workspaceId: info.guildId,
    channelId: info.channelId,
    channelName: info.channelName,
    messageId: id,
    threadId: info.threadId,
    author: { userId, name: str(author.nickname) ?? str(author.name), role },
    text: text === '' ? null : text,
    attachments,
    ts,
    editedAt: edited,
    permalink: `https://discord.com/channels/${info.guildId}/${info.postedIn}/${id}`,
    source: 'import',
  };
  return { msg };
}

/** Reads every DiscordChatExporter JSON file of the source. Never throws for bad content. */
export async function readDiscordExport(source: ExportSource, opts: DiscordImportOptions): Promise<ExportContent> {
  const out: ExportContent = { platform: 'discord', records: [], rejections: [], skipped: {}, notes: [] };
  const files = source.list().filter((f) => f.toLowerCase().endsWith('.json'));
  if (files.length === 0) out.rejections.push({ file: source.label, position: 'file', reason: 'no .json files found' });
  const wanted = (opts.channels.length > 0 ? opts.channels : opts.configuredChannels).map((s) => s.replace(/^#/, '').toLowerCase());
  if (wanted.length === 0) out.notes.push(`no support channels configured or named: importing ${allOf(files.length, 'file')}`);
  const agentUsers = new Set(opts.agentUsers);
  const agentRoles = new Set(opts.agentRoles.map((r) => r.toLowerCase()));
  for (const file of files) {
    const { value, problem } = readJsonObjectWithArray(await source.read(file), 'messages');
    if (problem) {
      out.rejections.push({ file, position: `line ${problem.line}, column ${problem.column} (offset ${problem.offset})`, reason: problem.message });
    }
    if (!('guild' in value) && !('channel' in value) && problem) continue;
    const info = discordChannelInfo(value);
    if ('error' in info) {
      out.rejections.push({ file, position: 'header', reason: info.error });
      continue;
    }
    const messages = Array.isArray(value.messages) ? value.messages : [];
    if (wanted.length > 0) {
      const keys = [info.channelId, info.threadId ?? '', ...info.parentIds, ...info.names].map((s) => s.toLowerCase());
      if (!keys.some((k) => k !== '' && wanted.includes(k))) {
        countSkip(out.skipped, 'channel not selected (messages)', messages.length);
        continue;
      }
    }
    out.notes.push(`${file}: ${info.threadId ? `thread ${info.threadId} of ` : ''}channel ${info.channelName ?? info.channelId}, ${messages.length} messages`);
    messages.forEach((raw, i) => {
      const r = mapDiscordMessage(raw, { info, agentUsers, agentRoles });
      if ('msg' in r) out.records.push({ msg: r.msg, origin: `${file}#${i}` });
      else if ('skip' in r) countSkip(out.skipped, r.skip);
      else out.rejections.push({ file, position: `message ${i}`, reason: r.reject });
    });
  }
  return out;
}
