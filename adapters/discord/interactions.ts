// Slash commands and autocomplete: agent check, deferral, lookup/summary/digest, embeds. Every reply is
// ephemeral and mentions nobody; a failure is logged and answered, never thrown into discord.js.
import { randomBytes } from 'node:crypto';
import {
  MessageFlags,
  PermissionFlagsBits,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
} from 'discord.js';
import { buildDigest } from '../../src/digest/index.js';
import { identityKey } from '../../src/domain/keys.js';
import { buildCustomerSummary, customerHistory, HistoryInputError, LinkError, linkCustomers, lookupCustomer, resolveConversation, unlinkIdentity } from '../../src/history/index.js';
import type { CustomerQuery, CustomerRef, CustomerSummary, Scope } from '../../src/history/types.js';
import type { Logger } from '../../src/logger.js';
import type { SurveyScheduler } from '../../src/feedback/types.js';
import { CUSTOMER_OPTIONS, parseCustomerToken, type CommandOutcome, type CustomerToken } from './commands.js';

export type { CommandOutcome };
import { PrivacyError } from '../../src/privacy/target.js';
import { DiscordPrivacy, isPrivacyButton, type DiscordPrivacyOptions } from './privacy.js';
import { channelInScope, isAgent, guildInScope, type DiscordPolicy } from './policy.js';
import { notice, renderDigest, renderLookup, renderSummary, type Embed } from './render.js';
import { safeLine } from './text.js';

export interface CommandOptions {
  policy: DiscordPolicy;
  log: Logger;
  /** Zone for digests of a guild without its own. */
  timeZone: string;
  /** Autocomplete must answer within Discord's 3 s; lookups slower than this answer no suggestions. */
  autocompleteBudgetMs?: number;
  /** `/customer export` and `/customer forget` (admins, tag queue); without it they answer that they are off. */
  privacy?: DiscordPrivacyOptions;
  /** Schedules the satisfaction survey of a conversation resolved here. */
  survey?: SurveyScheduler;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const NO_MENTIONS = { parse: [] as [] };

export class CommandHandler {
  private readonly privacy: DiscordPrivacy | null;

  constructor(
    private readonly opts: CommandOptions,
    private readonly onOutcome: (command: string, outcome: CommandOutcome) => void = () => undefined,
  ) {
    this.privacy = opts.privacy ? new DiscordPrivacy(opts.privacy) : null;
  }

  async handle(interaction: Interaction): Promise<void> {
    try {
      if (interaction.isAutocomplete()) return await this.autocomplete(interaction);
      if (interaction.isButton() && isPrivacyButton(interaction.customId)) {
        if (!this.privacy || !guildInScope(this.opts.policy, interaction.guildId)) return;
        this.onOutcome('customer_forget', await this.privacy.button(interaction));
        return;
      }
      if (!interaction.isChatInputCommand()) return;
      const outcome = await this.command(interaction);
      this.onOutcome(interaction.commandName, outcome);
    } catch (err) {
      const ref = randomBytes(4).toString('hex');
      this.opts.log.error({ ref, err: (err as Error).message, command: 'commandName' in interaction ? interaction.commandName : undefined, workspaceId: interaction.guildId }, 'interaction failed');
      if (interaction.isChatInputCommand()) {
        await this.answer(interaction, notice(`Something went wrong (reference ${ref}). Please try again.`)).catch(() => undefined);
        this.onOutcome(interaction.commandName, 'failed');
      }
    }
  }

  private memberRoles(interaction: Interaction): string[] | null {
    const m = interaction.member;
    if (!m) return null;
    return Array.isArray(m.roles) ? m.roles : [...m.roles.cache.keys()];
  }

  /** Agents: a configured role or user id; with none configured, members who may manage messages. */
  private allowed(interaction: Interaction): boolean {
    const { agentRoles, agentUsers } = this.opts.policy;
    if (agentRoles.length === 0 && agentUsers.length === 0) return interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) === true;
    return isAgent(this.opts.policy, interaction.user.id, this.memberRoles(interaction));
  }

