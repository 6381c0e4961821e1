export {
  HttpError,
  type ErrorBody,
  type ErrorDetail,
  type HttpErrorOptions,
} from './http-error.js';
export { isLoopbackHost } from './hosts.js';
export { serveUntilSignal, type ServeLogger, type ServeOptions } from './serve.js';
