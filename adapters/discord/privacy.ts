// `/customer export` and `/customer forget` (data rights) on Discord. Export: any agent; the customer's
// history as a JSON attachment of the ephemeral reply. Forget: admins only (DISCORD_ADMIN_ROLES /
// DISCORD_ADMIN_USERS); the reply asks for confirmation with a button, and the click is checked again (admin,
// this guild's customer) before anything is erased. Both act only on identities of the asking guild.
import type { ButtonInteraction, ChatInputCommandInteraction } from 'discord.js';
import type { Config } from '../../src/config.js';
import type { Scope } from '../../src/history/types.js';
import type { Logger } from '../../src/logger.js';
import { customerHistory, exportJson } from '../../src/privacy/export.js';
import { forgetCustomer, forgetPreview, type TagJobRemover } from '../../src/privacy/forget.js';
import { ownCustomer, PrivacyError, type CustomerRefInput, type OwnCustomer } from '../../src/privacy/target.js';
import { asAdmin, isAdmin, NotAdminError, type Actor } from '../../src/security/admin.js';
import type { CommandOutcome } from './commands.js';
import { notice, type Embed } from './render.js';
import { safeLine } from './text.js';

export const FORGET_BUTTON = 'customer_forget:';
export const FORGET_CANCEL_BUTTON = 'customer_forget_cancel';
export const NOT_ADMIN = 'Only support admins can erase a customer’s data. Ask one of them (or an operator, with `support-history forget`).';
const NO_MENTIONS = { parse: [] as [] };

export interface DiscordPrivacyOptions {
  log: Logger;
  /** Who the admins are (DISCORD_ADMIN_ROLES / DISCORD_ADMIN_USERS). */
  admins: Pick<Config, 'slack' | 'discord'>;
  /** The tag queue, so a forgotten customer's waiting tag jobs are dropped too. */
  tagQueue?: TagJobRemover;
}

export function isPrivacyButton(customId: string): boolean {
  return customId.startsWith(FORGET_BUTTON) || customId === FORGET_CANCEL_BUTTON;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const labelOf = (c: OwnCustomer): string => c.name ?? c.email ?? c.id;

export class DiscordPrivacy {
  constructor(private readonly opts: DiscordPrivacyOptions) {}

  private actor(interaction: ChatInputCommandInteraction | ButtonInteraction): Actor {
    const m = interaction.member;
    const roles = !m ? [] : Array.isArray(m.roles) ? m.roles : [...m.roles.cache.keys()];
    return { platform: 'discord', workspaceId: interaction.guildId ?? '', userId: interaction.user.id, roles };
  }

  /** `/customer export customer:` (after the agent check and the deferral). */
  async export(interaction: ChatInputCommandInteraction, scope: Scope, ref: CustomerRefInput): Promise<CommandOutcome> {
    const c = await ownCustomer(scope, ref);
    const history = await customerHistory(c.id);
    if (!history) throw new PrivacyError(`no customer ${c.id} in this server`);
    const json = exportJson(history);
    const bytes = Buffer.byteLength(json);
    const limit = interaction.attachmentSizeLimit ?? 10 * 1024 * 1024;
    const summary = `${plural(history.conversations.length, 'conversation')}, ${plural(history.messages.length, 'message')}`;
    if (bytes > limit) {
      await interaction.editReply({ embeds: notice(`The export of ${safeLine(labelOf(c), 100)} (${summary}) is ${Math.ceil(bytes / 1024)} KiB, over this server’s upload limit; an operator can run \`support-history export ${c.id}\`.`), allowedMentions: NO_MENTIONS });
      return 'invalid';
    }
    await interaction.editReply({
      embeds: notice(`Export of **${safeLine(labelOf(c), 100)}** (${summary}), attached as JSON.`),
      files: [{ attachment: Buffer.from(json, 'utf8'), name: `customer-${c.id.replace(/[^A-Za-z0-9._-]/g, '_')}.json` }],
      allowedMentions: NO_MENTIONS,
    });
    this.opts.log.info({ customerId: c.id, by: interaction.user.id, conversations: history.conversations.length, messages: history.messages.length, bytes }, 'customer exported');
    return 'answered';
  }

  /** `/customer forget customer:`: a refusal, or the confirmation prompt with its buttons. */
  async prompt(interaction: ChatInputCommandInteraction, scope: Scope, ref: CustomerRefInput): Promise<CommandOutcome> {
    const actor = this.actor(interaction);
    if (!isAdmin(actor, this.opts.admins)) {
      this.opts.log.warn({ platform: 'discord', workspaceId: actor.workspaceId, userId: actor.userId }, 'forget refused: not an admin');
      await interaction.editReply({ embeds: notice(NOT_ADMIN), allowedMentions: NO_MENTIONS });
      return 'refused';
    }
    const c = await ownCustomer(scope, ref);
    const preview = await forgetPreview(c.id);
    const what = `${plural(preview?.conversations ?? 0, 'conversation')} and ${plural(preview?.messages ?? 0, 'message')}`;
    const embeds: Embed[] = notice(
      `⚠️ **Forget ${safeLine(labelOf(c), 100)}** (\`${safeLine(c.id, 100)}\`)?\nThis deletes their record, ${what} for good, and takes them out of every count and digest. It cannot be undone.`,
    );
    await interaction.editReply({
      embeds,
      components: [
        {
          type: 1,
          components: [
            { type: 2, style: 4, label: 'Forget for good', custom_id: `${FORGET_BUTTON}${c.id}` },
            { type: 2, style: 2, label: 'Cancel', custom_id: FORGET_CANCEL_BUTTON },
          ],
        },
      ],
      allowedMentions: NO_MENTIONS,
    });
    return 'answered';
  }

  /** A click on the prompt: Cancel, or Confirm (admin and guild checked again; the audit line is written either way). */
  async button(interaction: ButtonInteraction): Promise<CommandOutcome> {
    await interaction.deferUpdate();
    const done = async (text: string): Promise<void> => {
      await interaction.editReply({ embeds: notice(text), components: [], allowedMentions: NO_MENTIONS });
    };
    if (interaction.customId === FORGET_CANCEL_BUTTON) {
      await done('Nothing was deleted.');
      return 'answered';
    }
    const id = interaction.customId.slice(FORGET_BUTTON.length);
    const actor = this.actor(interaction);
    if (!interaction.guildId) {
      await done('This works only in a server this bot serves.');
      return 'refused';
    }
    const scope: Scope = { platform: 'discord', workspaceId: interaction.guildId };
    try {
      const c = isAdmin(actor, this.opts.admins) ? await ownCustomer(scope, { id }) : null;
      const r = await asAdmin(actor, c?.id ?? id, this.opts.admins, this.opts.log, () =>
        forgetCustomer(c!.id, { log: this.opts.log, ...(this.opts.tagQueue ? { tagQueue: this.opts.tagQueue } : {}) }),
      );
      await done(`Forgot ${safeLine(c!.id, 100)}: ${plural(r.conversations, 'conversation')} and ${plural(r.messages, 'message')} deleted, counts adjusted.`);
      return 'answered';
    } catch (err) {
      if (err instanceof NotAdminError) {
        await done(NOT_ADMIN);
        return 'refused';
      }
      if (err instanceof PrivacyError) {
        await done(`Could not do that: ${safeLine(err.message, 300)}`);
        return 'invalid';
      }
      throw err;
    }
  }
}
