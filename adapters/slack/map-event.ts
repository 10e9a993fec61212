// Pure mapping of Slack `message` events (and conversations.history/replies items) to the platform-neutral
// CapturedMessage. No I/O: who the author is (profile, agent or not) is looked up by the caller and passed in.
import type { CapturedAttachment, CapturedAuthor, CapturedMessage, CaptureKind, CaptureSource } from '../../src/capture/types.js';
import type { Role } from '../../src/domain/types.js';
import type { SlackFile, SlackMessage } from './payloads.js';

/** Subtypes that carry something a customer or an agent said; every other subtype is noise (joins, topics, pins…). */
const CONTENT_SUBTYPES = new Set<string | undefined>([undefined, 'thread_broadcast', 'file_share', 'bot_message', 'me_message']);

const TS = /^\d{1,12}\.\d{1,8}$/;

/** A Slack message ts ("1700000000.123456") as a Date (millisecond precision); null when malformed. */
export function slackTsToDate(ts: string | undefined | null): Date | null {
  if (typeof ts !== 'string' || !TS.test(ts)) return null;
  const [sec, frac = '0'] = ts.split('.');
  const ms = Number(sec) * 1000 + Math.floor(Number(`0.${frac}`) * 1000);
  return new Date(ms);
}

/** A Date as a Slack ts for `oldest`/`latest` parameters. */
export function dateToSlackTs(d: Date): string {
  const ms = d.getTime();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000).padStart(6, '0')}`;
}

/** Who wrote a message, as far as the message itself tells. */
export interface SlackAuthorRef {
  userId: string;
  /** A bot (bot_message, or any message with a bot_id). */
  isBot: boolean;
  /** The name a bot message carries (username or bot profile). */
  botName: string | null;
  /** The author's team when the message says (Slack Connect: user_team / source_team). */
  teamId: string | null;
}

export interface ParsedSlackMessage {
  kind: CaptureKind;
  channelId: string;
  messageId: string;
  threadId: string | null;
  /** Null for a delete whose previous message Slack did not include. */
  author: SlackAuthorRef | null;
  text: string | null;
  ts: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  attachments: CapturedAttachment[] | undefined;
}

export type ParseResult = { action: 'capture'; message: ParsedSlackMessage } | { action: 'ignore'; reason: string };

function ignore(reason: string): ParseResult {
  return { action: 'ignore', reason };
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function authorOf(m: SlackMessage): SlackAuthorRef | null {
  const botId = str(m.bot_id);
  const userId = str(m.user) ?? botId;
  if (userId === null) return null;
  const isBot = m.subtype === 'bot_message' || botId !== null;
  const botName = isBot ? (str(m.username) ?? str(m.bot_profile?.name)) : null;
  return { userId, isBot, botName, teamId: str(m.user_team) ?? str(m.source_team) ?? null };
}

function attachmentsOf(files: SlackFile[] | undefined): CapturedAttachment[] | undefined {
  if (!Array.isArray(files) || files.length === 0) return undefined;
  // Name, type and size only: the content is never fetched.
  return files.map((f) => ({
    name: str(f?.name) ?? str(f?.title),
    type: str(f?.filetype) ?? str(f?.mimetype),
    size: typeof f?.size === 'number' && Number.isFinite(f.size) && f.size >= 0 ? f.size : null,
  }));
}

function threadOf(m: SlackMessage): string | null {
  return str(m.thread_ts);
}

/**
 * Parses one Slack message event (or history item; pass the channel when the item has none).
 * Returns what to capture, or why the event is ignored. Never throws.
 */
export function parseSlackMessage(input: unknown, channelFallback?: string): ParseResult {
  if (typeof input !== 'object' || input === null) return ignore('not an object');
  const ev = input as SlackMessage;
  if (ev.type !== undefined && ev.type !== 'message') return ignore(`type:${String(ev.type)}`);
  const channelId = str(ev.channel) ?? channelFallback ?? null;
  if (channelId === null) return ignore('no channel');

  if (ev.subtype === 'message_deleted') {
    const ts = slackTsToDate(ev.deleted_ts ?? ev.previous_message?.ts);
    if (!ts) return ignore('malformed deleted_ts');
    const prev = ev.previous_message ?? {};
    return {
      action: 'capture',
      message: {
        kind: 'delete',
        channelId,
        messageId: ev.deleted_ts ?? prev.ts!,
        threadId: threadOf(prev),
        author: authorOf(prev),
        text: null,
        ts,
        editedAt: null,
        deletedAt: slackTsToDate(ev.ts) ?? null,
        attachments: undefined,
      },
    };
  }

  if (ev.subtype === 'message_changed') {
    const now = ev.message;
    if (!now || typeof now !== 'object') return ignore('message_changed without message');
    const ts = slackTsToDate(now.ts);
    if (!ts) return ignore('malformed ts');
    const eventAt = slackTsToDate(ev.ts);
    if (now.subtype === 'tombstone') {
      // A thread root deleted while it has replies: Slack keeps a tombstone in its place.
      return {
        action: 'capture',
        message: { kind: 'delete', channelId, messageId: now.ts!, threadId: threadOf(now), author: null, text: null, ts, editedAt: null, deletedAt: eventAt, attachments: undefined },
      };
    }
    if (!CONTENT_SUBTYPES.has(now.subtype)) return ignore(`changed subtype:${now.subtype}`);
    const editedAt = slackTsToDate(now.edited?.ts);
    const prevText = ev.previous_message?.text;
    // Unfurls, reactions-in-place and reply-count updates also arrive as message_changed, without `edited`.
    if (!editedAt && (typeof now.text !== 'string' || now.text === prevText)) return ignore('changed without an edit');
    return {
      action: 'capture',
      message: {
        kind: 'edit',
        channelId,
        messageId: now.ts!,
        threadId: threadOf(now),
        author: authorOf(now),
        text: typeof now.text === 'string' ? now.text : null,
        ts,
        editedAt: editedAt ?? eventAt ?? ts,
        deletedAt: null,
        attachments: attachmentsOf(now.files),
      },
    };
  }

  if (!CONTENT_SUBTYPES.has(ev.subtype)) return ignore(`subtype:${ev.subtype}`);
  const ts = slackTsToDate(ev.ts);
  if (!ts) return ignore('malformed ts');
  const author = authorOf(ev);
  if (!author) return ignore('no author');
  const attachments = attachmentsOf(ev.files);
  const text = typeof ev.text === 'string' ? ev.text : null;
  if ((text === null || text === '') && !attachments) return ignore('empty message');
  const editedAt = slackTsToDate(ev.edited?.ts);
  return {
    action: 'capture',
    message: {
      kind: 'new',
      channelId,
      messageId: ev.ts!,
      threadId: threadOf(ev),
      author,
      text,
      ts,
      editedAt,
      deletedAt: null,
      attachments,
    },
  };
}

/** What the caller found out about the author (users.info, agent list). */
export interface ResolvedAuthor {
  name: string | null;
  email: string | null;
  company: string | null;
  role: Role;
  external: boolean;
}

/**
 * Customer vs agent vs bot. Bots are bots; a Slack Connect user from another organisation is a customer
 * even if listed; agents are the configured user ids and user-group members; everyone else is a customer.
 */
export function decideRole(author: { userId: string; isBot: boolean; external: boolean }, agents: ReadonlySet<string>): Role {
  if (author.isBot) return 'bot';
  if (author.external) return 'customer';
  return agents.has(author.userId) ? 'agent' : 'customer';
}

/** A message's permalink built from the workspace URL (auth.test `url`), without an API call per message. */
export function slackPermalink(workspaceUrl: string | null, channelId: string, ts: string, threadTs: string | null): string | null {
  if (!workspaceUrl) return null;
  const base = workspaceUrl.endsWith('/') ? workspaceUrl : `${workspaceUrl}/`;
  const link = `${base}archives/${channelId}/p${ts.replace('.', '')}`;
  return threadTs && threadTs !== ts ? `${link}?thread_ts=${threadTs}&cid=${channelId}` : link;
}

export interface CaptureMeta {
  workspaceId: string;
  channelName: string | null;
  workspaceUrl: string | null;
  source: CaptureSource;
}

/** Builds the CapturedMessage from a parsed event, the resolved author and where it came from. */
export function toCapturedMessage(parsed: ParsedSlackMessage, author: ResolvedAuthor | null, meta: CaptureMeta): CapturedMessage {
  let captured: CapturedAuthor | null = null;
  if (parsed.author && author) {
    captured = {
      userId: parsed.author.userId,
      name: author.name,
      role: author.role,
      email: author.email,
      company: author.company,
      external: author.external,
    };
  }
  const out: CapturedMessage = {
    kind: parsed.kind,
    platform: 'slack',
    workspaceId: meta.workspaceId,
    channelId: parsed.channelId,
    channelName: meta.channelName,
    messageId: parsed.messageId,
    threadId: parsed.threadId,
    author: captured,
    ts: parsed.ts,
    source: meta.source,
    permalink: parsed.kind === 'delete' ? null : slackPermalink(meta.workspaceUrl, parsed.channelId, parsed.messageId, parsed.threadId),
  };
  if (parsed.kind !== 'delete') out.text = parsed.text;
  if (parsed.editedAt) out.editedAt = parsed.editedAt;
  if (parsed.deletedAt) out.deletedAt = parsed.deletedAt;
  if (parsed.attachments) out.attachments = parsed.attachments;
  return out;
}
