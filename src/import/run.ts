// Runs an import of what an export reader found: in bulk (the default), or message by message through
// CaptureService (`via: 'capture'`, the live path itself: slower, and the reference the bulk path is tested
// against). Both capture channel by channel, oldest message first, so they group conversations alike.
import type { CaptureService, CaptureStatus } from '../capture/capture.js';
import { CaptureValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Queues } from '../queue.js';
import { executePlan, loadSnapshot } from './bulk.js';
import { captureOrder, planImport } from './plan.js';
import type { ExportContent, ImportRecord, Rejection } from './types.js';

export interface ImportProgress {
  total: number;
  done: number;
  stored: number;
  duplicates: number;
  rejected: number;
  elapsedMs: number;
}

export interface ImportSummary {
  platform: string;
  via: 'bulk' | 'capture';
  /** Messages read from the export (after channel selection and skipping channel events). */
  read: number;
  stored: number;
  duplicates: number;
  /** Edits or deletes applied to stored messages, and tombstones of deleted ones. */
  updated: number;
  rejections: Rejection[];
  skipped: Record<string, number>;
  /** Stored but not enqueued for tagging (Redis down): the worker's sweeper enqueues them later. */
  notQueued: number;
  notes: string[];
  elapsedMs: number;
  /** Messages per second into storage (stored + duplicates + updated over the write time). */
  rate: number;
  /** Milliseconds per step of a bulk import. */
  timings: Record<string, number>;
}

export interface RunImportOptions {
  via: 'bulk' | 'capture';
  capture: CaptureService;
  queues: Queues;
  log: Logger;
  conversationWindowMinutes: number;
  maxMessageChars: number;
  now?: () => Date;
  /** The same text filter the CaptureService given here applies (e.g. secret redaction), for the bulk path. */
  textFilter?: (text: string) => string;
  chunkSize?: number;
  /** Insert chunks written at once (bulk path; default 3). */
  inFlight?: number;
  onProgress?: (p: ImportProgress) => void;
}

function splitOrigin(origin: string): { file: string; position: string } {
  const i = origin.lastIndexOf('#');
  return i < 0 ? { file: origin, position: 'message' } : { file: origin.slice(0, i), position: `message ${origin.slice(i + 1)}` };
}

const UPDATED: CaptureStatus[] = ['edited', 'deleted', 'tombstone'];

async function captureOne(
  capture: CaptureService,
  record: ImportRecord,
  counts: { stored: number; duplicates: number; updated: number; notQueued: number },
  rejections: Rejection[],
  log: Logger,
): Promise<void> {
  try {
    const out = await capture.capture(record.msg);
    if (out.status === 'stored') counts.stored++;
    else if (UPDATED.includes(out.status)) counts.updated++;
    else counts.duplicates++;
    if (!out.queued) counts.notQueued++;
  } catch (err) {
    if (!(err instanceof CaptureValidationError)) throw err;
    rejections.push({ ...splitOrigin(record.origin), reason: err.problems.join('; ') });
    log.warn({ origin: record.origin, problems: err.problems }, 'import: message rejected');
  }
}

export async function runImport(content: ExportContent, opts: RunImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const now = opts.now ?? (() => new Date());
  const ordered = captureOrder(content.records);
  const rejections: Rejection[] = [...content.rejections];
  for (const r of content.rejections) opts.log.warn({ file: r.file, position: r.position, reason: r.reason }, 'import: export problem');
  const counts = { stored: 0, duplicates: 0, updated: 0, notQueued: 0 };
  let timings: Record<string, number> = {};
  const progress = (done: number): void =>
    opts.onProgress?.({ total: ordered.length, done, stored: counts.stored, duplicates: counts.duplicates, rejected: rejections.length, elapsedMs: Date.now() - started });

  if (opts.via === 'capture') {
    let done = 0;
    for (const record of ordered) {
      await captureOne(opts.capture, record, counts, rejections, opts.log);
      if (++done % 200 === 0) progress(done);
    }
  } else {
    let t = Date.now();
    const snapshot = await loadSnapshot(ordered);
    timings.snapshot = Date.now() - t;
    t = Date.now();
    const plan = await planImport(ordered, snapshot, {
      conversationWindowMinutes: opts.conversationWindowMinutes,
      maxMessageChars: opts.maxMessageChars,
      now: now(),
      ...(opts.textFilter ? { textFilter: opts.textFilter } : {}),
    });
    timings.plan = Date.now() - t;
    for (const r of plan.rejections) opts.log.warn({ file: r.file, position: r.position, reason: r.reason }, 'import: message rejected');
    rejections.push(...plan.rejections);
    counts.duplicates = plan.duplicates;
    const settled = plan.duplicates + plan.rejections.length;
    const result = await executePlan(plan, {
      queues: opts.queues,
      log: opts.log,
      now: now(),
      ...(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}),
      ...(opts.inFlight ? { inFlight: opts.inFlight } : {}),
      onProgress: (p) => {
        counts.stored = p.stored;
        counts.duplicates = p.duplicates;
        progress(settled + p.stored + (p.duplicates - plan.duplicates));
      },
    });
    timings = { ...timings, ...result.timings };
    counts.stored = result.stored;
    counts.duplicates = plan.duplicates + result.raced;
    counts.notQueued = result.notQueued;
    for (const record of plan.passThrough) await captureOne(opts.capture, record, counts, rejections, opts.log);
  }
  progress(ordered.length);
  opts.log.debug({ timings }, 'import: time per step');
  const elapsedMs = Date.now() - started;
  const handled = counts.stored + counts.duplicates + counts.updated;
  return {
    platform: content.platform,
    via: opts.via,
    read: ordered.length,
    ...counts,
    rejections,
    skipped: content.skipped,
    notes: content.notes,
    elapsedMs,
    rate: elapsedMs > 0 ? Math.round((handled * 1000) / elapsedMs) : handled,
    timings,
  };
}
