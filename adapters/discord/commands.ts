// Pure slash-command definitions (the JSON body of PUT /applications/{app}/…/commands).
import { ApplicationCommandOptionType, ApplicationCommandType, InteractionContextType, PermissionFlagsBits, type RESTPutAPIApplicationCommandsJSONBody } from 'discord.js';

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
];
