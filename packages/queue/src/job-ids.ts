import { randomBytes } from 'node:crypto';
import { jobIdSchema, type JobId, type JobType } from '@convoy/schemas';

/** `<type>_<ms since epoch, base36><8 random hex>`: sortable by creation, safe as a directory name. */
export function createJobId(type: JobType, now = Date.now()): JobId {
  return `${type}_${now.toString(36)}${randomBytes(4).toString('hex')}`;
}

/** The type a job id names, or null for strings that are not Convoy job ids. */
export function jobTypeOf(id: string): JobType | null {
  if (!jobIdSchema.safeParse(id).success) return null;
  return id.slice(0, id.indexOf('_')) as JobType;
}
