// Prometheus metrics (prom-client) for GET /metrics: events captured by platform and outcome, jobs processed
// and failed per queue, tag latency, queue depth (read from Redis at scrape time) and process metrics.
// One registry per process; the bot counts captures, the worker counts jobs, each exposes its own.
import type { Job, Queue, Worker } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CaptureOutcome, CaptureService } from '../capture/capture.js';
import { CaptureBusyError, CaptureValidationError } from '../errors.js';
import type { Logger } from '../logger.js';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children'] as const;

export class Metrics {
  readonly registry = new Registry();
  readonly captured: Counter<'platform' | 'status'>;
  readonly captureFailed: Counter<'platform' | 'reason'>;
  readonly jobsProcessed: Counter<'queue'>;
  readonly jobsFailed: Counter<'queue'>;
  readonly tagLatency: Histogram<never>;
  readonly jobDuration: Histogram<'queue'>;
  private readonly queues: Queue[] = [];

  constructor(private readonly log: Logger) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'support_history_' });
    this.captured = new Counter({
      name: 'support_history_events_captured_total',
      help: 'Platform events handed to capture, by platform and outcome (stored, duplicate, edited, deleted, unchanged, tombstone)',
      labelNames: ['platform', 'status'],
      registers,
    });
    this.captureFailed = new Counter({
      name: 'support_history_events_rejected_total',
      help: 'Events capture did not store: invalid input (rejected) or a storage error (failed, redelivered by the platform)',
      labelNames: ['platform', 'reason'],
      registers,
    });
    this.jobsProcessed = new Counter({ name: 'support_history_jobs_processed_total', help: 'Jobs completed, by queue', labelNames: ['queue'], registers });
    this.jobsFailed = new Counter({ name: 'support_history_jobs_failed_total', help: 'Job attempts that failed, by queue', labelNames: ['queue'], registers });
    this.tagLatency = new Histogram({
      name: 'support_history_tag_latency_seconds',
      help: 'From a tag job being enqueued (the message captured) to the message tagged and counted',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'support_history_job_duration_seconds',
      help: 'Time a worker spent on one job, by queue',
      labelNames: ['queue'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    });
    const queues = this.queues;
    const logger = this.log;
    new Gauge({
      name: 'support_history_queue_depth',
      help: 'Jobs in each queue by state, read from Redis at scrape time',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const q of queues) {
          try {
            const counts = await q.getJobCounts(...QUEUE_STATES);
            for (const state of QUEUE_STATES) this.set({ queue: q.name, state }, counts[state] ?? 0);
          } catch (err) {
            logger.warn({ queue: q.name, err: (err as Error).message }, 'queue depth unavailable for /metrics');
          }
        }
      },
    });
  }

  /** Counts every capture call's outcome; the service is otherwise unchanged. */
  observeCapture(capture: CaptureService): void {
    new Gauge({
      name: 'support_history_capture_in_flight',
      help: 'Captures storing now (running) and waiting their turn (waiting), read at scrape time',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const d = capture.gate.depth;
        this.set({ state: 'running' }, d.running);
        this.set({ state: 'waiting' }, d.waiting);
      },
    });
    const original = capture.capture.bind(capture);
    capture.capture = async (input: unknown): Promise<CaptureOutcome> => {
      const platform = platformOf(input);
      try {
        const out = await original(input);
        this.captured.inc({ platform, status: out.status });
        return out;
      } catch (err) {
        this.captureFailed.inc({ platform, reason: err instanceof CaptureValidationError ? 'rejected' : err instanceof CaptureBusyError ? 'busy' : 'failed' });
        throw err;
      }
    };
  }

  observeQueues(queues: Queue[]): void {
    this.queues.push(...queues);
  }

  observeWorkers(workers: Worker[]): void {
    for (const w of workers) {
      w.on('completed', (job: Job) => {
        this.jobsProcessed.inc({ queue: w.name });
        if (job.processedOn && job.finishedOn) this.jobDuration.observe({ queue: w.name }, (job.finishedOn - job.processedOn) / 1000);
        if (w.name === 'tag' && job.finishedOn) this.tagLatency.observe(Math.max(0, job.finishedOn - job.timestamp) / 1000);
      });
      w.on('failed', () => this.jobsFailed.inc({ queue: w.name }));
    }
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function platformOf(input: unknown): string {
  const p = typeof input === 'object' && input !== null ? (input as { platform?: unknown }).platform : undefined;
  return p === 'slack' || p === 'discord' ? p : 'unknown';
}
