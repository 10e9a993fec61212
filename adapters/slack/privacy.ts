// `/customer export` and `/customer forget` (data rights). Export: any agent; the customer's history is sent
// as a JSON file into the agent's direct messages with the app (files.getUploadURLExternal → upload →
// files.completeUploadExternal), with an ephemeral summary. Forget: admins only (SLACK_ADMIN_USERS /
// SLACK_ADMIN_USERGROUPS); the command answers with an ephemeral prompt whose Confirm button (a signed
// block_actions request) erases the customer after checking the clicker is an admin again. Both act only on
// identities of this workspace.
import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Config } from '../../src/config.js';
import type { Scope } from '../../src/history/types.js';
import type { Logger } from '../../src/logger.js';
import { customerHistory, exportJson } from '../../src/privacy/export.js';
import { forgetCustomer, forgetPreview, type TagJobRemover } from '../../src/privacy/forget.js';
import { ownCustomer, PrivacyError, type CustomerRefInput, type OwnCustomer } from '../../src/privacy/target.js';
import { asAdmin, isAdmin, NotAdminError, type Actor } from '../../src/security/admin.js';
import { mrkdwnText, plainText, section, type Block } from './blockkit.js';
import type { SlackDirectory } from './directory.js';
import { plural, renderText, type SlackMessagePayload } from './render-history.js';

export const FORGET_CONFIRM = 'customer_forget_confirm';
export const FORGET_CANCEL = 'customer_forget_cancel';
export const NOT_ADMIN = 'Sorry, only support admins can erase a customer’s data. Ask one of them (or an operator, with `support-history forget`).';

export interface PrivacyDeps {
  client: WebClient;
  directory: SlackDirectory;
  log: Logger;
  workspaceId: () => string;
  /** Who the admins are (SLACK_ADMIN_USERS / SLACK_ADMIN_USERGROUPS). */
  admins: Pick<Config, 'slack' | 'discord'>;
  /** The tag queue, so a forgotten customer's waiting tag jobs are dropped too. */
  tagQueue?: TagJobRemover;
}

const scopeOf = (deps: PrivacyDeps): Scope => ({ platform: 'slack', workspaceId: deps.workspaceId() });

function labelOf(c: OwnCustomer): string {
  return c.name ?? c.email ?? c.id;
}

async function actorOf(deps: PrivacyDeps, userId: string): Promise<Actor> {
  const groups = deps.admins.slack?.adminUsergroups ?? [];
  return { platform: 'slack', workspaceId: deps.workspaceId(), userId, usergroups: groups.length > 0 ? await deps.directory.groupsOf(userId, groups) : [] };
}

/** `/customer export <customer>`: the JSON file into the agent's DM, a summary ephemerally. */
export async function exportCustomer(deps: PrivacyDeps, userId: string, ref: CustomerRefInput): Promise<SlackMessagePayload> {
  const c = await ownCustomer(scopeOf(deps), ref);
  const history = await customerHistory(c.id);
  if (!history) throw new PrivacyError(`no customer ${c.id} in this workspace`);
  const json = exportJson(history);
  const dm = await deps.client.conversations.open({ users: userId });
  const channelId = dm.channel?.id;
  if (!channelId) throw new Error('conversations.open returned no channel');
  const summary = `${plural(history.conversations.length, 'conversation')}, ${plural(history.messages.length, 'message')}`;
  await deps.client.filesUploadV2({
    channel_id: channelId,
    file: Buffer.from(json, 'utf8'),
    filename: `customer-${c.id.replace(/[^A-Za-z0-9._-]/g, '_')}.json`,
    title: `Support history export: ${c.id}`,
    initial_comment: `Export of customer ${c.id} (${summary}), as you asked with /customer export.`,
  });
  deps.log.info({ customerId: c.id, by: userId, conversations: history.conversations.length, messages: history.messages.length, bytes: Buffer.byteLength(json) }, 'customer exported');
  return renderText(`Exported *${mrkdwnText(labelOf(c), 200)}* (${summary}): the JSON file is in your direct messages with this app.`);
}

