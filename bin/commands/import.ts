// `support-history import slack|discord <path>`: day-one history from a Slack export or DiscordChatExporter JSON.
import { parseArgs } from 'node:util';
import { CaptureService } from '../../src/capture/capture.js';
import { redactSecrets } from '../../src/capture/redact.js';
import { readDiscordExport } from '../../src/import/discord-export.js';
import { formatProgress, formatSummary } from '../../src/import/report.js';
import { runImport } from '../../src/import/run.js';
import { readSlackExport } from '../../src/import/slack-export.js';
import { ExportOpenError, openExport } from '../../src/import/source.js';
import { UsageError, withServices } from './context.js';

export const IMPORT_USAGE = `usage: support-history import slack <export.zip | folder> [options]
       support-history import discord <file.json | folder> [options]

Imports past conversations: a standard Slack workspace export (channels.json, users.json, a JSON file per
channel per day) or DiscordChatExporter JSON files (one per channel or thread). Messages go through the same
capture rules as live events, so importing again (or importing what the bot already saw) stores nothing
twice. The worker tags what was imported. Progress goes to stderr, the summary to stdout.

options:
  --channel <id|name>     import this channel (repeatable); default: the configured support channels
                          (SLACK_SUPPORT_CHANNELS / DISCORD_SUPPORT_CHANNELS), or every channel when none
  --agent <user id>       treat this user as an agent (repeatable; adds to SLACK_AGENT_USERS / DISCORD_AGENT_USERS)
  --agent-role <id|name>  discord: treat members with this role as agents (repeatable; adds to DISCORD_AGENT_ROLES)
  --workspace <team id>   slack: the team id (T…), when the export does not show it
  --via-capture           store message by message through the live capture path (slow; for comparison)
  --json                  print the summary as JSON
  -h, --help              show this help

exit status: 0 imported, 1 imported but some content was rejected (listed), 2 bad usage or configuration
`;

export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      channel: { type: 'string', multiple: true, default: [] },
      agent: { type: 'string', multiple: true, default: [] },
      'agent-role': { type: 'string', multiple: true, default: [] },
      workspace: { type: 'string' },
      'via-capture': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(IMPORT_USAGE);
    return 0;
  }
  const [platform, path, ...extra] = positionals;
  if (platform !== 'slack' && platform !== 'discord') throw new UsageError(`say slack or discord (got ${platform ? `"${platform}"` : 'nothing'})`);
  if (!path) throw new UsageError(`name the ${platform === 'slack' ? 'Slack export zip or folder' : 'Discord export file or folder'}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (platform === 'discord' && values.workspace) throw new UsageError('--workspace is for Slack exports (a Discord export names its guild)');

  return withServices(async ({ config, log, queues }) => {
    let source;
    try {
      source = await openExport(path);
    } catch (err) {
      // One line on stderr (runOperatorCommand), not a log record as well.
      if (err instanceof ExportOpenError) throw new UsageError(err.message);
      throw err;
    }
    const content =
      platform === 'slack'
        ? await readSlackExport(source, {
            channels: values.channel,
            configuredChannels: config.slack?.supportChannels ?? [],
            agentUsers: [...(config.slack?.agentUsers ?? []), ...values.agent],
            ...(values.workspace ? { workspaceId: values.workspace } : {}),
          })
        : await readDiscordExport(source, {
            channels: values.channel,
            configuredChannels: config.discord?.supportChannels ?? [],
            agentUsers: [...(config.discord?.agentUsers ?? []), ...values.agent],
            agentRoles: [...(config.discord?.agentRoles ?? []), ...values['agent-role']],
          });
    for (const note of content.notes) process.stderr.write(`import: ${note}\n`);
    const capture = new CaptureService({
      queue: queues,
      log: log.child({ component: 'capture' }),
      maxMessageChars: config.maxMessageChars,
      redactSecrets: config.redactSecretsInText,
    });
    const tty = process.stderr.isTTY === true;
    let lastShown = 0;
    let finished = false;
    const summary = await runImport(content, {
      via: values['via-capture'] ? 'capture' : 'bulk',
      capture,
      queues,
      log,
      conversationWindowMinutes: config.conversationWindowMinutes,
      maxMessageChars: config.maxMessageChars,
      // The bulk path applies what capture applies to a new message's text.
      ...(config.redactSecretsInText ? { textFilter: (t: string) => redactSecrets(t).text } : {}),
      onProgress: (p) => {
        const now = Date.now();
        const final = p.done === p.total;
        if (finished || (!final && now - lastShown < (tty ? 100 : 2000))) return;
        finished = final;
        lastShown = now;
        process.stderr.write(tty ? `\r${formatProgress(p)}${final ? '\n' : ''}` : `${formatProgress(p)}\n`);
      },
    });
    process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary, source.label));
    return summary.rejections.length > 0 ? 1 : 0;
  });
}
