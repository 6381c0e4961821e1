import { crc32, inflateSync } from 'node:zlib';
import type { Logger } from 'pino';

/**
 * Checks an uploaded visualization image at the API boundary, so a bad upload is a 400 and never a
 * failed job. Resolves to undefined for an acceptable image, or to the reason it is not.
 */
export type InputImageValidator = (base64Png: string) => Promise<string | undefined>;

export const IMAGE_SIZE = 28;

const DATA_URL_PREFIX = 'data:image/png;base64,';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Samples per pixel for each PNG colour type. */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const BIT_DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
/** Adam7 passes: x offset, y offset, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * Validates a base64 PNG (optionally a `data:image/png;base64,` URL) as a 28×28 image the model
 * can take: PNG signature, chunk CRCs, IHDR first with a legal colour type and bit depth, PLTE
 * where required, IDAT data that inflates to exactly the scanlines a 28×28 image has, each with a
 * legal filter byte, and IEND last. Any colour type is accepted (the worker converts to gray).
 *
 * This is the API's own check, free of tfjs. `decodeInputImage` of @convoy/model decodes the same
 * files for the worker; both reject what the other rejects.
 */
export function checkInputImage(base64Png: string): string | undefined {
  const text = base64Png.startsWith(DATA_URL_PREFIX)
    ? base64Png.slice(DATA_URL_PREFIX.length)
    : base64Png;
  if (text.length === 0 || text.length % 4 !== 0 || !BASE64.test(text)) {
    return 'the image is not valid base64 text';
  }
  return checkPng(Buffer.from(text, 'base64'));
}

/** checkInputImage alone: no decoder, no tfjs. */
export const validateInputImage: InputImageValidator = async (base64Png) =>
  checkInputImage(base64Png);

type Decoder = (base64Png: string) => unknown;

/**
 * The API's default: checkInputImage first (cheap), then the worker's own decoder,
 * `decodeInputImage` of @convoy/model, so an image the worker would refuse is a 400 here and never
 * a failed job. @convoy/model (and tfjs with it) is imported on the first upload only; if it cannot
 * be loaded, the structural check stands alone.
 */
export function createInputImageValidator(
  logger: Logger,
  loadDecoder: () => Promise<Decoder> = async () =>
    (await import('@convoy/model')).decodeInputImage,
): InputImageValidator {
  let decoder: Promise<Decoder | undefined> | undefined;
  return async function validateUpload(base64Png) {
    const problem = checkInputImage(base64Png);
    if (problem !== undefined) return problem;
    decoder ??= loadDecoder().catch((error: unknown) => {
      logger.warn(
        { err: error },
        'cannot load @convoy/model; uploads get the structural check only',
      );
      return undefined;
    });
    const decode = await decoder;
    try {
      decode?.(base64Png);
      return undefined;
    } catch (error) {
      // VisualizationInputError: the image is the caller's to fix.
      if (error instanceof Error && error.name === 'VisualizationInputError') return error.message;
      throw error;
    }
  };
}

function checkPng(bytes: Buffer): string | undefined {
  if (bytes.length < PNG_SIGNATURE.length || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
    return 'the image is not a PNG file';
  }
  let offset = PNG_SIGNATURE.length;
  let header: { bitDepth: number; colorType: number; interlace: number } | undefined;
  let sawPalette = false;
  let sawEnd = false;
  let idatState: 'none' | 'open' | 'closed' = 'none';
  const idat: Buffer[] = [];
  while (offset < bytes.length) {
    if (sawEnd) return 'the PNG file has data after its IEND chunk';
    if (offset + 12 > bytes.length) return 'the PNG file is truncated';
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) return 'the PNG file is truncated';
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== bytes.readUInt32BE(end - 4)) {
      return `the PNG file is corrupt (CRC mismatch in ${JSON.stringify(type)})`;
    }
    if (header === undefined && type !== 'IHDR') return 'the PNG file does not start with IHDR';
    if (type !== 'IDAT' && idatState === 'open') idatState = 'closed';
    switch (type) {
      case 'IHDR': {
        if (header !== undefined) return 'the PNG file has two IHDR chunks';
        if (length !== 13) return 'the PNG file has a malformed IHDR chunk';
        const width = data.readUInt32BE(0);
        const height = data.readUInt32BE(4);
        if (width !== IMAGE_SIZE || height !== IMAGE_SIZE) {
          return `the image is ${width}×${height}; it must be ${IMAGE_SIZE}×${IMAGE_SIZE} pixels`;
        }
        const [bitDepth = 0, colorType = 0, compression, filter, interlace = 0] = data.subarray(8);
        if (!BIT_DEPTHS[colorType]?.includes(bitDepth)) {
          return `the PNG file has an invalid colour type ${colorType} with bit depth ${bitDepth}`;
        }
        if (compression !== 0 || filter !== 0 || interlace > 1) {
          return 'the PNG file uses an unknown compression, filter or interlace method';
        }
        header = { bitDepth, colorType, interlace };
        break;
      }
      case 'PLTE':
        sawPalette = true;
        break;
      case 'IDAT':
        if (idatState === 'closed') return 'the PNG file has IDAT chunks that are not consecutive';
        idatState = 'open';
        idat.push(data);
        break;
      case 'IEND':
        sawEnd = true;
        break;
      default:
        // Ancillary chunks are fine; an unknown critical chunk (uppercase first letter) is not.
        if (/^[A-Z]/.test(type))
          return `the PNG file has an unknown critical chunk ${JSON.stringify(type)}`;
    }
    offset = end;
  }
  if (header === undefined) return 'the PNG file does not start with IHDR';
  if (!sawEnd) return 'the PNG file is truncated (no IEND chunk)';
  if (header.colorType === 3 && !sawPalette) return 'the PNG file is paletted but has no palette';
  if (idat.length === 0) return 'the PNG file has no image data';
  const rows = scanlines(header);
  const expected = rows.reduce((total, row) => total + row.count * (row.bytes + 1), 0);
  let pixels: Buffer;
  try {
    pixels = inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch {
    return 'the PNG file has corrupt image data';
  }
  if (pixels.length !== expected) return 'the PNG image data does not match its 28×28 size';
  let at = 0;
  for (const row of rows) {
    for (let line = 0; line < row.count; line += 1) {
      if ((pixels[at] ?? 255) > 4) return 'the PNG image data has an invalid filter type';
      at += row.bytes + 1;
    }
  }
  return undefined;
}

/** Scanline groups (count × bytes per line, filter byte excluded), one per Adam7 pass when interlaced. */
function scanlines(header: { bitDepth: number; colorType: number; interlace: number }) {
  const bitsPerPixel = (CHANNELS[header.colorType] ?? 1) * header.bitDepth;
  const lineBytes = (width: number) => Math.ceil((width * bitsPerPixel) / 8);
  if (header.interlace === 0) return [{ count: IMAGE_SIZE, bytes: lineBytes(IMAGE_SIZE) }];
  return ADAM7.map(([x, y, stepX, stepY]) => ({
    width: Math.ceil((IMAGE_SIZE - x) / stepX),
    height: Math.ceil((IMAGE_SIZE - y) / stepY),
  }))
    .filter((pass) => pass.width > 0 && pass.height > 0)
    .map((pass) => ({ count: pass.height, bytes: lineBytes(pass.width) }));
}
