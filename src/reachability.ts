// Whether MongoDB and Redis answer, as a running process sees it: one warning when a service stops answering
// and one line when it answers again, however many connections, queues and workers report the same outage.
// Every Redis connection retries on its own with backoff (src/queue.ts), the MongoDB driver does too; /readyz
// reports the services as not ready meanwhile (bin/app.ts).
import { redactUrl } from './config.js';
import type { Logger } from './logger.js';

export type ServiceName = 'MongoDB' | 'Redis';

const VARIABLE: Record<ServiceName, string> = { MongoDB: 'MONGO_URL', Redis: 'REDIS_URL' };

/** The outage state of one service at one address, shared by everything in the process that uses it. */
export class Reachability {
  private downSince: number | null = null;
  private suppressed = 0;

  constructor(
    readonly service: ServiceName,
    readonly address: string,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get isDown(): boolean {
    return this.downSince !== null;
  }

  /** A connection, command or job failed because the service did not answer. Logged once per outage. */
  down(err: unknown): void {
    if (this.downSince !== null) {
      this.suppressed++;
      return;
    }
    this.downSince = this.now();
    this.suppressed = 0;
    this.log.warn(
      { service: this.service, address: this.address, variable: VARIABLE[this.service], err: reason(err) },
      `${this.service} at ${this.address} (${VARIABLE[this.service]}) is unreachable: ${reason(err)}; retrying with backoff`,
    );
  }

  /** A connection to the service is ready again. Logged once, when the service was down. */
  up(): void {
    if (this.downSince === null) return;
    const seconds = Math.round((this.now() - this.downSince) / 1000);
    this.log.info(
      { service: this.service, address: this.address, downSeconds: seconds, repeatedErrors: this.suppressed },
      `${this.service} at ${this.address} is reachable again after ${seconds} s`,
    );
    this.downSince = null;
    this.suppressed = 0;
  }
}

const registry = new Map<ServiceName, Reachability>();

/** The process's Reachability of a service (one MongoDB, one Redis), created on first use with that caller's logger. */
export function reachability(service: ServiceName, url: string, log: Logger): Reachability {
  const address = redactUrl(url);
  let r = registry.get(service);
  if (!r || r.address !== address) {
    r = new Reachability(service, address, log);
    registry.set(service, r);
  }
  return r;
}

/**
 * Reports an error that may be an outage: a connection error of a service this process uses goes to its
 * Reachability (logged once per outage) and true is returned; anything else returns false for the caller to log.
 */
export function reportOutage(err: unknown): boolean {
  if (!isConnectionError(err)) return false;
  const r = registry.get(serviceOf(err as Error));
  if (!r) return false;
  r.down(err);
  return true;
}

function reason(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] || err.name;
  return String(err);
}

const CONNECTION_ERROR_NAMES = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongooseServerSelectionError',
]);

const CONNECTION_ERROR_TEXT =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|Connection is closed|Stream isn't writeable|buffering timed out|Client must be connected|max retries per request|connection (?:\S+ )?(?:to \S+ )?closed|Server selection timed out/i;

/** Whether an error means a service did not answer (rather than a bug or bad data). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (CONNECTION_ERROR_NAMES.has(err.name)) return true;
  return CONNECTION_ERROR_TEXT.test(err.message);
}

/** Which service a connection error came from: MongoDB's driver and mongoose name theirs; the rest is Redis. */
export function serviceOf(err: Error): ServiceName {
  return /^Mongo/.test(err.name) || /buffering timed out|Client must be connected/i.test(err.message) ? 'MongoDB' : 'Redis';
}
