// The port every platform adapter implements. src/ depends on this interface, never on an adapter.
import type { Platform } from './domain/types.js';
import type { CaptureService } from './capture/capture.js';
import type { Digest } from './digest/types.js';
import type { HttpServer } from './http/server.js';
import type { Queues } from './queue.js';
import type { Logger } from './logger.js';
import type { SurveyRequest } from './feedback/types.js';

/** A running adapter (Slack or Discord), started by the bot process. */
export interface PlatformAdapter {
  readonly platform: Platform;
  /** Connects, registers listeners and commands, then backfills what was missed. */
  start(): Promise<void>;
  /** Stops taking events; in-flight handlers finish. */
  stop(): Promise<void>;
  /** Posts the weekly digest into a channel of a workspace (the scheduled digest job calls this). */
  postDigest(workspaceId: string, channelId: string, digest: Digest): Promise<void>;
  /** Posts a satisfaction survey in a resolved conversation's thread (jobs/survey.ts calls this). */
  postSurvey?(req: SurveyRequest): Promise<{ messageId: string }>;
}

/** What the bot process hands each adapter. */
export interface AdapterContext {
  capture: CaptureService;
  http: HttpServer;
  queues: Queues;
  log: Logger;
}
