import { constants, crc32, deflateSync } from 'node:zlib';
import { Scratch } from './scratch.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** PNG's per-row filter types (the first byte of every filtered row). */
const FILTER_SUB = 1;
const FILTER_UP = 2;
/** 8-bit RGB (colour type 2): every picture here is opaque. */
const COLOR_TYPE_RGB = 2;

function pngChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * PNG's filtered scanlines of an RGB raster, into `out`. Pictures of upscaled tiles repeat each
 * row many times: a row equal to the one above is "up"-filtered, which makes it all zeros (a
 * memset, no pass in JavaScript). Any other row is "sub"-filtered: within a row each data pixel
 * repeats `scale` times, so that too is mostly zeros.
 */
export function filterRows(
  rgb: Buffer,
  width: number,
  height: number,
  out: Buffer = Buffer.allocUnsafe((width * 3 + 1) * height),
): Buffer {
  const row = width * 3;
  for (let y = 0; y < height; y++) {
    const start = y * row;
    const at = y * (row + 1);
    if (y > 0 && rgb.compare(rgb, start - row, start, start, start + row) === 0) {
      out[at] = FILTER_UP;
      out.fill(0, at + 1, at + 1 + row);
      continue;
    }
    out[at] = FILTER_SUB;
    for (let i = 0; i < 3 && i < row; i++) out[at + 1 + i] = rgb[start + i] ?? 0;
    for (let i = 3; i < row; i++) {
      out[at + 1 + i] = ((rgb[start + i] ?? 0) - (rgb[start + i - 3] ?? 0)) & 255;
    }
  }
  return out;
}

/** Filtered rows of pictures up to 16 MB are written into one reused buffer. */
const filtered = new Scratch(16 * 1024 * 1024);
const ENCODER = {};

/**
 * Encodes an opaque RGB raster (`width × height × 3` bytes, row-major) as a PNG.
 *
 * Why not cairo's encoder: node-canvas converts its premultiplied ARGB surface back to RGBA row
 * by row and deflates at level 6, whose lazy matcher walks every byte of the long zero runs that
 * filtered tiles make; with putImageData and the surface's own white fill that was most of a
 * feature-map grid's time. Deflate's run-length strategy finds exactly those runs (distance-1
 * matches) in a fraction of the time, and the files come out about as small (the colours of
 * neighbouring data pixels are unrelated, so longer-distance matches win little).
 */
export function encodePng(rgb: Buffer, width: number, height: number): Buffer {
  if (rgb.length !== width * height * 3) {
    throw new RangeError(`an RGB raster of ${width}×${height} needs ${width * height * 3} bytes`);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = COLOR_TYPE_RGB;
  // compression, filter method and interlace: 0 (deflate, adaptive filters, none)
  const size = (width * 3 + 1) * height;
  const idat = deflateSync(filterRows(rgb, width, height, filtered.take(ENCODER, size)), {
    level: 6,
    strategy: constants.Z_RLE,
  });
  return Buffer.concat([
    SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
