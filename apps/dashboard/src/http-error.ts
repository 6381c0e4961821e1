import { HttpError, type ErrorDetail } from '@convoy/http';

export { HttpError, type ErrorBody, type ErrorDetail, type HttpErrorOptions } from '@convoy/http';

export const badRequest = (message: string, details?: readonly ErrorDetail[]) =>
  new HttpError(400, 'BAD_REQUEST', message, { details });

export const jobNotFound = (id: string) =>
  new HttpError(404, 'JOB_NOT_FOUND', `job ${JSON.stringify(id.slice(0, 80))} not found`);
