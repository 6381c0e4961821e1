import { isLoopbackHost } from '@convoy/http';
import { ARTIFACT_STORE_ENVIRONMENT, artifactStoreConfigOptions } from '@convoy/storage';
import {
  allowedHostsSchema,
  apiTokenSchema,
  configReader,
  logLevelSchema,
  serverLimitsEnvironment,
  serverLimitsOptions,
} from '@convoy/schemas';
import { z } from 'zod';

export const DEFAULT_DASHBOARD_PORT = 3001;
export const DEFAULT_DASHBOARD_HOST = '127.0.0.1';
export const DEFAULT_API_URL = 'http://127.0.0.1:3000';
export const DEFAULT_ARTIFACTS_DIR = './var/artifacts';
/** Rendered PNGs kept in memory (bytes). */
export const DEFAULT_IMAGE_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Everything createDashboard needs. Environment variables map onto it in loadConfig; the options
 * without a variable (image cache size, waits, timeouts, where the browser scripts are) exist for
 * tests and embedding.
 */
export const dashboardConfigSchema = z.strictObject({
  port: z.coerce.number().int().min(0).max(65_535).default(DEFAULT_DASHBOARD_PORT),
  /** 127.0.0.1 by default; inside a container 0.0.0.0 (the dashboard has no login of its own). */
  host: z.string().min(1).default(DEFAULT_DASHBOARD_HOST),
  /**
   * Host names the dashboard answers to besides IP addresses, localhost and its bound host (a page
   * of another site whose name resolves here, DNS rebinding, must not act with the token).
   */
  allowedHosts: allowedHostsSchema.default([]),
  ...serverLimitsOptions,
  /** Where the Convoy API listens; the browser never talks to it directly. */
  apiUrl: z
    .string()
    .regex(/^https?:\/\/[^/?#]+(\/[^?#]*)?$/, 'API_URL must be an http:// or https:// URL')
    .default(DEFAULT_API_URL)
    .transform((url) => url.replace(/\/+$/, '')),
  /**
   * The API's queue page (bull-board) as the operator's browser reaches it, linked as "Queues" in
   * the navigation. Default: API_URL's `/admin/queues` when both the API and the dashboard are on
   * loopback addresses (the browser is on this machine, so it can reach the API too); otherwise no
   * link unless this is set.
   */
  queuesUrl: z
    .string()
    .regex(/^https?:\/\/[^/?#]+(\/[^?#]*)?$/, 'QUEUES_URL must be an http:// or https:// URL')
    .optional(),
  /** Sent to the API as `Authorization: Bearer <token>`; it stays on the server. */
  apiToken: apiTokenSchema.optional(),
  /** The API's and workers' artifact directory (read only): histories, summaries, tensors. */
  artifactsDir: z.string().min(1).default(DEFAULT_ARTIFACTS_DIR),
  /** ARTIFACTS_URL (file:// or s3://), S3_ENDPOINT, S3_FORCE_PATH_STYLE: where artifacts live. */
  ...artifactStoreConfigOptions,
  logLevel: logLevelSchema.default('info'),
  /** Largest total size of the rendered images kept in memory. */
  imageCacheBytes: z.int().min(0).default(DEFAULT_IMAGE_CACHE_BYTES),
  /**
   * How long an image request waits for a visualization job before answering 202 pending: a
   * stored result comes back within it, so the page shows it without a second round trip.
   */
  visualizationWaitMs: z.int().min(0).max(30_000).default(1_500),
  /** Time limit of the dashboard's own (non-streaming) calls to the API. */
  apiTimeoutMs: z.int().min(100).max(300_000).default(15_000),
  /** The compiled browser scripts (default: dist/public beside the server code). */
  publicDir: z.string().min(1).optional(),
});

export type DashboardConfig = z.output<typeof dashboardConfigSchema>;
export type DashboardConfigInput = z.input<typeof dashboardConfigSchema>;

const ENVIRONMENT_NAMES = {
  port: 'DASHBOARD_PORT',
  host: 'DASHBOARD_HOST',
  allowedHosts: 'DASHBOARD_ALLOWED_HOSTS',
  ...serverLimitsEnvironment('DASHBOARD'),
  apiUrl: 'API_URL',
  queuesUrl: 'QUEUES_URL',
  apiToken: 'API_TOKEN',
  ...ARTIFACT_STORE_ENVIRONMENT,
  logLevel: 'LOG_LEVEL',
} as const;

export const {
  createConfig,
  loadConfig,
  environmentVariables: DASHBOARD_ENVIRONMENT_VARIABLES,
} = configReader(dashboardConfigSchema, 'dashboard', ENVIRONMENT_NAMES);

export { isLoopbackHost };

/** Where the navigation's "Queues" link points, if anywhere (see `queuesUrl`). */
export function queuesLinkOf(config: DashboardConfig): string | undefined {
  if (config.queuesUrl !== undefined) return config.queuesUrl;
  const apiHost = new URL(config.apiUrl).hostname.replace(/^\[|\]$/g, '');
  return isLoopbackHost(apiHost) && isLoopbackHost(config.host)
    ? `${config.apiUrl}/admin/queues`
    : undefined;
}
