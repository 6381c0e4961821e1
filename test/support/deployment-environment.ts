// The environment variables a deployment file may set for each Convoy process: the ones its
// config reader reads (each app exports that list), plus the few that code other than Convoy's
// reads, named here once.
import { API_ENVIRONMENT_VARIABLES } from '@convoy/api';
import { DASHBOARD_ENVIRONMENT_VARIABLES } from '@convoy/dashboard';
import { WORKER_ENVIRONMENT_VARIABLES } from '@convoy/worker';

/**
 * Read by the AWS SDK for JavaScript itself, never by Convoy's config readers: region and
 * credentials (its default chain: static keys, a profile, a web identity for Kubernetes service
 * accounts) and its checksum settings, for S3-compatible services that reject the default ones.
 */
export const AWS_SDK_ENVIRONMENT_VARIABLES: readonly string[] = [
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_REQUEST_CHECKSUM_CALCULATION',
  'AWS_RESPONSE_CHECKSUM_VALIDATION',
];

/** NODE_ENV=production: what express and other Node libraries switch on (every image sets it). */
const NODE_RUNTIME = ['NODE_ENV'];
/** libtensorflow's own setting: several workers share one GPU's memory. */
const LIBTENSORFLOW = ['TF_FORCE_GPU_ALLOW_GROWTH'];

/** What each process may be given, by its entry point in the images. */
export const ENVIRONMENT_BY_ENTRY_POINT: Readonly<Record<string, readonly string[]>> = {
  'node apps/api/dist/main.js': [
    ...API_ENVIRONMENT_VARIABLES,
    ...AWS_SDK_ENVIRONMENT_VARIABLES,
    ...NODE_RUNTIME,
  ],
  'node apps/dashboard/dist/main.js': [
    ...DASHBOARD_ENVIRONMENT_VARIABLES,
    ...AWS_SDK_ENVIRONMENT_VARIABLES,
    ...NODE_RUNTIME,
  ],
  'node apps/worker/dist/main.js': [
    ...WORKER_ENVIRONMENT_VARIABLES,
    ...AWS_SDK_ENVIRONMENT_VARIABLES,
    ...NODE_RUNTIME,
    ...LIBTENSORFLOW,
  ],
};

/** The variables a process started by `entryPoint` may be given; throws for an unknown one. */
export function allowedEnvironment(entryPoint: string): ReadonlySet<string> {
  const names = ENVIRONMENT_BY_ENTRY_POINT[entryPoint];
  if (names === undefined) throw new Error(`not a Convoy process: ${entryPoint}`);
  return new Set(names);
}
