// Turns one Slack message (live event or history item) into a capture: parse, filter to support channels,
// resolve the author, store. A storage failure is thrown so the caller can make Slack redeliver.
import type { CaptureOutcome, CaptureService } from '../../src/capture/capture.js';
import type { CaptureSource } from '../../src/capture/types.js';
import { CaptureValidationError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { isExternal, isSupportChannel, type SlackDirectory } from './directory.js';
import { decideRole, parseSlackMessage, toCapturedMessage, type ParsedSlackMessage, type ResolvedAuthor } from './map-event.js';
import { noteThreadActivity } from './thread-activity.js';

export interface WorkspaceIdentity {
  teamId: string;
  enterpriseId: string | null;
  /** https://<domain>.slack.com/ from auth.test, for permalinks. */
  url: string | null;
}

export type HandleResult =
  | { action: 'ignored'; reason: string }
  | { action: 'rejected'; problems: string[] }
  | { action: 'captured'; outcome: CaptureOutcome };

export interface SlackCaptureOptions {
  capture: Pick<CaptureService, 'capture'>;
  directory: SlackDirectory;
  supportChannels: string[];
  log: Logger;
}

export class SlackCaptureHandler {
  constructor(private readonly opts: SlackCaptureOptions) {}

  async handle(event: unknown, workspace: WorkspaceIdentity, source: CaptureSource, channelFallback?: string): Promise<HandleResult> {
    const parsed = parseSlackMessage(event, channelFallback);
    if (parsed.action === 'ignore') return { action: 'ignored', reason: parsed.reason };
    const msg = parsed.message;
    const channelType = (event as { channel_type?: string }).channel_type;
    if (channelType !== undefined && channelType !== 'channel' && channelType !== 'group') {
      return { action: 'ignored', reason: `channel_type:${channelType}` };
    }
    const channelName = await this.opts.directory.channelName(msg.channelId);
    if (!isSupportChannel(msg.channelId, channelName, this.opts.supportChannels)) return { action: 'ignored', reason: 'not a support channel' };
    const author = await this.resolveAuthor(msg, workspace);
    const captured = toCapturedMessage(msg, author, { workspaceId: workspace.teamId, channelName, workspaceUrl: workspace.url, source });
    try {
      const outcome = await this.opts.capture.capture(captured);
      // The thread it belongs to (or starts) had activity: backfill asks such threads for missed replies.
      if (outcome.status === 'stored' || (outcome.status === 'duplicate' && captured.kind === 'new')) {
        await noteThreadActivity(workspace.teamId, captured.channelId, captured.threadId ?? captured.messageId, captured.ts);
      }
      this.opts.log.debug(
        { workspaceId: workspace.teamId, channelId: msg.channelId, messageId: msg.messageId, kind: msg.kind, status: outcome.status, source },
        'slack message captured',
      );
      return { action: 'captured', outcome };
    } catch (err) {
      // Bad input will not get better by redelivery: it is logged (by capture) and acknowledged.
      if (err instanceof CaptureValidationError) return { action: 'rejected', problems: err.problems };
      throw err;
    }
  }

  private async resolveAuthor(msg: ParsedSlackMessage, workspace: WorkspaceIdentity): Promise<ResolvedAuthor | null> {
    const ref = msg.author;
    if (!ref) return null;
    if (ref.isBot) return { name: ref.botName, email: null, company: null, role: 'bot', external: false };
    const [profile, agents] = await Promise.all([this.opts.directory.profile(ref.userId), this.opts.directory.agentIds()]);
    const external = isExternal(profile, ref.teamId, workspace);
    const role = profile.isBot ? 'bot' : decideRole({ userId: ref.userId, isBot: false, external }, agents);
    return { name: profile.name, email: profile.email, company: null, role, external };
  }
}
