import { describe, expect, it } from 'vitest';
import { renderConfusionMatrix } from './confusion-matrix.js';
import { decode, hexOf, type Decoded } from './png.test-helper.js';

const EMPTY = '#f7fbff';
const DARKEST = '#08306b';

/** The bounding box of a colour's pixels. */
function bbox(png: Decoded, hex: string) {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      if (!png.is(x, y, hex)) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  }
  return { x0, y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

describe('renderConfusionMatrix', () => {
  it('gives the diagonal of a perfect classifier the darkest colour', async () => {
    const m = [
      [5, 0, 0],
      [0, 5, 0],
      [0, 0, 5],
    ];
    const png = await decode(renderConfusionMatrix(m, ['a', 'b', 'c'], { colorbar: false }));
    // Off-diagonal (empty) cells span the whole grid.
    const grid = bbox(png, EMPTY);
    expect(grid.w).toBe(grid.h);
    const cell = grid.w / 3;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const colour = hexOf(
          png.pixel(grid.x0 + j * cell + cell * 0.2, grid.y0 + i * cell + cell * 0.2),
        );
        expect(colour, `cell ${i},${j}`).toBe(i === j ? DARKEST : EMPTY);
      }
    }
  });

  it('normalizes rows and shades by value', async () => {
    const png = await decode(
      renderConfusionMatrix(
        [
          [8, 2],
          [1, 9],
        ],
        ['cat', 'dog'],
        { normalize: true, colorbar: false, title: 'normalized' },
      ),
    );
    // Cell (0, 1) = 0.2 is lighter than (0, 0) = 0.8, which is lighter than (1, 1) = 0.9.
    const dark = bbox(png, DARKEST);
    expect(dark.w).toBeGreaterThan(20);
    const cell = dark.w;
    const at = (i: number, j: number) => {
      const [r, g, b] = png.pixel(dark.x0 + (j - 1) * cell + 4, dark.y0 + (i - 1) * cell + 4);
      return r + g + b;
    };
    expect(at(0, 1)).toBeGreaterThan(at(0, 0));
    expect(at(0, 0)).toBeGreaterThan(at(1, 1));
  });

  it('rejects a matrix that does not match the class names', () => {
    expect(() => renderConfusionMatrix([[1, 2]], ['a'])).toThrow(RangeError);
    expect(() => renderConfusionMatrix([[1]], ['a', 'b'])).toThrow(RangeError);
    expect(() => renderConfusionMatrix([[-1]], ['a'])).toThrow(RangeError);
  });
});
