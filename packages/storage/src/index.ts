export type { ArtifactInfo, ArtifactStore, ByteRange, JobArtifacts } from './artifact-store.js';
export { writeFileAtomic } from './atomic-write.js';
export { LocalArtifactStore } from './local-artifact-store.js';
export { DEFAULT_MULTIPART_THRESHOLD, S3ArtifactStore } from './s3-artifact-store.js';
export type { S3ArtifactStoreOptions } from './s3-artifact-store.js';
export {
  ARTIFACT_STORE_ENVIRONMENT,
  artifactStoreConfigOptions,
  artifactStoreSettings,
  createArtifactStore,
} from './create-artifact-store.js';
export type { ArtifactStoreOptions } from './create-artifact-store.js';
export {
  ArtifactStoreConfigError,
  artifactsUrlSchema,
  parseArtifactsUrl,
  s3EndpointSchema,
  s3ForcePathStyleSchema,
} from './artifacts-url.js';
export type { ArtifactsLocation } from './artifacts-url.js';
export { createLocalJobArtifacts } from './local-job-directory.js';
export {
  JOB_ID_PATTERN,
  MAX_ARTIFACT_PATH_LENGTH,
  MAX_ARTIFACT_PATH_SEGMENTS,
  assertValidJobId,
  isValidArtifactPath,
  isValidJobId,
  parseArtifactPath,
} from './artifact-path.js';
export {
  ArtifactNotFoundError,
  InvalidArtifactPathError,
  StorageError,
  StorageUnavailableError,
} from './errors.js';
export type { StorageErrorCode } from './errors.js';
export {
  applyUpload,
  DEFAULT_UPLOAD_QUEUE_OPTIONS,
  UploadQueue,
  uploadSize,
} from './upload-queue.js';
export type { ArtifactUpload, UploadQueueOptions, UploadSink } from './upload-queue.js';
