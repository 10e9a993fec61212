// The `tag` processor and the `tag-chunk` processor: plain typed functions the Workers wrap.
import type { Job } from 'bullmq';
import type { MessageTagger, TagMessageStatus } from '../src/counters/tag-message.js';
import type { Queues, TagChunkJobData, TagJobData } from '../src/queue.js';

export function createTagProcessor(tagger: MessageTagger): (job: Pick<Job<TagJobData>, 'data'>) => Promise<TagMessageStatus> {
  return async (job) => tagger.tagMessage(job.data.messageKey);
}

/**
 * Expands a chunk job of the bulk importer into one `tag` job per message, with the ids live capture uses:
 * a retried or repeated chunk adds nothing that exists. Should it fail every attempt, the messages stay
 * `needsTagging` and the untagged sweep enqueues them.
 */
export function createTagChunkProcessor(queues: Pick<Queues, 'expandTagChunk'>): (job: Pick<Job<TagChunkJobData>, 'data'>) => Promise<{ enqueued: number }> {
  return async (job) => ({ enqueued: await queues.expandTagChunk(job.data.items ?? []) });
}
