import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLASS_NAMES } from '@convoy/schemas';
import { VisualizationInputError } from './errors.js';
import {
  decodeInputImage,
  decodePngImage,
  encodeGrayscalePng,
  inputImageSha256,
  pngBytesFromBase64,
  testImage,
  uploadedImage,
  type LabelledImages,
} from './input-image.js';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const COLOR_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * A minimal PNG encoder (8-bit, one IDAT): `pixel(x, y)` gives the channel values of a pixel for
 * the colour type (0 gray, 2 RGB, 4 gray+alpha, 6 RGBA); rows use filter `filter` (0 none, 1 sub).
 */
function encodePng(
  width: number,
  height: number,
  colorType: 0 | 2 | 4 | 6,
  pixel: (x: number, y: number) => number[],
  filter: 0 | 1 = 0,
): Buffer {
  const channels = COLOR_CHANNELS[colorType]!;
  const raw = Buffer.alloc(height * (1 + width * channels));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * channels);
    raw[row] = filter;
    for (let x = 0; x < width; x++) {
      const values = pixel(x, y);
      for (let c = 0; c < channels; c++) {
        const at = row + 1 + x * channels + c;
        const left = x > 0 ? (pixel(x - 1, y)[c] ?? 0) : 0;
        raw[at] = filter === 1 ? ((values[c] ?? 0) - left + 256) % 256 : (values[c] ?? 0);
      }
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

const gray = (x: number, y: number) => (x * 9 + y * 3) % 256;
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function inputError(action: () => unknown): VisualizationInputError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(VisualizationInputError);
    expect((error as VisualizationInputError).code).toBe('invalid-image');
    return error as VisualizationInputError;
  }
  throw new Error('expected a VisualizationInputError');
}

