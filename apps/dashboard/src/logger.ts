import { pino, type Logger } from 'pino';
import type { DashboardConfig } from './config.js';

/** JSON lines on stdout; `silent` in tests. */
export function createLogger(level: DashboardConfig['logLevel']): Logger {
  return pino({ name: 'convoy-dashboard', level });
}
