// Slash commands /history and /digest (and the "older conversations" button). Each handler acknowledges
// at once (well inside Slack's 3 seconds) and answers through response_url, ephemeral to the agent who
// asked. Only agents get answers; anyone else gets a polite refusal and no data.
import type { App, RespondArguments, RespondFn } from '@slack/bolt';
import { buildDigest } from '../../src/digest/index.js';
import { buildCustomerSummary, HistoryInputError, lookupCustomer } from '../../src/history/index.js';
import type { Scope } from '../../src/history/types.js';
import type { Logger } from '../../src/logger.js';
import { HISTORY_USAGE, parseHistoryQuery, queryLabel } from './command-text.js';
import type { SlackDirectory } from './directory.js';
import { renderDigest } from './render-digest.js';
import { renderAmbiguous, renderCustomerSummary, renderNotFound, renderText, type SlackMessagePayload } from './render-history.js';

export const REFUSAL = 'Sorry, only members of the support team can use this command. Ask a support lead to add you to the agents group.';
const FAILURE = 'Something went wrong while answering; please try again in a minute.';
const PAGE_SIZE = 5;

export interface CommandDeps {
  directory: SlackDirectory;
  log: Logger;
  workspaceId: () => string;
  /** Runs work after the ack; the adapter waits for it on stop. */
  track: <T>(p: Promise<T>) => Promise<T>;
  timeZone?: string;
}

interface PageValue {
  c: string;
  p: number;
}

export function registerCommands(app: App, deps: CommandDeps): void {
  const { log } = deps;
  const scope = (): Scope => ({ platform: 'slack', workspaceId: deps.workspaceId() });

  const reply = async (respond: RespondFn, payload: SlackMessagePayload, replace = false): Promise<void> => {
    const args: RespondArguments = { response_type: 'ephemeral', text: payload.text, blocks: payload.blocks as never, ...(replace ? { replace_original: true } : {}) };
    await respond(args);
  };

  /** Runs a command's slow part after the ack, answering failures politely and logging them. */
  const later = (what: string, userId: string, respond: RespondFn, work: () => Promise<SlackMessagePayload | null>, replace = false): void => {
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
          log.error({ command: what, userId, err: (err as Error).message }, 'slack command failed');
          await reply(respond, renderText(err instanceof HistoryInputError ? `${HISTORY_USAGE}` : FAILURE)).catch((e: Error) =>
            log.warn({ err: e.message }, 'could not answer through response_url'),
          );
        }
      })(),
    );
  };

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
      const found = await lookupCustomer(scope(), query);
      if (found.kind === 'not-found') return renderNotFound(queryLabel(query));
      if (found.kind === 'ambiguous') return renderAmbiguous(queryLabel(query), found.candidates);
      return (await summary(found.customer.id, 1)) ?? renderNotFound(queryLabel(query));
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
