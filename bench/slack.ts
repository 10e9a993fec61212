// The live Slack capture path of the benchmarks: a generated workspace's events go through the adapter's
// SlackCaptureHandler (parse the event, filter to support channels, resolve the author through SlackDirectory,
// build the CapturedMessage, capture, note thread activity), as adapters/slack/adapter.ts does for every
// `message` event Bolt hands it. The Slack Web API behind the directory (users.info, usergroups.users.list,
// conversations.list) answers in-process from the generated directory: no network time is included, and the
// directory caches as in production (each user looked up once).
import type { WebClient } from '@slack/web-api';
import type { CaptureService } from '../src/capture/capture.js';
import type { Logger } from '../src/logger.js';
import { SlackCaptureHandler, type HandleResult, type WorkspaceIdentity } from '../adapters/slack/capture-handler.js';
import { SlackDirectory } from '../adapters/slack/directory.js';
import type { SlackMessageEvent, SlackWorkspace } from './generate.js';

export const AGENT_GROUP = 'SBENCHAGENTS';

export interface SlackCapture {
  handle(event: SlackMessageEvent): Promise<HandleResult>;
}

export function slackCapture(ws: SlackWorkspace, capture: Pick<CaptureService, 'capture'>, log: Logger): SlackCapture {
  const client = {
    users: { info: async ({ user }: { user: string }) => ({ ok: true, user: ws.users.get(user) ?? { id: user } }) },
    usergroups: { users: { list: async ({ usergroup }: { usergroup: string }) => ({ ok: true, users: usergroup === AGENT_GROUP ? ws.agentIds : [] }) } },
    conversations: { list: async () => ({ ok: true, channels: ws.channels, response_metadata: { next_cursor: '' } }) },
  };
  const directory = new SlackDirectory({ client: client as unknown as WebClient, log, agentUsergroups: [AGENT_GROUP], agentUsers: [] });
  const handler = new SlackCaptureHandler({ capture, directory, supportChannels: ws.channels.map((c) => `#${c.name}`), log });
  const identity: WorkspaceIdentity = { teamId: ws.teamId, enterpriseId: null, url: ws.url };
  return { handle: (event) => handler.handle(event, identity, 'live') };
}

/** Counts of what the handler did with each event ('stored', 'edited', …; 'ignored: <reason>', 'rejected'). */
export function tally(results: HandleResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const k = r.action === 'captured' ? r.outcome.status : r.action === 'ignored' ? `ignored: ${r.reason}` : 'rejected';
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** Tag jobs the captured events enqueued (a new message, an edit or a delete that changed something). */
export function jobsOf(results: HandleResult[]): number {
  return results.filter((r) => r.action === 'captured' && ['stored', 'edited', 'deleted'].includes(r.outcome.status)).length;
}

/** Throws when the handler ignored or rejected an event: the generated payloads would not be what Slack sends. */
export function assertAllCaptured(results: HandleResult[]): void {
  const bad = Object.entries(tally(results)).filter(([k]) => k.startsWith('ignored') || k === 'rejected');
  if (bad.length) throw new Error(`the Slack handler did not capture every generated event: ${bad.map(([k, n]) => `${n}× ${k}`).join(', ')}`);
}
