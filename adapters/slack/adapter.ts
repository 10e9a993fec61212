// The Slack adapter: a Bolt app in HTTP mode (mounted on the project's HttpServer at POST /slack/events)
// or Socket Mode (when SLACK_APP_TOKEN is set). Captures support-channel messages, answers the slash
// commands, backfills what was missed on start, and posts digests.
import { App, webApi, type AuthorizeResult } from '@slack/bolt';
import type { SlackConfig } from '../../src/config.js';
import type { Digest } from '../../src/digest/types.js';
import type { Logger } from '../../src/logger.js';
import type { AdapterContext, PlatformAdapter } from '../../src/platform.js';
import { backfillChannel, backfillWorkspace, type BackfillOptions, type BackfillReport } from './backfill.js';
import { SlackCaptureHandler, type WorkspaceIdentity } from './capture-handler.js';
import { registerCommands, registerManagement } from './commands.js';
import { isSupportChannel, SlackDirectory } from './directory.js';
import { boltLogger, createHttpReceiver, DeferredAckSocketModeReceiver } from './receivers.js';
import { renderDigest } from './render-digest.js';
import { registerSurvey, renderSurvey } from './survey.js';
import type { SurveyRequest } from '../../src/feedback/types.js';

const DAY = 24 * 3600 * 1000;

export interface SlackAdapterOptions {
  /** Backfill on start (default true). */
  backfillOnStart?: boolean;
  /** How far before a channel's checkpoint backfill re-reads (default 1 day). */
  backfillLookbackMs?: number;
  /** How far back a channel with no checkpoint is read on first start (default 7 days). */
  initialBackfillMs?: number;
  /** Items per conversations.history/replies page (default 200, Slack's recommended maximum). */
  backfillPageSize?: number;
  /** Time zone of /digest for a workspace that has none set (default UTC). */
  timeZone?: string;
  /** Web API retry policy (tests shorten it). */
  retryConfig?: webApi.RetryOptions;
}

export interface SlackIdentity extends WorkspaceIdentity {
  botUserId: string | null;
  botId: string | null;
}

export class SlackAdapter implements PlatformAdapter {
  readonly platform = 'slack' as const;
  readonly client: webApi.WebClient;
  readonly directory: SlackDirectory;
  readonly log: Logger;
  private app: App | null = null;
  private socket: DeferredAckSocketModeReceiver | null = null;
  private identity: SlackIdentity | null = null;
  private readonly handler: SlackCaptureHandler;
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  private stopped = false;
  /** Resolves when the start-up backfill finished (null before start or when disabled). */
  backfillDone: Promise<BackfillReport | null> | null = null;

  constructor(
    readonly config: SlackConfig,
    private readonly ctx: AdapterContext,
    private readonly opts: SlackAdapterOptions = {},
  ) {
    this.log = ctx.log.child({ component: 'slack' });
    this.client = new webApi.WebClient(config.botToken, {
      slackApiUrl: config.apiUrl,
      logger: boltLogger(this.log.child({ component: 'slack-web' })),
      ...(opts.retryConfig ? { retryConfig: opts.retryConfig } : {}),
    });
    this.directory = new SlackDirectory({
      client: this.client,
      log: this.log,
      agentUsergroups: config.agentUsergroups,
      agentUsers: config.agentUsers,
    });
    this.handler = new SlackCaptureHandler({ capture: ctx.capture, directory: this.directory, supportChannels: config.supportChannels, log: this.log });
    if (config.agentUsergroups.length === 0 && config.agentUsers.length === 0) {
      this.log.warn('no SLACK_AGENT_USERGROUPS or SLACK_AGENT_USERS: everyone counts as a customer and nobody may run the commands');
    }
  }

  get mode(): 'socket' | 'http' {
    return this.config.appToken ? 'socket' : 'http';
  }

  /** The workspace this bot token belongs to (after start). */
  get workspace(): SlackIdentity {
    if (!this.identity) throw new Error('the Slack adapter has not started');
    return this.identity;
  }

  async start(): Promise<void> {
    const auth = await this.client.auth.test();
    if (!auth.team_id) throw new Error('Slack auth.test returned no team_id');
    this.identity = {
      teamId: auth.team_id,
      enterpriseId: auth.enterprise_id ?? null,
      url: auth.url ?? null,
      botUserId: auth.user_id ?? null,
      botId: auth.bot_id ?? null,
    };
    const authorization: AuthorizeResult = {
      botToken: this.config.botToken,
      teamId: this.identity.teamId,
      ...(this.identity.enterpriseId ? { enterpriseId: this.identity.enterpriseId } : {}),
      ...(this.identity.botUserId ? { botUserId: this.identity.botUserId } : {}),
      ...(this.identity.botId ? { botId: this.identity.botId } : {}),
    };
    const logger = boltLogger(this.log.child({ component: 'bolt' }));
    const clientOptions = { slackApiUrl: this.config.apiUrl, ...(this.opts.retryConfig ? { retryConfig: this.opts.retryConfig } : {}) };
    if (this.mode === 'socket') {
      this.socket = new DeferredAckSocketModeReceiver({ appToken: this.config.appToken!, apiUrl: this.config.apiUrl, log: this.log.child({ component: 'slack-socket' }) });
      this.app = new App({ receiver: this.socket, authorize: async () => authorization, logger, clientOptions });
    } else {
      const receiver = createHttpReceiver(this.config.signingSecret!, this.log.child({ component: 'slack-http' }));
      this.app = new App({ receiver, authorize: async () => authorization, logger, clientOptions });
      this.ctx.http.route('POST', '/slack/events', (req, res) => receiver.requestListener(req, res));
    }
    this.register(this.app);
    if (this.socket) await this.socket.start();
    this.log.info({ mode: this.mode, workspaceId: this.identity.teamId, supportChannels: this.config.supportChannels.length || 'all member channels' }, 'slack adapter started');
    if (this.opts.backfillOnStart !== false) {
      this.backfillDone = this.track(this.backfill().catch((err: Error) => {
        this.log.error({ err: err.message }, 'slack backfill failed; the next start retries it');
        return null;
      }));
    }
  }

