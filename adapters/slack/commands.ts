// Slash commands /history and /digest (and the "older conversations" button). Each handler acknowledges
// at once (well inside Slack's 3 seconds) and answers through response_url, ephemeral to the agent who
// asked. Only agents get answers; anyone else gets a polite refusal and no data.
import type { App, RespondArguments, RespondFn } from '@slack/bolt';
import { buildDigest } from '../../src/digest/index.js';
import { buildCustomerSummary, customerHistory, HistoryInputError, LinkError, linkCustomers, lookupCustomer, resolveConversation, unlinkIdentity } from '../../src/history/index.js';
import { identityKey } from '../../src/domain/keys.js';
import type { Scope } from '../../src/history/types.js';
import type { Logger } from '../../src/logger.js';
import type { SurveyScheduler } from '../../src/feedback/types.js';
import { mrkdwnText } from './blockkit.js';
import { CUSTOMER_USAGE, HISTORY_USAGE, parseCustomerCommand, parseHistoryQuery, parseMessageLink, queryLabel, RESOLVE_USAGE, type CustomerToken } from './command-text.js';
import type { SlackDirectory } from './directory.js';
import { renderDigest } from './render-digest.js';
import { renderAmbiguous, renderCustomerSummary, renderNotFound, renderText, type SlackMessagePayload } from './render-history.js';
import { PrivacyError } from '../../src/privacy/target.js';
import { exportCustomer, forgetPrompt, registerPrivacyActions, type PrivacyDeps } from './privacy.js';

export const REFUSAL = 'Sorry, only members of the support team can use this command. Ask a support lead to add you to the agents group.';
export const FAILURE = 'Something went wrong while answering; please try again in a minute.';
const PAGE_SIZE = 5;

export interface CommandDeps {
  directory: SlackDirectory;
  log: Logger;
  workspaceId: () => string;
  /** Runs work after the ack; the adapter waits for it on stop. */
  track: <T>(p: Promise<T>) => Promise<T>;
  timeZone?: string;
  /** Schedules the satisfaction survey of a conversation this adapter resolves. */
  survey?: SurveyScheduler;
}

interface PageValue {
  c: string;
  p: number;
}

type Later = (what: string, userId: string, respond: RespondFn, work: () => Promise<SlackMessagePayload | null>, replace?: boolean) => void;

async function reply(respond: RespondFn, payload: SlackMessagePayload, replace = false): Promise<void> {
  const args: RespondArguments = { response_type: 'ephemeral', text: payload.text, blocks: payload.blocks as never, ...(replace ? { replace_original: true } : {}) };
  await respond(args);
}

/** Runs a command's slow part after the ack: agents only, failures answered politely and logged. */
function answerLater(deps: CommandDeps): Later {
  const { log } = deps;
  return (what, userId, respond, work, replace = false) => {
    void deps.track(
      (async () => {
        const started = Date.now();
        try {
          if (!(await deps.directory.isAgent(userId))) {
            log.info({ command: what, userId }, 'slack command refused: not an agent');
            await reply(respond, renderText(REFUSAL));
            return;
          }
          const payload = await work();
          if (payload) await reply(respond, payload, replace);
          log.info({ command: what, userId, ms: Date.now() - started }, 'slack command answered');
        } catch (err) {
          const known = err instanceof HistoryInputError || err instanceof LinkError || err instanceof PrivacyError;
          if (known) log.info({ command: what, userId, err: (err as Error).message }, 'slack command rejected');
          else log.error({ command: what, userId, err: (err as Error).message }, 'slack command failed');
          const text = err instanceof LinkError || err instanceof PrivacyError ? `Could not do that: ${mrkdwnText((err as Error).message, 300)}` : err instanceof HistoryInputError ? HISTORY_USAGE : FAILURE;
          await reply(respond, renderText(text)).catch((e: Error) => log.warn({ err: e.message }, 'could not answer through response_url'));
        }
      })(),
    );
  };
}

export function registerCommands(app: App, deps: CommandDeps): void {
  const scope = (): Scope => ({ platform: 'slack', workspaceId: deps.workspaceId() });
  const later = answerLater(deps);

  const summary = async (customerId: string, page: number): Promise<SlackMessagePayload | null> => {
    const s = await buildCustomerSummary(scope(), customerId, { page, pageSize: PAGE_SIZE });
    if (!s) return null;
    const next: PageValue = { c: customerId, p: page + 1 };
    return renderCustomerSummary(s, { nextPageValue: JSON.stringify(next) });
  };

  app.command('/history', async ({ command, ack, respond }) => {
    await ack();
    later('/history', command.user_id, respond, async () => {
      const query = parseHistoryQuery(command.text);
      if (!query) return renderText(HISTORY_USAGE);
      const { lookup: found, summary: s } = await customerHistory(scope(), query, { page: 1, pageSize: PAGE_SIZE });
      if (found.kind === 'not-found') return renderNotFound(queryLabel(query));
      if (found.kind === 'ambiguous') return renderAmbiguous(queryLabel(query), found.candidates);
      if (!s) return renderNotFound(queryLabel(query));
      return renderCustomerSummary(s, { nextPageValue: JSON.stringify({ c: found.customer.id, p: 2 } satisfies PageValue) });
    });
  });

  app.command('/digest', async ({ command, ack, respond }) => {
    await ack();
    later('/digest', command.user_id, respond, async () => {
      const digest = await buildDigest(scope(), deps.timeZone ? { timeZone: deps.timeZone } : {});
      return renderDigest(digest);
    });
  });

  app.action('history_page', async ({ ack, body, action, respond }) => {
    await ack();
    const value = (action as { value?: string }).value ?? '';
    later(
      'history_page',
      body.user.id,
      respond,
      async () => {
        let v: PageValue;
        try {
          v = JSON.parse(value) as PageValue;
        } catch {
          return renderText(HISTORY_USAGE);
        }
        if (typeof v.c !== 'string' || !Number.isInteger(v.p) || v.p < 1 || v.p > 10_000) return renderText(HISTORY_USAGE);
        return (await summary(v.c, v.p)) ?? renderText('That customer is no longer available.');
      },
      true,
    );
  });
}

