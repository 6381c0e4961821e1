import { HttpError, type ErrorDetail } from '@convoy/http';

export { HttpError, type ErrorBody, type ErrorDetail, type HttpErrorOptions } from '@convoy/http';

export const jobNotFound = (id: string) =>
  new HttpError(404, 'JOB_NOT_FOUND', `job ${JSON.stringify(truncate(id))} not found`);

export const validationFailed = (message: string, details: readonly ErrorDetail[]) =>
  new HttpError(400, 'VALIDATION_FAILED', message, { details });

function truncate(text: string, limit = 80): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
