export {
  ConvoyClient,
  type ArtifactDownload,
  type ConvoyClientOptions,
  type DownloadOptions,
  type ListJobsQuery,
} from './convoy-client.js';
export {
  ApiError,
  ApiUnreachableError,
  JobNotFoundError,
  UnexpectedResponseError,
} from './errors.js';
export type { JobEvent, JobEventsOptions } from './job-events.js';
export type { RetryOptions } from './retry.js';
export type {
  ArtifactItem,
  ArtifactList,
  CancelRequested,
  CreatedJob,
  CreateJobRequest,
  EpochEvent,
  Health,
  JobCancelled,
  JobDeleted,
  JobList,
  JobView,
  ProgressEvent,
  UpdateJobRequest,
} from '@convoy/schemas';
