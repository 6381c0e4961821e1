export {
  HttpError,
  type ErrorBody,
  type ErrorDetail,
  type HttpErrorOptions,
} from './http-error.js';
export { isLoopbackHost } from './hosts.js';
export { serveUntilSignal, type ServeLogger, type ServeOptions } from './serve.js';
// Re-exported so users of requestLogger also get pino-http's typing of `request.log`.
export type { HttpLogger } from 'pino-http';
export { requestLogger } from './request-logger.js';
