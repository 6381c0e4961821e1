import { S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { ArtifactStore } from './artifact-store.js';
import {
  ArtifactStoreConfigError,
  artifactsUrlSchema,
  parseArtifactsUrl,
  s3EndpointSchema,
  s3ForcePathStyleSchema,
} from './artifacts-url.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';
import type { S3ArtifactStoreOptions } from './s3-artifact-store.js';

/** The environment variable of each option, for the apps' config readers. */
export const ARTIFACT_STORE_ENVIRONMENT = {
  artifactsUrl: 'ARTIFACTS_URL',
  artifactsDir: 'ARTIFACTS_DIR',
  s3Endpoint: 'S3_ENDPOINT',
  s3ForcePathStyle: 'S3_FORCE_PATH_STYLE',
} as const;

/**
 * The store's options in an app's zod config schema (ARTIFACTS_DIR stays the app's own, with its
 * default); their variables are in ARTIFACT_STORE_ENVIRONMENT.
 */
export const artifactStoreConfigOptions = {
  artifactsUrl: artifactsUrlSchema.optional(),
  s3Endpoint: s3EndpointSchema.optional(),
  s3ForcePathStyle: s3ForcePathStyleSchema.optional(),
};

/** The options of createArtifactStore that an app's config carries: plain data, fit to send to a thread. */
export function artifactStoreSettings(config: ArtifactStoreOptions): ArtifactStoreOptions {
  return {
    artifactsUrl: config.artifactsUrl,
    artifactsDir: config.artifactsDir,
    s3Endpoint: config.s3Endpoint,
    s3ForcePathStyle: config.s3ForcePathStyle,
  };
}

export interface ArtifactStoreOptions {
  /** ARTIFACTS_URL: `file:///absolute/dir` or `s3://bucket[/prefix]`; wins over artifactsDir. */
  readonly artifactsUrl?: string | undefined;
  /** ARTIFACTS_DIR: the local store's directory when there is no URL (the default until now). */
  readonly artifactsDir?: string | undefined;
  /** S3_ENDPOINT: an S3-compatible service's URL (MinIO, R2, Ceph…); default: AWS's own. */
  readonly s3Endpoint?: string | undefined;
  /** S3_FORCE_PATH_STYLE: the bucket in the URL's path instead of its host name. */
  readonly s3ForcePathStyle?: boolean | undefined;
  /**
   * More S3 client settings, over the defaults here. Whatever is left out — region, credentials,
   * retries, checksum mode — comes from the AWS SDK's own chain (AWS_REGION, AWS_ACCESS_KEY_ID,
   * AWS_PROFILE, ~/.aws, instance and container roles…).
   */
  readonly s3Client?: S3ClientConfig | undefined;
  /** Multipart threshold, page and batch sizes of the S3 store. */
  readonly s3Store?: Omit<S3ArtifactStoreOptions, 'client' | 'bucket' | 'prefix'> | undefined;
}

/**
 * Timeouts so that an unreachable or stalled S3 ends in StorageUnavailableError instead of a
 * request that never settles (the SDK has none by default). The socket timeout is inactivity,
 * not duration: a large transfer that keeps moving is not cut.
 */
const DEFAULT_S3_REQUEST_HANDLER = { connectionTimeout: 5_000, socketTimeout: 60_000 };

/**
 * The artifact store the configuration names: the local directory of ARTIFACTS_URL=file:///…
 * (or of ARTIFACTS_DIR when ARTIFACTS_URL is unset), or the bucket and prefix of
 * ARTIFACTS_URL=s3://…
 *
 * @throws ArtifactStoreConfigError for a URL or endpoint that does not parse, or neither a URL nor
 *   a directory
 */
export function createArtifactStore(options: ArtifactStoreOptions): ArtifactStore {
  const { artifactsUrl, artifactsDir } = options;
  if (artifactsUrl === undefined) {
    if (artifactsDir === undefined || artifactsDir === '') {
      throw new ArtifactStoreConfigError('set ARTIFACTS_URL or ARTIFACTS_DIR');
    }
    return new LocalArtifactStore(artifactsDir);
  }
  const location = parseArtifactsUrl(artifactsUrl);
  if (location.kind === 'file') return new LocalArtifactStore(location.directory);
  return new S3ArtifactStore({
    ...options.s3Store,
    client: new S3Client(s3ClientConfig(options)),
    ownsClient: true,
    bucket: location.bucket,
    prefix: location.prefix,
  });
}

function s3ClientConfig(options: ArtifactStoreOptions): S3ClientConfig {
  const config: S3ClientConfig = { requestHandler: DEFAULT_S3_REQUEST_HANDLER };
  if (options.s3Endpoint !== undefined) {
    const endpoint = s3EndpointSchema.safeParse(options.s3Endpoint);
    if (!endpoint.success) throw new ArtifactStoreConfigError(endpoint.error.issues[0]?.message);
    config.endpoint = endpoint.data;
  }
  if (options.s3ForcePathStyle !== undefined) config.forcePathStyle = options.s3ForcePathStyle;
  return { ...config, ...options.s3Client };
}
