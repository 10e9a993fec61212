// Operator commands of the `support-history` CLI, each in its own file; bin/cli.ts dispatches here.
import { UsageError } from './context.js';

type Command = (argv: string[]) => Promise<number>;

// Each command's module is loaded only when it runs, so one command's dependencies never slow or break another.
const COMMANDS: Record<string, () => Promise<Command>> = {
  import: async () => (await import('./import.js')).importCommand,
  history: async () => (await import('./history.js')).historyCommand,
  digest: async () => (await import('./digest.js')).digestCommand,
  retag: async () => (await import('./retag.js')).retagCommand,
  export: async () => (await import('./export.js')).exportCommand,
  forget: async () => (await import('./forget.js')).forgetCommand,
  repartition: async () => (await import('./repartition.js')).repartitionCommand,
  status: async () => (await import('./status.js')).statusCommand,
};

export const OPERATOR_USAGE = `  import    import a Slack export or DiscordChatExporter JSON
  history   print a customer's history (as /history shows it)
  digest    print the weekly digest
  retag     re-tag history tagged by an older model (the worker does it)
  export    print everything stored about a customer as JSON
  forget    delete a customer and their conversations, keeping counters consistent
  repartition  move the history read models to another READ_MODEL_PARTITIONS layout
  status    what is waiting to be tagged, queue depths, last digests, server versions

Every command takes --help.
`;

export function isOperatorCommand(name: string): boolean {
  return Object.hasOwn(COMMANDS, name);
}

/** Runs one operator command and exits with its status; errors are one clear line on stderr. */
export async function runOperatorCommand(name: string, argv: string[]): Promise<void> {
  let code: number;
  try {
    code = await (await COMMANDS[name]!())(argv);
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
