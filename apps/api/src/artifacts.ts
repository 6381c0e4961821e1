import { extname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import type { ArtifactInfo, ArtifactStore, ByteRange, JobArtifacts } from '@convoy/storage';
import type { ArtifactItem } from '@convoy/schemas';
import type { JobHandler } from './guards.js';
import { HttpError } from './http-error.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export function contentTypeOf(path: string): string {
  // .bin (tfjs weights), .f32 (raw tensors) and anything unknown: bytes.
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The object store's own (strong) ETag where there is one: S3 keeps whole seconds, so a file
 * rewritten within a second at the same size would otherwise keep its tag. Else size and
 * modification time, as `express.static` builds weak ETags.
 */
export function artifactEtag(info: ArtifactInfo): string {
  return info.etag ?? `W/"${info.size.toString(16)}-${info.modified.getTime().toString(16)}"`;
}

/** `GET /v1/jobs/:id/artifacts`: every file of the job, sorted by path. */
export function listArtifacts(store: ArtifactStore): JobHandler {
  return async function artifactList(_request, response, found) {
    const files = await store.job(found.id).list();
    const items: ArtifactItem[] = files.map((file) => ({
      path: file.path,
      size: file.size,
      modified: file.modified.toISOString(),
      url: `/v1/jobs/${found.id}/artifacts/${file.path}`,
    }));
    response.set('Cache-Control', 'no-cache').json({ items });
  };
}

/**
 * `GET /v1/jobs/:id/artifacts/<path>`: the file, streamed. Files such as history.json change while
 * a job trains, so responses carry an ETag and `Cache-Control: no-cache` (revalidate each time;
 * a match is a 304 without the body).
 */
export function downloadArtifact(store: ArtifactStore): JobHandler {
  return async function artifactDownload(request, response, found) {
    const path = rawArtifactPath(request);
    const artifacts = store.job(found.id);
    const range = await requestedRange(request, artifacts, path);
    const { stream, info } = await artifacts.open(path, range);
    response.set({
      'Content-Type': contentTypeOf(path),
      'Cache-Control': 'no-cache',
      'Accept-Ranges': 'bytes',
      ETag: artifactEtag(info),
      'Last-Modified': info.modified.toUTCString(),
    });
    if (request.fresh) {
      stream.destroy();
      response.status(304).end();
      return;
    }
    if (range) {
      response.status(206).set('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
    }
    response.set('Content-Length', String(range ? range.end - range.start + 1 : info.size));
    try {
      await pipeline(stream, response);
    } catch (error) {
      // The client went away mid-download (or the file vanished): nothing left to answer.
      if (!response.headersSent) throw error;
      request.log.debug({ err: error, path }, 'artifact download ended early');
    }
  };
}

/**
 * The artifact path exactly as the URL spells it, segment by segment: percent-decoded, but an
 * encoded `/` (or `\`) inside a segment is refused rather than turned into a separator. The store
 * then refuses `..`, `.`, empty segments and absolute paths, so `..%2F`, `%2e%2e` and `//etc` are
 * all 400 INVALID_ARTIFACT_PATH, and nothing is ever resolved outside the job's directory.
 */
export function rawArtifactPath(request: Request): string {
  const pathname = request.originalUrl.split('?')[0] ?? '';
  const match = /^\/v1\/jobs\/[^/]+\/artifacts\/(.*)$/.exec(pathname);
  const raw = match?.[1] ?? '';
  const segments = raw.split('/').map((segment) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw invalidPath(raw, 'malformed percent-encoding');
    }
    if (decoded.includes('/') || decoded.includes('\\')) {
      throw invalidPath(raw, 'an encoded path separator');
    }
    return decoded;
  });
  return segments.join('/');
}

function invalidPath(path: string, reason: string): HttpError {
  const shown = path.length > 80 ? `${path.slice(0, 80)}…` : path;
  return new HttpError(
    400,
    'INVALID_ARTIFACT_PATH',
    `invalid artifact path ${JSON.stringify(shown)}: ${reason}`,
  );
}

/**
 * The one byte range a `Range: bytes=…` header asks for (Express's range parser over the file's
 * size, which a stat gives first), or undefined for the whole file: no header, a stale If-Range,
 * or several ranges (answered whole, as HTTP allows). Unsatisfiable: 416.
 */
async function requestedRange(
  request: Request,
  artifacts: JobArtifacts,
  path: string,
): Promise<ByteRange | undefined> {
  if (request.headers.range === undefined) return undefined;
  const info = await artifacts.stat(path);
  if (info === null) return undefined; // open() answers the 404
  const ifRange = request.headers['if-range'];
  if (ifRange !== undefined && ifRange !== artifactEtag(info)) return undefined;
  const ranges = request.range(info.size, { combine: true });
  if (ranges === -1) {
    throw new HttpError(416, 'RANGE_NOT_SATISFIABLE', `the file has ${info.size} bytes`, {
      headers: { 'Content-Range': `bytes */${info.size}` },
    });
  }
  if (ranges === undefined || ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1)
    return undefined;
  const [only] = ranges;
  return only === undefined ? undefined : { start: only.start, end: only.end };
}
