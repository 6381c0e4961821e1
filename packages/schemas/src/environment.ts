import { z } from 'zod';

/**
 * A failed configuration parse as one line, "FIELD: message; …". `names` maps a field's path to
 * the environment variable a user sets for it, so the message names what they can change.
 */
export function describeConfigIssues(
  error: z.ZodError,
  names: Readonly<Record<string, string>> = {},
): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.join('.');
      return field ? `${names[field] ?? field}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * TRAINING_THREADS: a positive whole number, or unset. Empty counts as unset: compose passes
 * `${TRAINING_THREADS:-}` through.
 */
export const trainingThreadsEnvSchema = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z.coerce.number().int().positive().optional(),
);
