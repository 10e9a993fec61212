// Operator commands of the `support-history` CLI, each in its own file; bin/cli.ts dispatches here.
import { UsageError } from './context.js';
import { importCommand } from './import.js';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  import: importCommand,
};

export const OPERATOR_USAGE = `  import    import a Slack export or DiscordChatExporter JSON (import --help)
`;

export function isOperatorCommand(name: string): boolean {
  return Object.hasOwn(COMMANDS, name);
}

/** Runs one operator command and exits with its status; errors are one clear line on stderr. */
export async function runOperatorCommand(name: string, argv: string[]): Promise<void> {
  let code: number;
  try {
    code = await COMMANDS[name]!(argv);
  } catch (err) {
    const e = err as Error & { code?: string };
    if (err instanceof UsageError || e.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`support-history ${name}: ${e.message}\n(see support-history ${name} --help)\n`);
      code = 2;
    } else {
      process.stderr.write(`support-history ${name}: failed: ${e.message}\n`);
      code = 1;
    }
  }
  process.exit(code);
}
