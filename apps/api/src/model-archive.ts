import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MODEL_JSON_FILE, modelDirectory, modelJsonPath } from '@convoy/core';
import { modelArchiveQuerySchema } from '@convoy/schemas';
import { ArtifactNotFoundError, type ArtifactStore, type JobArtifacts } from '@convoy/storage';
import type { JobHandler } from './guards.js';
import { HttpError } from './http-error.js';
import { parseRequest } from './validation.js';

const BLOCK = 512;
/** A model saved during the download may prune the weights model.json named: read it again. */
const ATTEMPTS = 3;

/** One file of the archive: its name inside, size, and bytes (a buffer or a store stream). */
interface Entry {
  readonly name: string;
  readonly size: number;
  readonly modified: Date;
  readonly body: Buffer | Readable;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0');
}

/** A POSIX ustar header for a regular file (mode 0644). */
export function tarHeader(name: string, size: number, modified: Date): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(0o644, 8), 100, 8, 'ascii');
  header.write(octal(0, 8), 108, 8, 'ascii'); // uid
  header.write(octal(0, 8), 116, 8, 'ascii'); // gid
  header.write(octal(size, 12), 124, 12, 'ascii');
  header.write(octal(Math.floor(modified.getTime() / 1000), 12), 136, 12, 'ascii');
  header.write('        ', 148, 8, 'ascii'); // checksum: spaces while summing
  header.write('0', 156, 1, 'ascii'); // regular file
  header.write('ustar\u000000', 257, 8, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${octal(sum, 7)}\u0000 `, 148, 8, 'ascii');
  return header;
}

const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

/** The archive's bytes: header, content and padding per entry, then two zero blocks. */
async function* tarBytes(entries: readonly Entry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    yield tarHeader(entry.name, entry.size, entry.modified);
    let sent = 0;
    if (Buffer.isBuffer(entry.body)) {
      sent = entry.body.length;
      yield entry.body;
    } else {
      for await (const chunk of entry.body as AsyncIterable<Buffer>) {
        sent += chunk.length;
        yield chunk;
      }
    }
    // A size that changed under us would make every later header unreadable: stop instead.
    if (sent !== entry.size)
      throw new Error(`${entry.name}: ${sent} bytes, expected ${entry.size}`);
    yield Buffer.alloc(padding(entry.size));
  }
  yield Buffer.alloc(2 * BLOCK);
}

const archiveLength = (entries: readonly Entry[]): number =>
  entries.reduce((total, e) => total + BLOCK + e.size + padding(e.size), 2 * BLOCK);

/** The weight files model.json names, relative to its folder (`./weights-….bin`). */
function weightPaths(modelJson: Buffer, jobId: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(modelJson.toString('utf8'));
  } catch {
    throw new Error(`the model.json of ${jobId} is not JSON`);
  }
  const manifest = (parsed as { weightsManifest?: { paths?: unknown }[] }).weightsManifest ?? [];
  return manifest.flatMap((group) =>
    (Array.isArray(group.paths) ? group.paths : []).map((path) =>
      String(path).replace(/^\.\//, ''),
    ),
  );
}

/**
 * model.json (read whole: it is small) and an open stream of every weight file it names. The
 * weights are opened before anything is sent, so the archive holds one saved model: a model saved
 * meanwhile writes fresh weight files and prunes the old ones, in which case this starts again.
 */
async function openModel(
  artifacts: JobArtifacts,
  directory: string,
  folder: string,
): Promise<Entry[]> {
  for (let attempt = 1; ; attempt++) {
    const jsonPath = `${directory}/${MODEL_JSON_FILE}`;
    const info = await artifacts.stat(jsonPath);
    if (info === null) return [];
    const opened: Entry[] = [];
    try {
      const json = await artifacts.read(jsonPath);
      opened.push({
        name: `${folder}/${MODEL_JSON_FILE}`,
        size: json.length,
        modified: info.modified,
        body: json,
      });
      for (const path of weightPaths(json, artifacts.jobId)) {
        const { stream, info: weights } = await artifacts.open(`${directory}/${path}`);
        opened.push({
          name: `${folder}/${path}`,
          size: weights.size,
          modified: weights.modified,
          body: stream,
        });
      }
      return opened;
    } catch (error) {
      for (const entry of opened) if (!Buffer.isBuffer(entry.body)) entry.body.destroy();
      if (!(error instanceof ArtifactNotFoundError) || attempt === ATTEMPTS) throw error;
    }
  }
}

/**
 * `GET /v1/jobs/:id/model.tar[?weights=untrained]`: the best (or untrained) model in tfjs layers
 * format as one tar archive, `<id>-model/model.json` and its weight files, streamed from the
 * artifact store (local or S3) as it is read. 404 MODEL_NOT_FOUND while the job has none.
 */
export function downloadModelArchive(store: ArtifactStore): JobHandler {
  return async function modelArchive(request, response, found) {
    const { weights } = parseRequest(modelArchiveQuerySchema, request.query, 'query');
    const artifacts = store.job(found.id);
    const folder = `${found.id}-${weights === 'untrained' ? 'untrained-model' : 'model'}`;
    const entries = await openModel(artifacts, modelDirectory(weights), folder);
    if (entries.length === 0) {
      throw new HttpError(
        404,
        'MODEL_NOT_FOUND',
        `job ${found.id} has no ${weights} model yet (${modelJsonPath(weights)})`,
      );
    }
    response.set({
      'Content-Type': 'application/x-tar',
      'Content-Disposition': `attachment; filename="${folder}.tar"`,
      'Content-Length': String(archiveLength(entries)),
      'Cache-Control': 'no-store',
    });
    try {
      await pipeline(Readable.from(tarBytes(entries)), response);
    } catch (error) {
      for (const entry of entries) if (!Buffer.isBuffer(entry.body)) entry.body.destroy();
      if (!response.headersSent) throw error;
      // The client went away, or a file changed size mid-way: the response is cut short.
      request.log.warn({ err: error, jobId: found.id }, 'model archive ended early');
    }
  };
}
