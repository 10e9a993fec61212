// The port every platform adapter implements. src/ depends on this interface, never on an adapter.
import type { Platform } from './db/models.js';
import type { CaptureService } from './capture/capture.js';
import type { HttpServer } from './http/server.js';

/** A running adapter (Slack or Discord), started by the bot process. */
export interface PlatformAdapter {
  readonly platform: Platform;
  /** Connects, registers listeners and commands, then backfills what was missed. */
  start(): Promise<void>;
  /** Stops taking events; in-flight handlers finish. */
  stop(): Promise<void>;
  /** Posts a message into a channel (used for scheduled digests). */
  postMessage?(workspaceId: string, channelId: string, content: PlatformMessage): Promise<void>;
}

/** Platform-neutral content an adapter renders (Block Kit, embeds). */
export interface PlatformMessage {
  title: string;
  lines: string[];
}

/** What the bot process hands each adapter. */
export interface AdapterContext {
  capture: CaptureService;
  http: HttpServer;
}