  private async answer(interaction: ChatInputCommandInteraction, embeds: Embed[]): Promise<void> {
    if (interaction.deferred || interaction.replied) {
      await interaction.editReply({ embeds, allowedMentions: NO_MENTIONS });
    } else {
      await interaction.reply({ embeds, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    }
  }

  private async command(interaction: ChatInputCommandInteraction): Promise<CommandOutcome> {
    const log = this.opts.log.child({ command: interaction.commandName, workspaceId: interaction.guildId, userId: interaction.user.id });
    if (!interaction.inGuild() || !guildInScope(this.opts.policy, interaction.guildId)) {
      await this.answer(interaction, notice('This command works only in a server this bot serves.'));
      return 'refused';
    }
    if (!this.allowed(interaction)) {
      log.info('command refused: not an agent');
      await this.answer(interaction, notice('Only support agents can use this command.'));
      return 'refused';
    }
    const scope: Scope = { platform: 'discord', workspaceId: interaction.guildId };
    // Lookups read MongoDB and may outlast Discord's 3-second window: acknowledge first, answer by edit.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    switch (interaction.commandName) {
      case 'history':
        return this.history(interaction, scope);
      case 'digest':
        return this.digest(interaction, scope);
      case 'customer':
        return this.customer(interaction, scope);
      case 'resolve':
        return this.resolveHere(interaction, scope);
      default:
        await this.answer(interaction, notice('Unknown command.'));
        return 'invalid';
    }
  }

  private async history(interaction: ChatInputCommandInteraction, scope: Scope): Promise<CommandOutcome> {
    const user = interaction.options.getUser('user');
    const query = interaction.options.getString('query')?.trim() ?? '';
    const page = interaction.options.getInteger('page') ?? 1;
    let resolved: { id: string; summary?: CustomerSummary | null } | { outcome: CommandOutcome };
    let asked: string;
    if (user) {
      asked = user.globalName ?? user.username;
      resolved = await this.resolve(interaction, scope, { userId: user.id }, asked, page);
    } else if (query.startsWith('id:')) {
      asked = query;
      resolved = { id: query.slice(3) };
    } else if (query !== '') {
      asked = query;
      resolved = await this.resolve(interaction, scope, EMAIL.test(query) ? { email: query } : { name: query }, asked, page);
    } else {
      await this.answer(interaction, notice('Give a `user` or a `query` (email or name).'));
      return 'invalid';
    }
    if ('outcome' in resolved) return resolved.outcome;
    const customerId = resolved.id;
    const summary = 'summary' in resolved && resolved.summary !== undefined ? resolved.summary : await buildCustomerSummary(scope, customerId, { page });
    if (!summary) {
      await this.answer(interaction, renderLookup({ kind: 'not-found' }, asked));
      return 'not-found';
    }
    await this.answer(interaction, renderSummary(summary));
    return 'answered';
  }

  /** The customer id for a query, or the outcome after answering "not found"/"several match"/"invalid". */
  private async resolve(
    interaction: ChatInputCommandInteraction,
    scope: Scope,
    query: CustomerQuery,
    asked: string,
    page?: number,
  ): Promise<{ id: string; summary?: CustomerSummary | null } | { outcome: CommandOutcome }> {
    let lookup;
    try {
      if (page !== undefined) {
        // `/history`: the lookup with the found customer's summary, read together (src/history customerHistory).
        const h = await customerHistory(scope, query, { page });
        if (h.lookup.kind === 'found') return { id: h.lookup.customer.id, summary: h.summary };
        lookup = h.lookup;
      } else lookup = await lookupCustomer(scope, query);
    } catch (err) {
      if (!(err instanceof HistoryInputError)) throw err;
      await this.answer(interaction, notice(`That query cannot be used: ${safeLine(err.message, 300)}`));
      return { outcome: 'invalid' };
    }
    if (lookup.kind === 'found') return { id: lookup.customer.id };
    await this.answer(interaction, renderLookup(lookup, asked));
    return { outcome: lookup.kind };
  }

  private async digest(interaction: ChatInputCommandInteraction, scope: Scope): Promise<CommandOutcome> {
    const week = interaction.options.getString('week')?.trim().toUpperCase() || undefined;
    if (week !== undefined && !/^\d{4}-W\d{2}$/.test(week)) {
      await this.answer(interaction, notice('`week` must look like 2026-W47.'));
      return 'invalid';
    }
    let digest;
    try {
      digest = await buildDigest(scope, { timeZone: this.opts.timeZone, ...(week ? { week } : {}) });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      await this.answer(interaction, notice(safeLine(err.message, 300)));
      return 'invalid';
    }
    await this.answer(interaction, renderDigest(digest));
    return 'answered';
  }

  /** `/customer link customer: with:`, `/customer unlink|export|forget customer:`. */
  private async customer(interaction: ChatInputCommandInteraction, scope: Scope): Promise<CommandOutcome> {
    const sub = interaction.options.getSubcommand();
    if (sub === 'export' || sub === 'forget') return this.dataRights(interaction, scope, sub);
    const raw = sub === 'link' ? [interaction.options.getString('customer', true), interaction.options.getString('with', true)] : [interaction.options.getString('customer', true)];
    const tokens: CustomerToken[] = [];
    for (const r of raw) {
      const t = parseCustomerToken(r);
      if (!t) {
        await this.answer(interaction, notice(`“${safeLine(r, 100)}” is not a known customer, an email, a member mention or a full id (discord:…/slack:…).`));
        return 'invalid';
      }
      tokens.push(t);
    }
    try {
      const ids: string[] = [];
      for (const t of tokens) ids.push(await this.customerId(scope, t));
      if (sub === 'unlink') {
        const res = await unlinkIdentity(scope, ids[0]!, { log: this.opts.log, by: interaction.user.id });
        await this.answer(interaction, notice(`Unlinked ${safeLine(ids[0]!, 200)}; it will not be linked again automatically.${res.remaining.length > 1 ? ` ${res.remaining.length} accounts stay linked.` : ''}`));
        return 'answered';
      }
      const crossWorkspace = tokens.some((t) => 'id' in t && !t.id.startsWith(`discord:${scope.workspaceId}:`));
      const res = await linkCustomers(scope, ids, { crossWorkspace, log: this.opts.log, by: interaction.user.id });
      await this.answer(interaction, notice(`Linked ${res.members.length} accounts into one customer: ${res.members.map((m) => safeLine(m, 100)).join(', ')}`));
      return 'answered';
    } catch (err) {
      if (!(err instanceof LinkError) && !(err instanceof HistoryInputError)) throw err;
      await this.answer(interaction, notice(safeLine(err.message, 400)));
      return 'invalid';
    }
  }

  private async dataRights(interaction: ChatInputCommandInteraction, scope: Scope, sub: 'export' | 'forget'): Promise<CommandOutcome> {
    const raw = interaction.options.getString('customer', true);
    const token = parseCustomerToken(raw);
    if (!token) {
      await this.answer(interaction, notice(`“${safeLine(raw, 100)}” is not a known customer, an email, a member mention or a full id (discord:…).`));
      return 'invalid';
    }
    if (!this.privacy) {
      await this.answer(interaction, notice('Export and forget are not set up on this installation.'));
      return 'invalid';
    }
    try {
      return sub === 'export' ? await this.privacy.export(interaction, scope, token) : await this.privacy.prompt(interaction, scope, token);
    } catch (err) {
      if (!(err instanceof PrivacyError) && !(err instanceof HistoryInputError)) throw err;
      await this.answer(interaction, notice(`Could not do that: ${safeLine(err.message, 300)}`));
      return 'invalid';
    }
  }

  private async customerId(scope: Scope, t: CustomerToken): Promise<string> {
    if ('id' in t) return t.id;
    if ('userId' in t) return identityKey('discord', scope.workspaceId, t.userId);
    const found = await lookupCustomer(scope, { email: t.email });
    if (found.kind === 'found') return found.customer.id;
    if (found.kind === 'ambiguous') throw new LinkError(`several customers have the email ${t.email}; pick one from the suggestions`);
    throw new LinkError(`no customer has the email ${t.email}`);
  }

  /** `/resolve` inside a support thread or forum post. */
  private async resolveHere(interaction: ChatInputCommandInteraction, scope: Scope): Promise<CommandOutcome> {
    const ch = interaction.channel;
    if (!ch || !ch.isThread() || !ch.parentId || !channelInScope(this.opts.policy, [ch.id, ch.parentId, ch.parent?.parentId])) {
      await this.answer(interaction, notice('Use /resolve inside a support thread or forum post (or react ✅ to a message of the conversation).'));
      return 'invalid';
    }
    const out = await resolveConversation(scope, { channelId: ch.parentId, threadId: ch.id }, { log: this.opts.log, by: interaction.user.id, ...(this.opts.survey ? { survey: this.opts.survey } : {}) });
    const text = out.status === 'resolved' ? '✅ Conversation resolved.' : out.status === 'already-resolved' ? 'That conversation was already resolved.' : 'No conversation has been captured in this thread.';
    await this.answer(interaction, notice(text));
    return out.status === 'not-found' ? 'not-found' : 'answered';
  }

  private async autocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    if (!['history', 'customer'].includes(interaction.commandName) || !CUSTOMER_OPTIONS.has(focused.name) || !interaction.guildId || !guildInScope(this.opts.policy, interaction.guildId) || !this.allowed(interaction)) {
      await interaction.respond([]);
      return;
    }
    const text = String(focused.value).trim();
    if (text === '') {
      await interaction.respond([]);
      return;
    }
    const scope: Scope = { platform: 'discord', workspaceId: interaction.guildId };
    const budget = this.opts.autocompleteBudgetMs ?? 2_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), budget);
    });
    const lookup = await Promise.race([lookupCustomer(scope, EMAIL.test(text) ? { email: text } : { name: text }).catch(() => null), timeout]).finally(() => clearTimeout(timer));
    const refs: CustomerRef[] = lookup === null ? [] : lookup.kind === 'found' ? [lookup.customer] : lookup.kind === 'ambiguous' ? lookup.candidates : [];
    await interaction.respond(refs.slice(0, 25).map((c) => ({ name: choiceName(c), value: `id:${c.id}`.slice(0, 100) })));
  }
}

/** A suggestion's label: 1-100 characters of plain text (autocomplete does not render markdown or ping). */
export function choiceName(c: CustomerRef): string {
  const label = [c.name, c.email, c.company].filter((x): x is string => !!x).join(' · ') || c.id;
  const clean = label.replace(/\s+/g, ' ').trim();
  return clean.length > 100 ? `${[...clean].slice(0, 98).join('')}…`.slice(0, 100) : clean || c.id.slice(0, 100);
}
