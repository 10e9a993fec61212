// The `tag` processor: a plain typed function the Worker wraps.
import type { Job } from 'bullmq';
import type { MessageTagger, TagMessageStatus } from '../src/counters/tag-message.js';
import type { TagJobData } from '../src/queue.js';

export function createTagProcessor(tagger: MessageTagger): (job: Pick<Job<TagJobData>, 'data'>) => Promise<TagMessageStatus> {
  return async (job) => tagger.tagMessage(job.data.messageKey);
}