describe('decoding an uploaded PNG', () => {
  it('reads an 8-bit grayscale 28×28 PNG as pixel / 255, row-major', () => {
    for (const filter of [0, 1] as const) {
      const png = encodePng(28, 28, 0, (x, y) => [gray(x, y)], filter);
      const pixels = decodeInputImage(base64(png));
      expect(pixels).toHaveLength(784);
      expect(pixels[0]).toBe(0);
      expect(pixels[28 * 2 + 5]).toBeCloseTo(gray(5, 2) / 255, 7);
      expect(Array.from(pixels)).toEqual(
        Array.from({ length: 784 }, (_, i) => Math.fround(gray(i % 28, Math.floor(i / 28)) / 255)),
      );
    }
  });

  it('accepts a data: URL and turns RGB into luminance', () => {
    const rgb = encodePng(28, 28, 2, (x, y) => [gray(x, y), 255 - gray(x, y), 7]);
    const pixels = decodeInputImage(`data:image/png;base64,${base64(rgb)}`);
    const expected = (x: number, y: number) =>
      (0.299 * gray(x, y) + 0.587 * (255 - gray(x, y)) + 0.114 * 7) / 255;
    expect(pixels[0]).toBeCloseTo(expected(0, 0), 6);
    expect(pixels[28 * 27 + 27]).toBeCloseTo(expected(27, 27), 6);
    // A gray picture stored as RGB decodes exactly like the grayscale file.
    const grayRgb = encodePng(28, 28, 2, (x, y) => [gray(x, y), gray(x, y), gray(x, y)]);
    const grayOnly = encodePng(28, 28, 0, (x, y) => [gray(x, y)]);
    expect(Array.from(decodeInputImage(base64(grayRgb)))).toEqual(
      Array.from(decodeInputImage(base64(grayOnly))),
    );
  });

  it('composites transparency over the black background (gray+alpha and RGBA)', () => {
    const rgba = encodePng(28, 28, 6, (x) => [200, 200, 200, x === 0 ? 0 : x === 1 ? 255 : 51]);
    const pixels = decodePngImage(rgba);
    expect(pixels[0]).toBe(0);
    expect(pixels[1]).toBeCloseTo(200 / 255, 6);
    expect(pixels[2]).toBeCloseTo((200 * 0.2) / 255, 6);
    const grayAlpha = encodePng(28, 28, 4, (x, y) => [gray(x, y), 255]);
    expect(Array.from(decodePngImage(grayAlpha))).toEqual(
      Array.from(decodePngImage(encodePng(28, 28, 0, (x, y) => [gray(x, y)]))),
    );
  });

  it('rejects other sizes, truncated or corrupt files and other formats', () => {
    const good = encodePng(28, 28, 0, (x, y) => [gray(x, y)]);
    expect(inputError(() => decodePngImage(encodePng(27, 28, 0, () => [0]))).message).toBe(
      'the image is 27×28; it must be 28×28 pixels',
    );
    expect(inputError(() => decodePngImage(encodePng(28, 29, 2, () => [0, 0, 0]))).message).toMatch(
      /28×29/,
    );
    // Truncated: in the image data, and before the header ends.
    expect(inputError(() => decodePngImage(good.subarray(0, good.length - 20))).message).toBe(
      'the PNG file is truncated (in its IDAT chunk)',
    );
    expect(inputError(() => decodePngImage(good.subarray(0, good.length - 12))).message).toBe(
      'the PNG file is truncated (no IEND chunk)',
    );
    expect(inputError(() => decodePngImage(good.subarray(0, 20))).message).toMatch(/truncated/);
    // A flipped byte in the IDAT data fails its CRC.
    const badCrc = Buffer.from(good);
    const idat = badCrc.indexOf('IDAT', 0, 'latin1');
    badCrc[idat + 6] = (badCrc[idat + 6] ?? 0) ^ 0xff;
    expect(inputError(() => decodePngImage(badCrc)).message).toBe(
      'the PNG file is corrupt (the CRC of its IDAT chunk is wrong)',
    );
    // Valid chunks around image data that is not a zlib stream: pngjs's error, wrapped.
    const bogus = Buffer.from(good);
    const idatLength = bogus.readUInt32BE(idat - 4);
    bogus.fill(0x55, idat + 4, idat + 4 + idatLength);
    bogus.writeUInt32BE(crc32(bogus.subarray(idat, idat + 4 + idatLength)), idat + 4 + idatLength);
    expect(inputError(() => decodePngImage(bogus)).message).toMatch(
      /^the PNG file is corrupt or truncated \(.+\)$/,
    );
    // A JPEG.
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1);
    expect(inputError(() => decodeInputImage(base64(jpeg))).message).toBe(
      'the image is not a PNG file',
    );
    expect(inputError(() => decodeInputImage('')).message).toBe('the image is not a PNG file');
    expect(inputError(() => decodeInputImage('not base64!')).message).toMatch(/base64/);
    expect(
      inputError(() => decodePngImage(Buffer.concat([good, Buffer.from('junk')]))).message,
    ).toBe('the PNG file has data after its IEND chunk');
  });

  it('names an upload by the sha256 of its bytes', () => {
    const png = encodePng(28, 28, 0, (x, y) => [gray(x, y)]);
    const upload = uploadedImage(base64(png));
    expect(upload.input).toEqual({ source: 'upload', sha256: inputImageSha256(base64(png)) });
    expect(inputImageSha256(`data:image/png;base64,${base64(png)}`)).toBe(
      inputImageSha256(base64(png)),
    );
    expect(Buffer.from(pngBytesFromBase64(base64(png))).equals(png)).toBe(true);
    const unpadded = base64(png.subarray(1)).replace(/=+$/, '');
    expect(Buffer.from(pngBytesFromBase64(unpadded)).equals(png.subarray(1))).toBe(true);
    expect(() => pngBytesFromBase64('AAAAA')).toThrow(VisualizationInputError);
  });
});

describe('testImage', () => {
  const set: LabelledImages = {
    images: Uint8Array.from({ length: 3 * 784 }, (_, i) => i % 256),
    labels: Uint8Array.of(9, 0, 4),
    count: 3,
  };

  it('scales a test image by 1/255 and gives its label', () => {
    const { pixels, label, className, input } = testImage(set, 2);
    expect(pixels).toHaveLength(784);
    expect(pixels[0]).toBeCloseTo(((2 * 784) % 256) / 255, 7);
    expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
    expect([label, className]).toEqual([4, CLASS_NAMES[4]]);
    expect(input).toEqual({ source: 'test-set', sample: 2, label: 4, className: 'Coat' });
  });

  it('rejects an index outside the set', () => {
    for (const index of [-1, 3, 1.5]) {
      try {
        testImage(set, index);
        throw new Error('no error');
      } catch (error) {
        expect(error).toBeInstanceOf(VisualizationInputError);
        expect((error as VisualizationInputError).code).toBe('sample-out-of-range');
      }
    }
  });
});

describe('encodeGrayscalePng', () => {
  it('writes a grayscale PNG that decodes to the same pixels', () => {
    const pixels = Uint8Array.from({ length: 784 }, (_, index) => (index * 7) % 256);
    const png = encodeGrayscalePng(pixels);
    expect(png[25]).toBe(0); // IHDR colour type: grayscale
    const decoded = decodePngImage(png);
    expect(Array.from(decoded, (value) => Math.round(value * 255))).toEqual(Array.from(pixels));
    expect(() => encodeGrayscalePng(new Uint8Array(10))).toThrow(/784|28×28/);
  });
});
