import { describe, expect, it } from 'vitest';
import {
  ArtifactStoreConfigError,
  artifactsUrlSchema,
  parseArtifactsUrl,
  s3EndpointSchema,
  s3ForcePathStyleSchema,
} from './artifacts-url.js';

describe('parseArtifactsUrl', () => {
  it.each([
    ['file:///srv/convoy/artifacts', { kind: 'file', directory: '/srv/convoy/artifacts' }],
    ['file:///srv/convoy/artifacts/', { kind: 'file', directory: '/srv/convoy/artifacts/' }],
    ['file://localhost/srv/artifacts', { kind: 'file', directory: '/srv/artifacts' }],
    ['file:///tmp/with%20space', { kind: 'file', directory: '/tmp/with space' }],
    ['s3://convoy-artifacts', { kind: 's3', bucket: 'convoy-artifacts', prefix: '' }],
    ['s3://convoy-artifacts/', { kind: 's3', bucket: 'convoy-artifacts', prefix: '' }],
    [
      's3://convoy.artifacts/team-a/convoy',
      { kind: 's3', bucket: 'convoy.artifacts', prefix: 'team-a/convoy' },
    ],
    ['s3://abc/team_a/v1.2/', { kind: 's3', bucket: 'abc', prefix: 'team_a/v1.2' }],
  ])('reads %s', (url, location) => {
    expect(parseArtifactsUrl(url)).toEqual(location);
  });

  it.each([
    ['', /is not a URL/],
    ['var/artifacts', /is not a URL/],
    ['/srv/artifacts', /is not a URL/],
    ['file:var/artifacts', /local absolute directory/],
    ['file://fileserver/share/artifacts', /local absolute directory/],
    ['file:///srv/artifacts?mode=fast', /no \?query/],
    ['file:///srv/../etc', /\. or \.\. segments/],
    ['http://minio:9000/bucket', /\(http:\/\/ is not supported\)/],
    ['s3:bucket/prefix', /not a valid bucket name/],
    ['s3://', /not a valid bucket name/],
    ['s3://ab', /not a valid bucket name/],
    ['s3://My_Bucket/x', /not a valid bucket name/],
    ['s3://bucket..name', /not a valid bucket name/],
    ['s3://key:secret@bucket/x', /credentials come from the AWS SDK/],
    ['s3://bucket:9000/x', /endpoint from S3_ENDPOINT/],
    ['s3://bucket/a//b', /prefix "a\/\/b"/],
    ['s3://bucket/a b', /prefix "a%20b"/],
    ['s3://bucket/a%2Fb', /prefix "a%2Fb"/],
    ['s3://bucket/a/../b', /\. or \.\. segments/],
    ['s3://bucket/%2e%2e/b', /\. or \.\. segments/],
    ['s3://bucket/x#y', /no \?query or #fragment/],
  ])('refuses %j, naming ARTIFACTS_URL', (url, problem) => {
    const error = (() => {
      try {
        parseArtifactsUrl(url);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ArtifactStoreConfigError);
    expect((error as Error).message).toMatch(/^ARTIFACTS_URL /);
    expect((error as Error).message).toMatch(problem);
  });
});

describe('the config schemas', () => {
  it('artifactsUrlSchema keeps a good URL as given and explains a bad one', () => {
    expect(artifactsUrlSchema.parse('s3://convoy/artifacts')).toBe('s3://convoy/artifacts');
    const parsed = artifactsUrlSchema.safeParse('ftp://example/x');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([
      'ARTIFACTS_URL must be file:///absolute/directory or s3://bucket[/prefix] (ftp:// is not supported)',
    ]);
  });

  it('s3EndpointSchema takes http(s) URLs only', () => {
    expect(s3EndpointSchema.parse('http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000');
    expect(s3EndpointSchema.parse('https://abc.r2.cloudflarestorage.com')).toBe(
      'https://abc.r2.cloudflarestorage.com',
    );
    for (const bad of ['minio:9000', 'ftp://minio', '']) {
      expect(s3EndpointSchema.safeParse(bad).error?.issues[0]?.message).toBe(
        'S3_ENDPOINT must be an http:// or https:// URL',
      );
    }
  });

  it('s3ForcePathStyleSchema takes true or false', () => {
    expect(s3ForcePathStyleSchema.parse('true')).toBe(true);
    expect(s3ForcePathStyleSchema.parse('false')).toBe(false);
    expect(s3ForcePathStyleSchema.safeParse('yes').error?.issues[0]?.message).toBe(
      'S3_FORCE_PATH_STYLE must be true or false',
    );
  });
});
