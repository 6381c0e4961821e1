import { describe, expect, it } from 'vitest';
import { buildPng } from './api.test-helper.js';
import { checkInputImage } from './input-image.js';

const base64 = (bytes: Buffer) => bytes.toString('base64');

describe('checkInputImage', () => {
  it('accepts 28×28 PNGs of any 8-bit colour type, with or without a data: URL', () => {
    for (const colorType of [0, 2, 4, 6] as const) {
      expect(checkInputImage(base64(buildPng({ colorType }))), `colour type ${colorType}`).toBe(
        undefined,
      );
    }
    expect(checkInputImage(`data:image/png;base64,${base64(buildPng())}`)).toBeUndefined();
  });

  it('names what is wrong with a bad upload', () => {
    expect(checkInputImage('not base64!')).toMatch(/base64/);
    expect(checkInputImage('abcde')).toMatch(/base64/);
    expect(checkInputImage('abc')).toMatch(/not a PNG/);
    expect(checkInputImage(base64(Buffer.from('GIF89a not a png at all')))).toMatch(/not a PNG/);
    expect(checkInputImage(base64(buildPng({ width: 32, height: 32 })))).toMatch(/32×32/);
    expect(checkInputImage(base64(buildPng({ width: 28, height: 27 })))).toMatch(/28×27/);
    expect(checkInputImage(base64(buildPng({ width: 27 })))).toMatch(/27×28/);
    expect(checkInputImage(base64(buildPng({ corruptCrc: true })))).toMatch(/CRC/);
    expect(checkInputImage(base64(buildPng({ truncate: 60 })))).toMatch(/truncated/);
    const png = buildPng();
    expect(checkInputImage(base64(png.subarray(0, png.length - 12)))).toMatch(/IEND/);
  });
});