/** Reactions an agent adds to mark a thread resolved. */
export const RESOLVE_REACTIONS = new Set(['white_check_mark', 'heavy_check_mark', 'ballot_box_with_check']);

/** `/customer link|unlink|export|forget` (with the forget prompt's buttons), `/resolve` and the ✅ reaction. */
export function registerManagement(app: App, deps: CommandDeps & { isSupportChannel: (channelId: string) => Promise<boolean>; privacy?: Omit<PrivacyDeps, 'directory' | 'log' | 'workspaceId'> }): void {
  const scope = (): Scope => ({ platform: 'slack', workspaceId: deps.workspaceId() });
  const later = answerLater(deps);
  const privacy: PrivacyDeps | null = deps.privacy ? { ...deps.privacy, directory: deps.directory, log: deps.log, workspaceId: deps.workspaceId } : null;
  if (privacy) registerPrivacyActions(app, privacy, later);

  const customerId = async (t: CustomerToken): Promise<string> => {
    if ('id' in t) return t.id;
    if ('userId' in t) return identityKey('slack', deps.workspaceId(), t.userId);
    const found = await lookupCustomer(scope(), { email: t.email });
    if (found.kind === 'found') return found.customer.id;
    if (found.kind === 'ambiguous') throw new LinkError(`several customers have the email ${t.email}; use their @mention or full id`);
    throw new LinkError(`no customer has the email ${t.email}`);
  };

  app.command('/customer', async ({ command, ack, respond }) => {
    await ack();
    later('/customer', command.user_id, respond, async () => {
      const parsed = parseCustomerCommand(command.text);
      if (parsed.action === 'usage') {
        return renderText(parsed.problem ? `“${mrkdwnText(parsed.problem, 100)}” is not an @mention, an email or a customer id. ${CUSTOMER_USAGE}` : CUSTOMER_USAGE);
      }
      if (parsed.action === 'export' || parsed.action === 'forget') {
        if (!privacy) return renderText('Export and forget are not set up on this installation.');
        return parsed.action === 'export' ? exportCustomer(privacy, command.user_id, parsed.token) : forgetPrompt(privacy, command.user_id, parsed.token);
      }
      if (parsed.action === 'unlink') {
        const id = await customerId(parsed.token);
        const res = await unlinkIdentity(scope(), id, { log: deps.log, by: command.user_id });
        return renderText(`Unlinked ${mrkdwnText(id, 200)}; it will not be linked again automatically.${res.remaining.length > 1 ? ` ${res.remaining.length} accounts stay linked.` : ''}`);
      }
      const ids = await Promise.all(parsed.tokens.map(customerId));
      const crossWorkspace = parsed.tokens.some((t) => 'id' in t && !t.id.startsWith(`slack:${deps.workspaceId()}:`));
      const res = await linkCustomers(scope(), ids, { crossWorkspace, log: deps.log, by: command.user_id });
      return renderText(`Linked ${res.members.length} accounts into one customer: ${res.members.map((m) => mrkdwnText(m, 100)).join(', ')}`);
    });
  });

  app.command('/resolve', async ({ command, ack, respond }) => {
    await ack();
    later('/resolve', command.user_id, respond, async () => {
      const ref = parseMessageLink(command.text);
      if (!ref) return renderText(RESOLVE_USAGE);
      const out = await resolveConversation(scope(), ref, { log: deps.log, by: command.user_id, ...(deps.survey ? { survey: deps.survey } : {}) });
      if (out.status === 'not-found') return renderText('That conversation is not in the support history (is it in a support channel?).');
      return renderText(out.status === 'resolved' ? ':white_check_mark: Conversation resolved.' : 'That conversation was already resolved.');
    });
  });

  app.event('reaction_added', async ({ event }) => {
    if (!RESOLVE_REACTIONS.has(event.reaction) || event.item.type !== 'message') return;
    const { channel, ts } = event.item;
    if (!(await deps.isSupportChannel(channel))) return;
    if (!(await deps.directory.isAgent(event.user))) return; // a customer's ✅ is just a reaction
    const out = await resolveConversation(scope(), { channelId: channel, threadId: ts }, { log: deps.log, by: event.user, ...(deps.survey ? { survey: deps.survey } : {}) });
    deps.log.info({ channelId: channel, ts, status: out.status }, 'resolve reaction handled');
  });
}
