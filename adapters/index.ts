// Builds the adapters the configuration asks for. Each platform's code stays in its own folder.
import type { Config } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import type { AdapterContext, PlatformAdapter } from '../src/platform.js';
// The collections the adapters write are declared before the platforms' modules load, so a process creates
// them at start with the rest (src/db/collections.ts ensureCollections).
import './slack/thread-activity.js';

export async function createAdapters(config: Config, ctx: AdapterContext, log: Logger): Promise<PlatformAdapter[]> {
  const adapters: PlatformAdapter[] = [];
  void ctx;
  if (config.slack) {
    const { SlackAdapter } = await import('./slack/index.js');
    adapters.push(new SlackAdapter(config.slack, ctx, { timeZone: config.timeZone }));
  }
  if (config.discord) {
    const { createDiscordAdapter } = await import('./discord/index.js');
    adapters.push(createDiscordAdapter(config.discord, config.timeZone, ctx));
  }
  return adapters;
}
