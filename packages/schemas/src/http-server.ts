import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * What the API and the dashboard share about serving HTTP: the server's timeouts and connection
 * cap, and the host names they answer to (DNS rebinding). Each app maps these options onto its own
 * variables (`API_…`, `DASHBOARD_…`).
 */

export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_CONNECTIONS = 1_024;

const milliseconds = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Options of `createHttpServer` (@convoy/http), with their documented defaults. */
export const serverLimitsOptions = {
  /** Longest wait for a request's headers; at most requestTimeoutMs. */
  headersTimeoutMs: milliseconds(100, 300_000).default(DEFAULT_HEADERS_TIMEOUT_MS),
  /** Longest wait for a whole request, body included (responses such as event streams are not bounded by it). */
  requestTimeoutMs: milliseconds(100, 3_600_000).default(DEFAULT_REQUEST_TIMEOUT_MS),
  /** How long an idle keep-alive connection stays open; above a load balancer's idle timeout. */
  keepAliveTimeoutMs: milliseconds(0, 3_600_000).default(DEFAULT_KEEP_ALIVE_TIMEOUT_MS),
  /** Open connections at most; the server drops further ones at once. */
  maxConnections: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_MAX_CONNECTIONS),
};

/** `API_REQUEST_TIMEOUT_MS`, `API_KEEP_ALIVE_TIMEOUT_MS`, `API_MAX_CONNECTIONS` (or `DASHBOARD_…`). */
export function serverLimitsEnvironment<Prefix extends 'API' | 'DASHBOARD'>(prefix: Prefix) {
  return {
    requestTimeoutMs: `${prefix}_REQUEST_TIMEOUT_MS`,
    keepAliveTimeoutMs: `${prefix}_KEEP_ALIVE_TIMEOUT_MS`,
    maxConnections: `${prefix}_MAX_CONNECTIONS`,
  } as const;
}

/** A host name as the allow-lists hold it: lower case, no port, an IPv6 address without brackets. */
const HOST_NAME = /^\.?(?=[a-z0-9])[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})*$/;

/**
 * `API_ALLOWED_HOSTS`, `DASHBOARD_ALLOWED_HOSTS`: extra host names (comma-separated, no ports) a
 * server answers to. `.example.com` stands for example.com and every name under it.
 */
export const allowedHostsSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (typeof value === 'string' ? value.split(',') : value)
      .map((entry) =>
        entry
          .trim()
          .toLowerCase()
          .replace(/^\[(.*)\]$/, '$1'),
      )
      .filter((entry) => entry !== ''),
  )
  .pipe(
    z.array(
      z
        .string()
        .refine(
          (entry) => HOST_NAME.test(entry) || isIP(entry) !== 0,
          'each entry is a host name or address without a port (`.example.com` for a domain and its subdomains)',
        ),
    ),
  );
