// Which threads of a Slack support channel had a message lately, kept as messages are captured, so backfill
// can ask for replies posted while the bot was down to threads whose root is older than its window
// (conversations.history lists threads by their parent's time and never shows those).
//
// One small `_id`-keyed document per channel and UTC day of the message (`<team>:<channel>|YYYYMMDD`), whose
// `r` maps each thread root (a reply's thread_ts, or a top-level message's own ts: it may get replies later)
// to its ts. Backfill reads the last THREAD_ACTIVITY_DAYS of them by `_id` (FerretDB 1.x serves nothing
// else from an index; a query on conversations scanned them all: 18 s for 20,000 here). Creating a day's
// document deletes the channel's documents of 15 to 45 days before, so the collection stays small.
import { safeKey } from '../../src/counters/contribution.js';
import { declareCollection } from '../../src/db/collections.js';
import { withDocLock } from '../../src/db/doc-lock.js';

/** How many days of thread activity backfill looks at (today and the days before). */
export const THREAD_ACTIVITY_DAYS = 14;
const PRUNE_DAYS = 31;
const DAY = 86_400_000;

interface ActivityDoc {
  _id: string;
  /** safeKey(root ts) → root ts. */
  r?: Record<string, string>;
}

const activity = declareCollection<ActivityDoc>('slack_thread_activity');

const dayOf = (d: Date): string => d.toISOString().slice(0, 10).replace(/-/g, '');
const docId = (teamId: string, channelId: string, day: Date): string => `${teamId}:${channelId}|${dayOf(day)}`;

/** Entries this process wrote already (a thread's later messages that day write nothing); bounded, rebuilt freely. */
const written = new Set<string>();
const WRITTEN_MAX = 20_000;

/**
 * Notes waiting for a day's document, written together (group commit): while one write of a document is in
 * flight, the notes that arrive for it gather into the next write, and each caller resolves once the write
 * holding its note is done. Every top-level message of a busy channel is a new root of the same day's document,
 * and FerretDB rewrites the whole document on each update, so a burst of notes written one by one queued on
 * that document's lock for minutes (10,000 Slack events: about 7 stored per second end to end); batched, a
 * burst costs a few writes.
 */
interface Batch {
  set: Record<string, string>;
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}
const queues = new Map<string, { running: boolean; next: Batch | null }>();

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { set: {}, promise, resolve, reject };
}

/** Writes `set` into document `id`; on the write that creates a day's document, prunes the channel's old days. */
async function writeDay(teamId: string, channelId: string, at: Date, id: string, set: Record<string, string>): Promise<void> {
  const update = { $set: set };
  const created = await withDocLock('slack_thread_activity', id, async () => {
    try {
      return (await activity().updateOne({ _id: id }, update, { upsert: true })).upsertedCount === 1;
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err; // two first writes raced (MongoDB, unlocked)
      await activity().updateOne({ _id: id }, update);
      return false;
    }
  });
  if (!created) return;
  for (let d = THREAD_ACTIVITY_DAYS + 1; d <= THREAD_ACTIVITY_DAYS + PRUNE_DAYS; d++) {
    await activity().deleteOne({ _id: docId(teamId, channelId, new Date(at.getTime() - d * DAY)) });
  }
}

async function drain(teamId: string, channelId: string, at: Date, id: string): Promise<void> {
  const q = queues.get(id)!;
  q.running = true;
  while (q.next) {
    const batch = q.next;
    q.next = null;
    try {
      await writeDay(teamId, channelId, at, id, batch.set);
      batch.resolve();
    } catch (err) {
      batch.reject(err);
    }
  }
  queues.delete(id);
}

/** Records that thread `rootTs` of the channel had a message at `at`; resolves once it is stored. Idempotent. */
export async function noteThreadActivity(teamId: string, channelId: string, rootTs: string, at: Date): Promise<void> {
  const id = docId(teamId, channelId, at);
  const memo = `${id}|${rootTs}`;
  if (written.has(memo)) return;
  let q = queues.get(id);
  if (!q) queues.set(id, (q = { running: false, next: null }));
  const batch = (q.next ??= newBatch());
  batch.set[`r.${safeKey(rootTs)}`] = rootTs;
  if (!q.running) void drain(teamId, channelId, at, id);
  await batch.promise;
  if (written.size >= WRITTEN_MAX) written.clear();
  written.add(memo);
}

/** Roots (Slack ts) of the channel's threads with a message in the last `days` UTC days, newest day first. */
export async function recentThreadRoots(teamId: string, channelId: string, now: Date, days = THREAD_ACTIVITY_DAYS): Promise<string[]> {
  const ids = Array.from({ length: days + 1 }, (_, i) => docId(teamId, channelId, new Date(now.getTime() - i * DAY)));
  const docs = await Promise.all(ids.map((id) => activity().findOne({ _id: id })));
  const roots = new Set<string>();
  for (const d of docs) for (const ts of Object.values(d?.r ?? {})) if (typeof ts === 'string' && /^\d+\.\d+$/.test(ts)) roots.add(ts);
  return [...roots];
}
