// How Slack payloads reach the Bolt app.
//
// HTTP mode: Bolt's own HTTPReceiver (signature and timestamp verification, url_verification, ssl_check),
// mounted on the project's HttpServer at POST /slack/events, with processBeforeResponse so the HTTP answer
// goes out after the listener: a capture that failed to store answers 500 and Slack redelivers.
//
// Socket Mode: Bolt's SocketModeReceiver acknowledges an event before the listeners run, so a failed store
// would be lost. This receiver acknowledges an envelope only after the app processed it; on a failure it
// does not acknowledge, and Slack redelivers (with retry_attempt set).
import { HTTPReceiver, LogLevel, type App, type Logger as BoltLogger, type Receiver, type ReceiverEvent } from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import type { Logger } from '../../src/logger.js';

/** Bolt and the Slack SDKs log through this bridge into the project's pino logger. */
export function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const text = (msg: unknown[]): string => msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => log.debug(text(msg)),
    info: (...msg) => log.info(text(msg)),
    warn: (...msg) => log.warn(text(msg)),
    error: (...msg) => log.error(text(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

export function createHttpReceiver(signingSecret: string, log: Logger): HTTPReceiver {
  return new HTTPReceiver({
    signingSecret,
    endpoints: ['/slack/events'],
    processBeforeResponse: true,
    logger: boltLogger(log),
    // A 500 makes Slack retry; the error itself is logged by the app's error handler.
    processEventErrorHandler: async ({ response }) => {
      if (!response.headersSent) {
        response.writeHead(500);
        response.end();
      }
      return false;
    },
  });
}

interface SocketEnvelope {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  envelope_id?: string;
  body: Record<string, unknown>;
  retry_num?: number;
  retry_reason?: string;
}

export class DeferredAckSocketModeReceiver implements Receiver {
  readonly client: SocketModeClient;
  private app: App | undefined;
  private readonly log: Logger;

  constructor(opts: { appToken: string; apiUrl: string; log: Logger }) {
    this.log = opts.log;
    this.client = new SocketModeClient({ appToken: opts.appToken, logger: boltLogger(opts.log), clientOptions: { slackApiUrl: opts.apiUrl } });
    this.client.on('slack_event', (envelope: SocketEnvelope) => void this.onEnvelope(envelope));
  }

  init(app: App): void {
    this.app = app;
  }

  private async onEnvelope(envelope: SocketEnvelope): Promise<void> {
    let response: unknown;
    let acked = false;
    const event: ReceiverEvent = {
      body: envelope.body,
      ...(envelope.retry_num !== undefined ? { retryNum: envelope.retry_num } : {}),
      ...(envelope.retry_reason !== undefined ? { retryReason: envelope.retry_reason } : {}),
      ack: async (r?: unknown) => {
        acked = true;
        response = r;
      },
    };
    try {
      await this.app?.processEvent(event);
    } catch (err) {
      this.log.warn({ envelopeId: envelope.envelope_id, retry: envelope.retry_num, err: (err as Error).message }, 'slack event not acknowledged; Slack will redeliver it');
      return;
    }
    if (!acked) return;
    const body = typeof response === 'string' ? { text: response } : (response as Record<string, unknown> | undefined);
    await envelope.ack(body).catch((err: Error) => this.log.warn({ err: err.message }, 'socket mode ack failed'));
  }

  async start(): Promise<unknown> {
    return this.client.start();
  }

  async stop(): Promise<unknown> {
    return this.client.disconnect();
  }
}
