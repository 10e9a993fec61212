// Pure slash-command definitions (the JSON body of PUT /applications/{app}/…/commands).
import { ApplicationCommandOptionType, ApplicationCommandType, InteractionContextType, PermissionFlagsBits, type RESTPutAPIApplicationCommandsJSONBody } from 'discord.js';

/** How a slash command ended, for the commands metric. */
export type CommandOutcome = 'answered' | 'refused' | 'not-found' | 'ambiguous' | 'invalid' | 'failed';

/**
 * Hidden from members without Manage Messages until a server admin changes it under Server Settings →
 * Integrations; the handler checks the agent roles again at run time either way.
 */
export const DEFAULT_MEMBER_PERMISSIONS = PermissionFlagsBits.ManageMessages.toString();

export const COMMANDS: RESTPutAPIApplicationCommandsJSONBody = [
  {
    name: 'history',
    type: ApplicationCommandType.ChatInput,
    description: 'A customer’s support history: conversations, needs, sentiment, open issues',
    default_member_permissions: DEFAULT_MEMBER_PERMISSIONS,
    contexts: [InteractionContextType.Guild],
    options: [
      { name: 'user', description: 'The customer, as a member of this server', type: ApplicationCommandOptionType.User, required: false },
      {
        name: 'query',
        description: 'Email or name of a known customer',
        type: ApplicationCommandOptionType.String,
        required: false,
        autocomplete: true,
        max_length: 200,
      },
      { name: 'page', description: 'Page of recent conversations', type: ApplicationCommandOptionType.Integer, required: false, min_value: 1, max_value: 100 },
    ],
  },
  {
    name: 'digest',
    type: ApplicationCommandType.ChatInput,
    description: 'This week’s support digest for this server',
    default_member_permissions: DEFAULT_MEMBER_PERMISSIONS,
    contexts: [InteractionContextType.Guild],
    options: [{ name: 'week', description: 'An ISO week such as 2026-W47 (default: this week)', type: ApplicationCommandOptionType.String, required: false, max_length: 8 }],
  },
  {
    name: 'customer',
    type: ApplicationCommandType.ChatInput,
    description: 'Link, unlink, export or forget a customer (Discord members, Slack users, other servers)',
    default_member_permissions: DEFAULT_MEMBER_PERMISSIONS,
    contexts: [InteractionContextType.Guild],
    options: [
      {
        name: 'link',
        description: 'Treat two accounts as one customer',
        type: ApplicationCommandOptionType.Subcommand,
        options: [
          { name: 'customer', description: 'A known customer, an email, a <@member> or a full id (discord:…/slack:…)', type: ApplicationCommandOptionType.String, required: true, autocomplete: true, max_length: 200 },
          { name: 'with', description: 'The other account, given the same way', type: ApplicationCommandOptionType.String, required: true, autocomplete: true, max_length: 200 },
        ],
      },
      {
        name: 'unlink',
        description: 'Take one account out of its linked customer',
        type: ApplicationCommandOptionType.Subcommand,
        options: [
          { name: 'customer', description: 'A known customer, an email, a <@member> or a full id', type: ApplicationCommandOptionType.String, required: true, autocomplete: true, max_length: 200 },
        ],
      },
      {
        name: 'export',
        description: 'Everything stored about one customer of this server, as a JSON file',
        type: ApplicationCommandOptionType.Subcommand,
        options: [
          { name: 'customer', description: 'A known customer, an email, a <@member> or a full id', type: ApplicationCommandOptionType.String, required: true, autocomplete: true, max_length: 200 },
        ],
      },
      {
        name: 'forget',
        description: 'Admins: erase one customer of this server and all their messages (asks to confirm)',
        type: ApplicationCommandOptionType.Subcommand,
        options: [
          { name: 'customer', description: 'A known customer, an email, a <@member> or a full id', type: ApplicationCommandOptionType.String, required: true, autocomplete: true, max_length: 200 },
        ],
      },
    ],
  },
  {
    name: 'resolve',
    type: ApplicationCommandType.ChatInput,
    description: 'Mark this thread or forum post’s conversation resolved',
    default_member_permissions: DEFAULT_MEMBER_PERMISSIONS,
    contexts: [InteractionContextType.Guild],
  },
];

/** Options that autocomplete known customers. */
export const CUSTOMER_OPTIONS: ReadonlySet<string> = new Set(['query', 'customer', 'with']);

export type CustomerToken = { id: string } | { userId: string } | { email: string };

const FULL_ID = /^(slack|discord):[A-Za-z0-9._-]{1,64}:[A-Za-z0-9._-]{1,64}$/;

/**
 * What an agent typed for a customer: an autocomplete value (`id:<customer id>`), a full id, a member
 * mention or a bare user id, or an email. null when it is none of these.
 */
export function parseCustomerToken(raw: string): CustomerToken | null {
  const t = raw.trim();
  const picked = /^id:(.+)$/.exec(t);
  if (picked && FULL_ID.test(picked[1]!)) return { id: picked[1]! };
  if (FULL_ID.test(t)) return { id: t };
  const mention = /^<@!?(\d{15,21})>$/.exec(t) ?? /^(\d{15,21})$/.exec(t);
  if (mention) return { userId: mention[1]! };
  if (/^[^\s@<>]{1,128}@[^\s@<>]{1,255}$/.test(t)) return { email: t.toLowerCase() };
  return null;
}
