// Bounds how many captures run at once. A burst (10,000 Slack envelopes over one socket in under a second, a
// gateway replay) would otherwise start every capture together: each holds its documents, locks and driver
// buffers while it waits on the database, so the heap grows with the burst (measured: +336 MiB peak for 2,000
// at once against +209 MiB for 10,000 at 16 in flight) and gains nothing, the database being the bottleneck.
// Waiting captures keep only their arguments, in order; past `maxQueued` a capture is refused at once with
// CaptureBusyError (the platform redelivers it: Slack gets no ack or a 500, Discord's buffer retries it).
import { CaptureBusyError } from '../errors.js';

export class CaptureGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly maxInFlight: number,
    readonly maxQueued: number,
  ) {
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError('maxInFlight must be a whole number of at least 1');
    if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new RangeError('maxQueued must be a whole number');
  }

  /** Captures running and waiting now (for metrics and tests). */
  get depth(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxInFlight) {
      if (this.waiting.length >= this.maxQueued) throw new CaptureBusyError(this.running, this.waiting.length);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next in line (running stays the same), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
