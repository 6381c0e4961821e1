export {
  HttpError,
  type ErrorBody,
  type ErrorDetail,
  type HttpErrorOptions,
} from './http-error.js';
export {
  allowedHostsOnly,
  HostAllowList,
  isLoopbackHost,
  type HostAllowListOptions,
} from './hosts.js';
export { serveUntilSignal, type ServeLogger, type ServeOptions } from './serve.js';
export {
  createHttpServer,
  serverLimitsOf,
  timeoutCheckIntervalMs,
  type ServerLimits,
} from './server.js';
// Re-exported so users of requestLogger also get pino-http's typing of `request.log`.
export type { HttpLogger } from 'pino-http';
export { redactUrl, requestLogger } from './request-logger.js';