/** `/customer forget <customer>`: for an admin, the confirmation prompt; for anyone else, a refusal. */
export async function forgetPrompt(deps: PrivacyDeps, userId: string, ref: CustomerRefInput): Promise<SlackMessagePayload> {
  const actor = await actorOf(deps, userId);
  if (!isAdmin(actor, deps.admins)) {
    deps.log.warn({ platform: 'slack', workspaceId: actor.workspaceId, userId }, 'forget refused: not an admin');
    return renderText(NOT_ADMIN);
  }
  const c = await ownCustomer(scopeOf(deps), ref);
  const preview = await forgetPreview(c.id);
  const what = `${plural(preview?.conversations ?? 0, 'conversation')} and ${plural(preview?.messages ?? 0, 'message')}`;
  const text = `Forget ${mrkdwnText(labelOf(c), 200)} (${mrkdwnText(c.id, 200)})? This deletes their record, ${what} for good, and takes them out of every count. It cannot be undone.`;
  const blocks: Block[] = [
    section(`:warning: *Forget ${mrkdwnText(labelOf(c), 200)}* (\`${mrkdwnText(c.id, 200)}\`)?\nThis deletes their record, ${what} for good, and takes them out of every count and digest. It cannot be undone.`),
    {
      type: 'actions',
      block_id: 'customer_forget',
      elements: [
        {
          type: 'button',
          action_id: FORGET_CONFIRM,
          style: 'danger',
          text: { type: 'plain_text', text: 'Forget for good' },
          value: JSON.stringify({ c: c.id }),
          confirm: {
            title: { type: 'plain_text', text: 'Forget this customer?' },
            text: { type: 'plain_text', text: plainText(`${labelOf(c)}: ${what} will be deleted.`, 300) },
            confirm: { type: 'plain_text', text: 'Forget' },
            deny: { type: 'plain_text', text: 'Keep' },
            style: 'danger',
          },
        },
        { type: 'button', action_id: FORGET_CANCEL, text: { type: 'plain_text', text: 'Cancel' }, value: 'cancel' },
      ],
    },
  ];
  return { text, blocks };
}

/** The Confirm button: checks the clicker is an admin (audit line either way), then erases. */
export async function forgetConfirmed(deps: PrivacyDeps, userId: string, value: string): Promise<SlackMessagePayload> {
  let id: unknown;
  try {
    id = (JSON.parse(value) as { c?: unknown }).c;
  } catch {
    id = undefined;
  }
  if (typeof id !== 'string') return renderText('That button is no longer valid; run `/customer forget` again.');
  const actor = await actorOf(deps, userId);
  try {
    const c = isAdmin(actor, deps.admins) ? await ownCustomer(scopeOf(deps), { id }) : null;
    const r = await asAdmin(actor, c?.id ?? id, deps.admins, deps.log, () => forgetCustomer(c!.id, { log: deps.log, ...(deps.tagQueue ? { tagQueue: deps.tagQueue } : {}) }));
    return renderText(`Forgot ${mrkdwnText(c!.id, 200)}: ${plural(r.conversations, 'conversation')} and ${plural(r.messages, 'message')} deleted, counts adjusted.`);
  } catch (err) {
    if (err instanceof NotAdminError) return renderText(NOT_ADMIN);
    throw err;
  }
}

/** Registers the forget prompt's buttons (their requests are signed like every other; Bolt verifies them). */
export function registerPrivacyActions(
  app: App,
  deps: PrivacyDeps,
  later: (what: string, userId: string, respond: Parameters<Parameters<App['action']>[1]>[0]['respond'], work: () => Promise<SlackMessagePayload | null>, replace?: boolean) => void,
): void {
  app.action(FORGET_CONFIRM, async ({ ack, body, action, respond }) => {
    await ack();
    later('customer_forget_confirm', body.user.id, respond, () => forgetConfirmed(deps, body.user.id, (action as { value?: string }).value ?? ''), true);
  });
  app.action(FORGET_CANCEL, async ({ ack, body, respond }) => {
    await ack();
    later('customer_forget_cancel', body.user.id, respond, async () => renderText('Nothing was deleted.'), true);
  });
}
