import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import pngjs from 'pngjs';
import { CLASS_NAMES, IMAGE_PIXELS, IMAGE_SIZE, type VisualizationInput } from '@convoy/schemas';
import { VisualizationInputError } from './errors.js';

const { PNG } = pngjs;
const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const DATA_URL_PREFIX = 'data:image/png;base64,';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const invalid = (message: string, cause?: unknown) =>
  new VisualizationInputError(
    'invalid-image',
    message,
    cause === undefined ? undefined : { cause },
  );

/** The PNG file's bytes from base64 text, with or without a `data:image/png;base64,` prefix. */
export function pngBytesFromBase64(base64Png: string): Uint8Array {
  const text = base64Png.startsWith(DATA_URL_PREFIX)
    ? base64Png.slice(DATA_URL_PREFIX.length)
    : base64Png;
  // Padding may be left out, but a lone trailing character is never valid base64.
  if (text.length % 4 === 1 || !BASE64.test(text))
    throw invalid('the image is not valid base64 text');
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/**
 * Walks the chunks (length, type, data, CRC): IHDR first, IEND last with nothing after it, every
 * CRC right. Returns the IHDR size, read before anything is inflated so an odd size is never decoded.
 */
function checkPngChunks(bytes: Uint8Array): { width: number; height: number } {
  const isPng =
    bytes.length >= PNG_SIGNATURE.length &&
    PNG_SIGNATURE.every((byte, index) => bytes[index] === byte);
  if (!isPng) throw invalid('the image is not a PNG file');
  const file = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let size: { width: number; height: number } | undefined;
  let offset = PNG_SIGNATURE.length;
  for (;;) {
    if (offset === file.length) throw invalid('the PNG file is truncated (no IEND chunk)');
    if (offset + 12 > file.length) throw invalid('the PNG file is truncated');
    const length = file.readUInt32BE(offset);
    const type = file.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (end > file.length) throw invalid(`the PNG file is truncated (in its ${type} chunk)`);
    if (crc32(file.subarray(offset + 4, end - 4)) !== file.readUInt32BE(end - 4))
      throw invalid(`the PNG file is corrupt (the CRC of its ${type} chunk is wrong)`);
    if (!size) {
      if (type !== 'IHDR' || length !== 13)
        throw invalid('the PNG file is corrupt (it does not start with an IHDR chunk)');
      size = { width: file.readUInt32BE(offset + 8), height: file.readUInt32BE(offset + 12) };
    }
    offset = end;
    if (type === 'IEND') break;
  }
  if (offset !== file.length) throw invalid('the PNG file has data after its IEND chunk');
  return size;
}

/**
 * A 28×28 PNG as 784 pixel values in [0, 1], row-major, in Fashion-MNIST's convention (0 is the
 * black background, 1 full ink). Any PNG colour type and bit depth: colour becomes luminance
 * (ITU-R BT.601, as PIL's `convert('L')`), and transparency is composited over the black background.
 * Throws VisualizationInputError for anything that is not a valid 28×28 PNG (CRCs are checked).
 */
export function decodePngImage(bytes: Uint8Array): Float32Array {
  const { width, height } = checkPngChunks(bytes);
  if (width !== IMAGE_SIZE || height !== IMAGE_SIZE)
    throw invalid(`the image is ${width}×${height}; it must be ${IMAGE_SIZE}×${IMAGE_SIZE} pixels`);
  let rgba: Uint8Array;
  try {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    rgba = png.data;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalid(`the PNG file is corrupt or truncated (${reason})`, error);
  }
  if (rgba.length !== IMAGE_PIXELS * 4) throw invalid('the PNG file decoded to an unexpected size');
  const pixels = new Float32Array(IMAGE_PIXELS);
  for (let pixel = 0; pixel < IMAGE_PIXELS; pixel++) {
    const at = pixel * 4;
    const [red, green, blue, alpha] = [
      rgba[at] ?? 0,
      rgba[at + 1] ?? 0,
      rgba[at + 2] ?? 0,
      rgba[at + 3] ?? 0,
    ];
    const gray = red === green && green === blue ? red : 0.299 * red + 0.587 * green + 0.114 * blue;
    pixels[pixel] = (gray * alpha) / (255 * 255);
  }
  return pixels;
}

/**
 * A grayscale 8-bit PNG of `pixels` (0–255, row-major): what decodePngImage reads back, for
 * programs and tests that make an image to upload. Encoded by pngjs.
 */
export function encodeGrayscalePng(
  pixels: Uint8Array,
  width = IMAGE_SIZE,
  height = IMAGE_SIZE,
): Buffer {
  if (pixels.length !== width * height)
    throw new RangeError(`${width}×${height} pixels expected, got ${pixels.length}`);
  const png = new PNG({ width, height });
  pixels.forEach((value, index) => {
    png.data.set([value, value, value, 255], index * 4);
  });
  return PNG.sync.write(png, { colorType: 0, inputColorType: 6, bitDepth: 8 });
}

/** decodePngImage of a base64 PNG (the `image` of visualization params). */
export function decodeInputImage(base64Png: string): Float32Array {
  return decodePngImage(pngBytesFromBase64(base64Png));
}

/** sha256 (hex) of a base64 PNG's bytes: how a manifest and the cache key name an uploaded image. */
export function inputImageSha256(base64Png: string): string {
  return createHash('sha256').update(pngBytesFromBase64(base64Png)).digest('hex');
}

/** An input image for feature maps and predictions, and where it came from (for the manifest). */
export interface InputImage {
  /** 784 values in [0, 1], row-major 28×28. */
  readonly pixels: Float32Array;
  readonly input: VisualizationInput;
}

/** An uploaded base64 PNG as an input image; VisualizationInputError when it is not a 28×28 PNG. */
export function uploadedImage(base64Png: string): InputImage {
  return {
    pixels: decodeInputImage(base64Png),
    input: { source: 'upload', sha256: inputImageSha256(base64Png) },
  };
}

/** Images as @convoy/data holds them: `count` 28×28 uint8 images, row after row, and their labels. */
export interface LabelledImages {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface TestImage extends InputImage {
  readonly label: number;
  readonly className: string;
}

/** Test-set image `index` scaled to [0, 1] (the seed's `/255`), with its label; VisualizationInputError when out of range. */
export function testImage(set: LabelledImages, index: number): TestImage {
  if (!Number.isInteger(index) || index < 0 || index >= set.count)
    throw new VisualizationInputError(
      'sample-out-of-range',
      `sample ${index} is outside the test set (0 to ${set.count - 1})`,
    );
  const pixels = Float32Array.from(
    set.images.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS),
    (value) => value / 255,
  );
  const label = set.labels[index] ?? 0;
  const className = CLASS_NAMES[label] ?? `class ${label}`;
  return {
    pixels,
    label,
    className,
    input: { source: 'test-set', sample: index, label, className },
  };
}