  private register(app: App): void {
    app.error(async (err) => {
      this.log.error({ err: err.message, code: (err as { code?: string }).code }, 'slack listener failed');
      // Rethrown so the receiver answers non-2xx (HTTP 500 / no socket ack) and Slack redelivers.
      throw err;
    });
    app.event('message', async ({ event }) => {
      // One bot token serves one workspace (and its Slack Connect channels): every event is this workspace's.
      const identity = this.workspace;
      const result = await this.handler.handle(event, identity, 'live');
      if (result.action === 'ignored') this.log.debug({ reason: result.reason }, 'slack message ignored');
    });
    const commandDeps = {
      directory: this.directory,
      log: this.log.child({ component: 'slack-commands' }),
      workspaceId: () => this.workspace.teamId,
      track: <T>(p: Promise<T>) => this.track(p),
      ...(this.opts.timeZone ? { timeZone: this.opts.timeZone } : {}),
      survey: this.ctx.queues,
    };
    registerCommands(app, commandDeps);
    registerSurvey(app, { log: this.log.child({ component: 'slack-survey' }), workspaceId: () => this.workspace.teamId, queue: this.ctx.queues, track: (p) => this.track(p) });
    registerManagement(app, {
      ...commandDeps,
      isSupportChannel: async (channelId) => isSupportChannel(channelId, await this.directory.channelName(channelId), this.config.supportChannels),
      privacy: { client: this.client, admins: { slack: this.config }, tagQueue: this.ctx.queues.tag },
    });
    app.event('member_joined_channel', async ({ event }) => {
      if (event.user !== this.identity?.botUserId) return;
      // Invited into a support channel: read what it already holds (in the background).
      const channelId = event.channel;
      this.track(
        (async () => {
          const map = await this.directory.channelMap(true);
          if (!isSupportChannel(channelId, map.get(channelId)?.name ?? null, this.config.supportChannels)) return;
          await backfillChannel(this.workspace, channelId, this.backfillOptions());
        })().catch((err: Error) => this.log.warn({ channelId, err: err.message }, 'backfill of a joined channel failed')),
      );
    });
    app.event('subteam_members_changed', async () => {
      this.directory.invalidateAgents();
    });
  }

  private backfillOptions(): BackfillOptions {
    return {
      client: this.client,
      directory: this.directory,
      handler: this.handler,
      supportChannels: this.config.supportChannels,
      log: this.log.child({ component: 'slack-backfill' }),
      lookbackMs: this.opts.backfillLookbackMs ?? DAY,
      initialMs: this.opts.initialBackfillMs ?? 7 * DAY,
      ...(this.opts.backfillPageSize ? { pageSize: this.opts.backfillPageSize } : {}),
      signal: this.abort.signal,
    };
  }

  /** Captures what every support channel received since its checkpoint. */
  backfill(): Promise<BackfillReport> {
    return backfillWorkspace(this.workspace, this.backfillOptions());
  }

  /** Runs work after the ack; stop() waits for it. */
  protected track<T>(p: Promise<T>): Promise<T> {
    this.tasks.add(p);
    void p.finally(() => this.tasks.delete(p)).catch(() => undefined);
    return p;
  }

  async postDigest(workspaceId: string, channelId: string, digest: Digest): Promise<void> {
    if (this.identity && workspaceId !== this.identity.teamId) {
      throw new Error(`this Slack bot belongs to workspace ${this.identity.teamId}, not ${workspaceId}`);
    }
    const payload = renderDigest(digest);
    await this.client.chat.postMessage({ channel: channelId, text: payload.text, blocks: payload.blocks as never, unfurl_links: false, unfurl_media: false });
    this.log.info({ workspaceId, channelId, week: digest.week }, 'slack digest posted');
  }

  /** Posts the satisfaction survey in the conversation's thread (a channel conversation: under its first message). */
  async postSurvey(req: SurveyRequest): Promise<{ messageId: string }> {
    if (this.identity && req.workspaceId !== this.identity.teamId) {
      throw new Error(`this Slack bot belongs to workspace ${this.identity.teamId}, not ${req.workspaceId}`);
    }
    const payload = renderSurvey(req);
    const res = await this.client.chat.postMessage({ channel: req.channelId, thread_ts: req.threadId ?? req.rootMessageId, text: payload.text, blocks: payload.blocks as never, unfurl_links: false, unfurl_media: false });
    if (!res.ts) throw new Error('chat.postMessage returned no ts');
    this.log.info({ workspaceId: req.workspaceId, channelId: req.channelId, surveyId: req.surveyId }, 'slack survey posted');
    return { messageId: res.ts };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.ctx.http.route('POST', '/slack/events', (_req, res) => {
      res.writeHead(503);
      res.end();
    });
    if (this.socket) await this.socket.stop().catch((err: Error) => this.log.warn({ err: err.message }, 'socket mode disconnect failed'));
    await Promise.allSettled([...this.tasks]);
    this.log.info('slack adapter stopped');
  }
}
