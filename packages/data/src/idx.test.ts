import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError, DataSourceError, IdxFormatError, TruncatedFileError } from './errors.js';
import { makeTempDir } from './fake-package.test-helper.js';
import {
  IMAGE_HEADER_MAGIC_NUM,
  LABEL_HEADER_MAGIC_NUM,
  idxByteLength,
  parseIdx,
  readIdxFile,
  writeIdxFile,
} from './idx.js';

/** An IDX header: 0x00 0x00 dtype ndims, then big-endian dims. */
function header(dtype: number, dims: number[]): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(bytes.buffer);
  bytes[2] = dtype;
  bytes[3] = dims.length;
  dims.forEach((dim, i) => view.setUint32(4 + 4 * i, dim));
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

const pixels = (count: number): Uint8Array =>
  Uint8Array.from({ length: count * 784 }, (_, i) => (i * 31) % 256);

describe('IDX files', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => undefined;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir('idx')));
  afterEach(async () => cleanup());

  it('round-trips images and labels through writeIdxFile and readIdxFile', async () => {
    const images = pixels(3);
    const labels = Uint8Array.from([9, 0, 4]);
    await writeIdxFile(join(dir, 'images'), images, [3, 28, 28]);
    await writeIdxFile(join(dir, 'labels'), labels, [3]);

    const readImages = await readIdxFile(join(dir, 'images'));
    expect(readImages.magic).toBe(IMAGE_HEADER_MAGIC_NUM);
    expect(readImages.dims).toEqual([3, 28, 28]);
    expect(readImages.data).toEqual(images);
    const readLabels = await readIdxFile(join(dir, 'labels'));
    expect(readLabels.magic).toBe(LABEL_HEADER_MAGIC_NUM);
    expect(readLabels.dims).toEqual([3]);
    expect(Array.from(readLabels.data)).toEqual([9, 0, 4]);
    expect((await readFile(join(dir, 'images'))).length).toBe(idxByteLength([3, 28, 28]));
  });

  it('writes the standard header bytes', async () => {
    await writeIdxFile(join(dir, 'labels'), Uint8Array.from([1, 2]), [2]);
    expect(Array.from(await readFile(join(dir, 'labels')))).toEqual([0, 0, 8, 1, 0, 0, 0, 2, 1, 2]);
  });

  it('gzips files named .gz and gunzips them on read', async () => {
    const images = pixels(2);
    const path = join(dir, 'train-images-idx3-ubyte.gz');
    await writeIdxFile(path, images, [2, 28, 28]);
    const raw = await readFile(path);
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b]);
    expect(raw.length).toBeLessThan(idxByteLength([2, 28, 28]));
    expect((await readIdxFile(path)).data).toEqual(images);
  });

  it('recognises gzip by its magic bytes when the name has no .gz', async () => {
    const path = join(dir, 'labels-without-extension');
    await writeFile(path, gzipSync(concat(header(8, [2]), Uint8Array.from([3, 4]))));
    expect(Array.from((await readIdxFile(path)).data)).toEqual([3, 4]);
  });

  it('leaves no temp files behind', async () => {
    await writeIdxFile(join(dir, 'a'), pixels(1), [1, 28, 28]);
    await writeIdxFile(join(dir, 'a'), pixels(2), [2, 28, 28]);
    expect(await readdir(dir)).toEqual(['a']);
    expect((await readIdxFile(join(dir, 'a'))).dims).toEqual([2, 28, 28]);
  });

  it('refuses to write data that does not fill the dims', async () => {
    await expect(writeIdxFile(join(dir, 'x'), pixels(2), [3, 28, 28])).rejects.toThrow(
      IdxFormatError,
    );
    await expect(writeIdxFile(join(dir, 'x'), pixels(1), [])).rejects.toThrow(IdxFormatError);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('parseIdx rejects malformed files, naming the file', () => {
  const name = 'train-images-idx3-ubyte.gz';

  function parseError(bytes: Uint8Array): DataError {
    try {
      parseIdx(bytes, name);
    } catch (error) {
      expect(error).toBeInstanceOf(DataError);
      expect((error as DataError).file).toBe(name);
      expect((error as Error).message.startsWith(`${name}: `)).toBe(true);
      return error as DataError;
    }
    throw new Error('parseIdx accepted malformed bytes');
  }

  it('wrong magic number', () => {
    const error = parseError(concat(Uint8Array.from([0x12, 0x34, 8, 1]), new Uint8Array(4)));
    expect(error).toBeInstanceOf(IdxFormatError);
    expect(error.message).toContain('bad magic number 0x12340801');
  });

  it('wrong data type', () => {
    const error = parseError(concat(header(0x0d, [1]), new Uint8Array(4)));
    expect(error).toBeInstanceOf(IdxFormatError);
    expect(error.message).toContain('unsupported IDX data type 0x0d');
  });

  it('zero dimensions', () => {
    expect(parseError(header(8, []))).toBeInstanceOf(IdxFormatError);
  });

  it('truncated magic number', () => {
    const error = parseError(Uint8Array.from([0, 0]));
    expect(error).toBeInstanceOf(TruncatedFileError);
    expect(error.message).toContain('truncated: file has 2 bytes');
  });

  it('truncated dimensions', () => {
    const error = parseError(header(8, [60000, 28, 28]).subarray(0, 10));
    expect(error).toBeInstanceOf(TruncatedFileError);
    expect(error.message).toBe(
      `${name}: truncated: header of 3 dimensions needs 16 bytes but file has 10 bytes`,
    );
  });

  it('truncated data', () => {
    const error = parseError(concat(header(8, [60000, 28, 28]), new Uint8Array(1184)));
    expect(error).toBeInstanceOf(TruncatedFileError);
    expect(error.message).toBe(
      `${name}: truncated: header says 60000 images of 28x28 (47040016 bytes) but file has 1200 bytes`,
    );
  });

  it('trailing bytes', () => {
    const error = parseError(concat(header(8, [2]), Uint8Array.from([1, 2, 3])));
    expect(error).toBeInstanceOf(IdxFormatError);
    expect(error.message).toBe(
      `${name}: 1 trailing bytes: header says 2 labels (10 bytes) but file has 11 bytes`,
    );
  });
});

describe('readIdxFile errors', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => undefined;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir('idx-errors')));
  afterEach(async () => cleanup());

  it('a missing file is a DataSourceError naming it', async () => {
    const path = join(dir, 't10k-labels-idx1-ubyte.gz');
    const error: unknown = await readIdxFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataSourceError);
    expect((error as DataSourceError).file).toBe(path);
    expect((error as Error).message).toContain(path);
    expect((error as Error).cause).toBeDefined();
  });

  it('a corrupt gzip stream is a DataSourceError', async () => {
    const path = join(dir, 'bad.gz');
    await writeFile(path, Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    await expect(readIdxFile(path)).rejects.toThrow(DataSourceError);
    await expect(readIdxFile(path)).rejects.toThrow(/bad\.gz: gunzip failed/);
  });

  it('a cut-off gzip stream is a TruncatedFileError', async () => {
    const path = join(dir, 'cut.gz');
    const gz = gzipSync(concat(header(8, [1000]), new Uint8Array(1000).fill(7)));
    await writeFile(path, gz.subarray(0, gz.length - 12));
    await expect(readIdxFile(path)).rejects.toThrow(TruncatedFileError);
    await expect(readIdxFile(path)).rejects.toThrow(/cut\.gz: truncated/);
  });

  it('a truncated uncompressed file is a TruncatedFileError naming the path', async () => {
    const path = join(dir, 'train-labels-idx1-ubyte');
    await writeFile(path, concat(header(8, [100]), new Uint8Array(40)));
    await expect(readIdxFile(path)).rejects.toThrow(
      `${path}: truncated: header says 100 labels (108 bytes) but file has 48 bytes`,
    );
  });
});
