import { pino, type Logger } from 'pino';
import type { ApiConfig } from './config.js';

/** JSON lines on stdout; `silent` in tests. */
export function createLogger(level: ApiConfig['logLevel']): Logger {
  return pino({ name: 'convoy-api', level });
}
