// Pure mapping of Discord messages (already reduced to plain facts by extract.ts) to CapturedMessage.
// A thread or forum post is one conversation: channelId is its parent channel, threadId the thread's id.
import type { CapturedAttachment, CapturedMessage, CaptureSource } from '../../src/capture/types.js';
import type { Role } from '../../src/domain/types.js';

/** Discord's epoch (2015-01-01) in ms; a snowflake's top 42 bits are ms since then. */
export const DISCORD_EPOCH_MS = 1_420_070_400_000n;

/** Message types that are people talking: DEFAULT (0) and REPLY (19). System notices are not captured. */
export const CAPTURED_TYPES: ReadonlySet<number> = new Set([0, 19]);

export function snowflakeToDate(id: string): Date {
  return new Date(Number((BigInt(id) >> 22n) + DISCORD_EPOCH_MS));
}

/** The smallest snowflake at `date` (exclusive bound for `after=` queries: everything at or after it). */
export function dateToSnowflake(date: Date): string {
  const ms = BigInt(Math.max(date.getTime(), Number(DISCORD_EPOCH_MS)));
  const v = ((ms - DISCORD_EPOCH_MS) << 22n) - 1n;
  return (v < 0n ? 0n : v).toString();
}

export interface ChannelFacts {
  id: string;
  isThread: boolean;
  /** A thread's parent channel (text or forum); a channel's category. */
  parentId: string | null;
  name: string | null;
  /** A thread's parent channel name. */
  parentName?: string | null;
}

export interface AuthorInfo {
  id: string;
  username: string | null;
  globalName: string | null;
  /** Guild nickname, when known. */
  nick: string | null;
  role: Role;
}

export interface MessageFacts {
  id: string;
  guildId: string;
  channel: ChannelFacts;
  type: number;
  /** null when unknown (a partial message). */
  content: string | null;
  createdAt: Date;
  editedAt: Date | null;
  author: AuthorInfo | null;
  /** null when unknown (a partial message). */
  attachments: Array<{ name: string | null; contentType: string | null; size: number | null }> | null;
}

export class DiscordMappingError extends Error {
  readonly code = 'sh_discord_unmappable';
}

/** Replaces unpaired UTF-16 surrogates with U+FFFD: BSON stores UTF-8, which cannot hold them. */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function placement(ch: ChannelFacts): { channelId: string; threadId: string | null; channelName: string | null } {
  if (!ch.isThread) return { channelId: ch.id, threadId: null, channelName: ch.name };
  if (!ch.parentId) throw new DiscordMappingError(`thread ${ch.id} has no parent channel`);
  return { channelId: ch.parentId, threadId: ch.id, channelName: ch.parentName ?? null };
}

export function permalink(guildId: string, channelId: string, messageId: string): string {
  return `https://discord.com/channels/${guildId}/${channelId}/${messageId}`;
}

function attachments(m: MessageFacts): CapturedAttachment[] | undefined {
  if (m.attachments === null) return undefined;
  return m.attachments.map((a) => ({ name: a.name, type: a.contentType, size: a.size }));
}

function author(a: AuthorInfo): CapturedMessage['author'] {
  return { userId: a.id, name: a.nick ?? a.globalName ?? a.username ?? null, role: a.role };
}

export type MapResult = { ok: true; message: CapturedMessage } | { ok: false; reason: string };

/** A posted message (live or backfilled). */
export function mapNew(m: MessageFacts, source: CaptureSource): MapResult {
  if (!CAPTURED_TYPES.has(m.type)) return { ok: false, reason: `message type ${m.type} is not a conversation message` };
  if (!m.author) return { ok: false, reason: 'author unknown' };
  const text = m.content ? wellFormed(m.content) : null;
  const atts = attachments(m) ?? [];
  if (text === null && atts.length === 0) return { ok: false, reason: 'no text and no attachments (embed or sticker only)' };
  const p = placement(m.channel);
  return {
    ok: true,
    message: {
      kind: 'new',
      platform: 'discord',
      workspaceId: m.guildId,
      channelId: p.channelId,
      channelName: p.channelName,
      messageId: m.id,
      threadId: p.threadId,
      author: author(m.author),
      text,
      ts: m.createdAt,
      editedAt: m.editedAt,
      attachments: atts,
      permalink: permalink(m.guildId, m.channel.id, m.id),
      source,
    },
  };
}

/** An edit. The author goes along (when known) so an edit of a message never captured stores it. */
export function mapEdit(m: MessageFacts): MapResult {
  if (!CAPTURED_TYPES.has(m.type)) return { ok: false, reason: `message type ${m.type} is not a conversation message` };
  if (m.content === null && m.attachments === null) return { ok: false, reason: 'partial edit without content' };
  const p = placement(m.channel);
  const atts = attachments(m);
  return {
    ok: true,
    message: {
      kind: 'edit',
      platform: 'discord',
      workspaceId: m.guildId,
      channelId: p.channelId,
      channelName: p.channelName,
      messageId: m.id,
      threadId: p.threadId,
      author: m.author ? author(m.author) : null,
      text: m.content !== null ? wellFormed(m.content) : null,
      ts: m.createdAt,
      editedAt: m.editedAt ?? new Date(),
      ...(atts !== undefined ? { attachments: atts } : {}),
      permalink: permalink(m.guildId, m.channel.id, m.id),
      source: 'live',
    },
  };
}

/** A delete; only ids are known (the message may never have been cached). */
export function mapDelete(d: { id: string; guildId: string; channel: ChannelFacts; deletedAt: Date }): MapResult {
  const p = placement(d.channel);
  return {
    ok: true,
    message: {
      kind: 'delete',
      platform: 'discord',
      workspaceId: d.guildId,
      channelId: p.channelId,
      messageId: d.id,
      threadId: p.threadId,
      ts: snowflakeToDate(d.id),
      deletedAt: d.deletedAt,
      source: 'live',
    },
  };
}
