import { WaitingError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { within } from './deadline.js';

/** How long giving a job back to the queue at shutdown may take before the worker stops trying. */
export const HAND_BACK_TIMEOUT_MS = 5_000;

/**
 * Returns a job this worker stopped for shutdown to the queue, so any worker continues it from its
 * checkpoint. Best effort and bounded: with Redis away, moveToWait would wait for it indefinitely
 * (the worker's connection holds commands while offline), so after HAND_BACK_TIMEOUT_MS the worker
 * gives up; the job's lock then lapses and BullMQ's stalled-job check returns it to the queue once
 * Redis answers. Either way the processor ends with WaitingError, which BullMQ leaves alone.
 */
export async function handBack(
  job: Job,
  token: string | undefined,
  logger: Logger,
): Promise<WaitingError> {
  const moved = job.moveToWait(token).then(
    () => null,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  const failure = await within(
    moved,
    HAND_BACK_TIMEOUT_MS,
    `no answer in ${HAND_BACK_TIMEOUT_MS} ms`,
  );
  if (failure === null) logger.info({ jobId: job.id }, 'job handed back to the queue for shutdown');
  else
    logger.warn(
      { jobId: job.id, reason: failure },
      'job not handed back; the stalled-job check returns it to the queue once Redis answers',
    );
  return new WaitingError();
}
