import { z } from 'zod';
import { MODEL_PRESETS } from './model-spec.js';

/**
 * Run management: a job's name, tags and notes (set on submit, edited with PATCH /v1/jobs/:id),
 * and what the job list can search, filter and sort by.
 */

export const RUN_NAME_MAX_LENGTH = 100;
export const RUN_TAG_MAX_LENGTH = 32;
export const RUN_TAGS_MAX = 20;
export const RUN_NOTES_MAX_LENGTH = 4_000;

export const runNameSchema = z
  .string()
  .trim()
  .min(1, 'a name has at least one character (send null to clear it)')
  .max(RUN_NAME_MAX_LENGTH, `a name has at most ${RUN_NAME_MAX_LENGTH} characters`);

/** Short labels: letters, digits, spaces and `_ . : / + -`, starting with a letter or digit. */
export const runTagSchema = z
  .string()
  .trim()
  .max(RUN_TAG_MAX_LENGTH, `a tag has at most ${RUN_TAG_MAX_LENGTH} characters`)
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} _.:/+-]*$/u,
    'a tag starts with a letter or digit and holds letters, digits, spaces and _ . : / + -',
  );

/** Tags as a set: duplicates (after trimming) are dropped, order kept. */
export const runTagsSchema = z
  .array(runTagSchema)
  .max(RUN_TAGS_MAX, `at most ${RUN_TAGS_MAX} tags`)
  .transform((tags) => [...new Set(tags)]);

export const runNotesSchema = z
  .string()
  .max(RUN_NOTES_MAX_LENGTH, `notes have at most ${RUN_NOTES_MAX_LENGTH} characters`);

/** What POST /v1/jobs accepts beside type and params. */
export const runMetadataInputShape = {
  name: runNameSchema.optional(),
  tags: runTagsSchema.optional(),
  notes: runNotesSchema.optional(),
};

/** A job's stored metadata; empty strings and lists mean "none". */
export interface RunMetadata {
  readonly name: string | null;
  readonly tags: readonly string[];
  readonly notes: string | null;
}

/** `PATCH /v1/jobs/:id`: the fields given replace the stored ones; null (or []) clears one. */
export const updateJobBodySchema = z
  .strictObject({
    name: runNameSchema.nullable().optional(),
    tags: runTagsSchema.optional(),
    notes: runNotesSchema.nullable().optional(),
  })
  .refine(
    (body) => body.name !== undefined || body.tags !== undefined || body.notes !== undefined,
    'send at least one of name, tags, notes',
  );

/** Columns `GET /v1/jobs?sort=` orders by. */
export const JOB_SORT_FIELDS = [
  'createdAt',
  'name',
  'state',
  'type',
  'model',
  'progress',
  'backend',
  'bestAccuracy',
  'duration',
] as const;
export const jobSortFieldSchema = z.enum(JOB_SORT_FIELDS);

/** `model=` filter: a preset's name, or `custom` for layer lists. */
export const jobModelFilterSchema = z.enum([...MODEL_PRESETS, 'custom']);

export type UpdateJobBody = z.infer<typeof updateJobBodySchema>;
export type UpdateJobRequest = z.input<typeof updateJobBodySchema>;
export type JobSortField = z.infer<typeof jobSortFieldSchema>;
export type JobModelFilter = z.infer<typeof jobModelFilterSchema>;
