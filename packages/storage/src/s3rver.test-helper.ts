import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { S3RVER_CREDENTIALS } from './s3rver.js';

export { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from './s3rver.js';

/** A client of `endpoint` with s3rver's account, path-style, and no waiting: one attempt, short timeouts. */
export function createTestS3Client(endpoint: string, overrides: S3ClientConfig = {}): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, socketTimeout: 5_000 },
    ...overrides,
  });
}

export async function createBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}
