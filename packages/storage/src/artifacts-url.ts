import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isValidKeyPrefix } from './artifact-path.js';

/** Where ARTIFACTS_URL puts the artifacts: a local directory, or a bucket and a key prefix. */
export type ArtifactsLocation =
  | { readonly kind: 'file'; readonly directory: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string };

const EXPECTED = 'file:///absolute/directory or s3://bucket[/prefix]';
/** S3's bucket naming rules, short of the IP-address and reserved-suffix ones. */
const BUCKET_PATTERN = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The artifact store's settings are unusable; the message names the variable to fix. */
export class ArtifactStoreConfigError extends Error {
  override readonly name = 'ArtifactStoreConfigError';
}

/** Parses ARTIFACTS_URL; throws ArtifactStoreConfigError with a message that names the variable. */
export function parseArtifactsUrl(value: string): ArtifactsLocation {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw invalid(`is not a URL: use ${EXPECTED}`, error);
  }
  if (url.search !== '' || url.hash !== '') throw invalid('takes no ?query or #fragment');
  // URL parsing resolves them silently (`s3://bucket/a/../b` is `s3://bucket/b`): refuse instead.
  if (/\/(\.|%2e){1,2}(\/|$)/i.test(value)) throw invalid('may not have . or .. segments');
  if (url.protocol === 'file:') return parseFileUrl(value, url);
  if (url.protocol === 's3:') return parseS3Url(url);
  throw invalid(`must be ${EXPECTED} (${url.protocol}// is not supported)`);
}

function parseFileUrl(value: string, url: URL): ArtifactsLocation {
  // `file:relative` and `file://host/…` parse, but do not name a local absolute directory.
  if (!/^file:\/\/(localhost)?\//i.test(value) || url.host !== '') {
    throw invalid('must name a local absolute directory: file:///srv/convoy/artifacts');
  }
  let directory: string;
  try {
    directory = fileURLToPath(url);
  } catch (error) {
    throw invalid('must name a local absolute directory: file:///srv/convoy/artifacts', error);
  }
  if (!isAbsolute(directory)) throw invalid('must name an absolute directory');
  return { kind: 'file', directory };
}

function parseS3Url(url: URL): ArtifactsLocation {
  if (url.username !== '' || url.password !== '' || url.port !== '') {
    throw invalid(
      'names only a bucket and a prefix: credentials come from the AWS SDK (AWS_ACCESS_KEY_ID…) and the endpoint from S3_ENDPOINT',
    );
  }
  const bucket = url.hostname;
  if (!BUCKET_PATTERN.test(bucket)) {
    throw invalid(
      `bucket ${JSON.stringify(bucket)} is not a valid bucket name (3–63 characters of a-z, 0-9, . and -)`,
    );
  }
  // A trailing slash is allowed (`s3://bucket/convoy/`); empty segments elsewhere are not.
  const prefix = url.pathname.replace(/^\//, '').replace(/\/$/, '');
  if (!isValidKeyPrefix(prefix)) {
    throw invalid(
      `prefix ${JSON.stringify(prefix)} must be /-separated segments of [A-Za-z0-9._-] (not . or ..)`,
    );
  }
  return { kind: 's3', bucket, prefix };
}

function invalid(problem: string, cause?: unknown): ArtifactStoreConfigError {
  return new ArtifactStoreConfigError(`ARTIFACTS_URL ${problem}`, { cause });
}

/** ARTIFACTS_URL, for the apps' zod config readers: the URL as given, once it parses. */
export const artifactsUrlSchema = z.string().superRefine((value, context) => {
  try {
    parseArtifactsUrl(value);
  } catch (error) {
    if (!(error instanceof ArtifactStoreConfigError)) throw error;
    context.addIssue({ code: 'custom', message: error.message });
  }
});

/** S3_ENDPOINT: an S3-compatible service (MinIO, R2, Ceph…) instead of AWS's own endpoints. */
export const s3EndpointSchema = z.url({
  protocol: /^https?$/,
  error: 'S3_ENDPOINT must be an http:// or https:// URL',
});

/** S3_FORCE_PATH_STYLE: `true` puts the bucket in the path (most MinIO setups), `false` in the host. */
export const s3ForcePathStyleSchema = z
  .enum(['true', 'false'], { error: 'S3_FORCE_PATH_STYLE must be true or false' })
  .transform((value) => value === 'true');
