// Hands captured events to the capture service. A storage failure (MongoDB down, a lock timeout) does not
// lose the event: it waits in a bounded FIFO buffer and is retried with backoff, in order, before newer
// events. When the buffer is full the oldest event is dropped, logged, and reported so backfill can fetch
// that channel again from before it. Invalid input is never retried (capture already logged it).
import { EventEmitter } from 'node:events';
import type { CaptureOutcome } from '../../src/capture/capture.js';
import type { CapturedMessage } from '../../src/capture/types.js';
import { CaptureValidationError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';

export interface CaptureSink {
  capture(input: unknown): Promise<CaptureOutcome>;
}

export interface CaptureBufferOptions {
  maxBuffered?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface CaptureBufferEvents {
  captured: [msg: CapturedMessage, outcome: CaptureOutcome];
  rejected: [msg: CapturedMessage, err: Error];
  /** Each event that enters the buffer, once (with the latest storage error). */
  buffered: [msg: CapturedMessage, err: Error];
  dropped: [msg: CapturedMessage];
}

export class CaptureBuffer extends EventEmitter<CaptureBufferEvents> {
  private readonly queue: CapturedMessage[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastError: Error = new Error('storage unavailable');
  private flushing = false;
  private attempt = 0;
  private readonly maxBuffered: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly sink: CaptureSink,
    private readonly log: Logger,
    opts: CaptureBufferOptions = {},
  ) {
    super();
    this.maxBuffered = opts.maxBuffered ?? 5_000;
    this.baseDelayMs = opts.baseDelayMs ?? 500;
    this.maxDelayMs = opts.maxDelayMs ?? 30_000;
  }

  get size(): number {
    return this.queue.length;
  }

  /** Captures now, or (after a storage failure, or behind earlier failures) buffers. Never throws. */
  async submit(msg: CapturedMessage): Promise<void> {
    if (this.queue.length > 0 || this.flushing) {
      // Behind earlier failures: keep the order (an edit must not overtake its message).
      this.enqueue(msg);
      return;
    }
    const ok = await this.tryOne(msg);
    if (!ok) this.enqueue(msg);
  }

  /** Returns false on a storage failure (retry later); true when stored or rejected for good. */
  private async tryOne(msg: CapturedMessage): Promise<boolean> {
    try {
      const outcome = await this.sink.capture(msg);
      this.emit('captured', msg, outcome);
      return true;
    } catch (err) {
      if (err instanceof CaptureValidationError) {
        this.emit('rejected', msg, err);
        return true;
      }
      this.lastError = err as Error;
      this.log.warn(
        { workspaceId: msg.workspaceId, channelId: msg.channelId, messageId: msg.messageId, kind: msg.kind, err: (err as Error).message, buffered: this.queue.length },
        'capture failed; buffered for retry',
      );
      return false;
    }
  }

  private enqueue(msg: CapturedMessage): void {
    this.queue.push(msg);
    this.emit('buffered', msg, this.lastError);
    while (this.queue.length > this.maxBuffered) {
      const dropped = this.queue.shift()!;
      this.log.error(
        { workspaceId: dropped.workspaceId, channelId: dropped.channelId, messageId: dropped.messageId, kind: dropped.kind, max: this.maxBuffered },
        'capture buffer full: dropped the oldest event; backfill will fetch its channel again',
      );
      this.emit('dropped', dropped);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.flushing || this.queue.length === 0) return;
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(this.attempt, 16));
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
    this.timer.unref();
  }

  /** Retries buffered events in order; stops at the first storage failure and backs off. */
  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        const ok = await this.tryOne(head);
        if (!ok) {
          this.attempt += 1;
          return;
        }
        this.queue.shift();
        this.attempt = 0;
      }
    } finally {
      this.flushing = false;
      this.schedule();
    }
  }

  /** Stops retrying; returns what was still buffered (logged by the caller). */
  stop(): CapturedMessage[] {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.queue.splice(0);
  }
}
