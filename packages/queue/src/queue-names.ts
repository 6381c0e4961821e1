import type { JobType } from '@convoy/schemas';

/** BullMQ queue names; workers and the API must agree on them. */
export const QUEUE_NAMES: Readonly<Record<JobType, string>> = {
  train: 'convoy-train',
  visualize: 'convoy-visualize',
  sweep: 'convoy-sweep',
};

/** Key prefix for Convoy's own Redis keys (job index, cancellations), beside BullMQ's `bull:`. */
export const CONVOY_KEY_PREFIX = 'convoy';
