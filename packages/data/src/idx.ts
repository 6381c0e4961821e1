import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { writeFileAtomic } from '@convoy/storage';
import { DataSourceError, IdxFormatError, TruncatedFileError, errorMessage } from './errors.js';

/**
 * IDX format (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number `0x00 0x00 dtype ndims`,
 * then `ndims` big-endian uint32 dimension sizes, then the data in row-major order.
 * Only dtype uint8 is used by (Fashion-)MNIST, so only that is supported.
 */
export const IDX_DTYPE_UINT8 = 0x08;
/** Magic number of an image file: uint8, 3 dimensions (count, rows, columns). */
export const IMAGE_HEADER_MAGIC_NUM = 2051;
/** Magic number of a label file: uint8, 1 dimension (count). */
export const LABEL_HEADER_MAGIC_NUM = 2049;

const MAGIC_BYTES = 4;
const DIM_BYTES = 4;
const MAX_DIMS = 255;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

export interface IdxData {
  /** The 32-bit magic number, e.g. IMAGE_HEADER_MAGIC_NUM. */
  readonly magic: number;
  readonly dims: readonly number[];
  /** The payload; a view into the file's bytes, not a copy. */
  readonly data: Uint8Array;
}

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

/** Parses a complete, uncompressed IDX file; `fileName` is used in error messages. */
export function parseIdx(buffer: Uint8Array, fileName: string): IdxData {
  const fail = (message: string): IdxFormatError =>
    new IdxFormatError(`${fileName}: ${message}`, { file: fileName });
  if (buffer.length < MAGIC_BYTES) {
    throw new TruncatedFileError(
      `${fileName}: truncated: file has ${buffer.length} bytes, fewer than the ${MAGIC_BYTES}-byte IDX magic number`,
      { file: fileName },
    );
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const magic = view.getUint32(0);
  if (buffer[0] !== 0 || buffer[1] !== 0) {
    throw fail(`bad magic number ${hex(magic, 8)}: not an IDX file (must start with 0x0000)`);
  }
  const dtype = buffer[2] ?? 0;
  const ndims = buffer[3] ?? 0;
  if (dtype !== IDX_DTYPE_UINT8) {
    throw fail(
      `unsupported IDX data type ${hex(dtype, 2)} (magic ${hex(magic, 8)}); only uint8 (0x08) is supported`,
    );
  }
  if (ndims === 0) throw fail('bad magic number: IDX header declares 0 dimensions');

  const headerBytes = MAGIC_BYTES + ndims * DIM_BYTES;
  if (buffer.length < headerBytes) {
    throw new TruncatedFileError(
      `${fileName}: truncated: header of ${ndims} dimensions needs ${headerBytes} bytes but file has ${buffer.length} bytes`,
      { file: fileName },
    );
  }
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(MAGIC_BYTES + i * DIM_BYTES));
  const expectedBytes = idxByteLength(dims);
  if (buffer.length < expectedBytes) {
    throw new TruncatedFileError(
      `${fileName}: truncated: header says ${describeDims(dims)} (${expectedBytes} bytes) but file has ${buffer.length} bytes`,
      { file: fileName },
    );
  }
  if (buffer.length > expectedBytes) {
    throw fail(
      `${buffer.length - expectedBytes} trailing bytes: header says ${describeDims(dims)} (${expectedBytes} bytes) but file has ${buffer.length} bytes`,
    );
  }
  // A plain Uint8Array view, even of a Buffer: no copy, and it compares equal to other Uint8Arrays.
  const data = new Uint8Array(
    buffer.buffer,
    buffer.byteOffset + headerBytes,
    expectedBytes - headerBytes,
  );
  return { magic, dims, data };
}

/** Reads and parses an IDX file, gunzipping it when its name ends in .gz or its bytes are gzip. */
export async function readIdxFile(path: string): Promise<IdxData> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (error) {
    throw new DataSourceError(`${path}: cannot read: ${errorMessage(error)}`, {
      file: path,
      cause: error,
    });
  }
  const bytes = path.endsWith('.gz') || isGzip(raw) ? await gunzipFile(raw, path) : raw;
  return parseIdx(bytes, path);
}

/**
 * Writes `data` as a uint8 IDX file of shape `dims`, atomically (temp file + rename);
 * gzipped when `path` ends in .gz.
 */
export async function writeIdxFile(
  path: string,
  data: Uint8Array,
  dims: readonly number[],
): Promise<void> {
  const header = encodeHeader(dims, path);
  if (product(dims) !== data.length) {
    throw new IdxFormatError(
      `${path}: cannot write: dims ${dims.join('x')} hold ${product(dims)} bytes but data has ${data.length}`,
      { file: path },
    );
  }
  const chunks = path.endsWith('.gz')
    ? [await gzipAsync(Buffer.concat([header, data]))]
    : [header, data];
  await writeFileAtomic(dirname(path), basename(path), chunks);
}

/** Size of an uncompressed uint8 IDX file of shape `dims`: magic, one uint32 per dimension, data. */
export function idxByteLength(dims: readonly number[]): number {
  return MAGIC_BYTES + dims.length * DIM_BYTES + product(dims);
}

function encodeHeader(dims: readonly number[], path: string): Uint8Array {
  if (dims.length === 0 || dims.length > MAX_DIMS) {
    throw new IdxFormatError(
      `${path}: cannot write: IDX needs 1 to ${MAX_DIMS} dimensions, got ${dims.length}`,
      {
        file: path,
      },
    );
  }
  const header = new Uint8Array(MAGIC_BYTES + dims.length * DIM_BYTES);
  const view = new DataView(header.buffer);
  view.setUint32(0, (IDX_DTYPE_UINT8 << 8) | dims.length);
  dims.forEach((dim, i) => {
    if (!Number.isInteger(dim) || dim < 0 || dim > 0xffffffff) {
      throw new IdxFormatError(`${path}: cannot write: dimension ${i} is not a uint32: ${dim}`, {
        file: path,
      });
    }
    view.setUint32(MAGIC_BYTES + i * DIM_BYTES, dim);
  });
  return header;
}

async function gunzipFile(raw: Uint8Array, path: string): Promise<Buffer> {
  try {
    return await gunzipAsync(raw);
  } catch (error) {
    // zlib reports a cut-off stream as Z_BUF_ERROR ("unexpected end of file").
    if ((error as { code?: unknown }).code === 'Z_BUF_ERROR') {
      throw new TruncatedFileError(
        `${path}: truncated: gzip stream ends early (${raw.length} bytes)`,
        {
          file: path,
          cause: error,
        },
      );
    }
    throw new DataSourceError(`${path}: gunzip failed: ${errorMessage(error)}`, {
      file: path,
      cause: error,
    });
  }
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

function describeDims(dims: readonly number[]): string {
  const [count, rows, columns] = dims;
  if (dims.length === 3) return `${count} images of ${rows}x${columns}`;
  if (dims.length === 1) return `${count} labels`;
  return `shape ${dims.join('x')}`;
}

function product(dims: readonly number[]): number {
  return dims.reduce((total, dim) => total * dim, 1);
}

function hex(value: number, digits: number): string {
  return `0x${value.toString(16).padStart(digits, '0')}`;
}
