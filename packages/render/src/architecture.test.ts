import { describe, expect, it } from 'vitest';
import { formatShape, renderArchitecture, type ArchitectureLayer } from './architecture.js';
import { decode } from './png.test-helper.js';

const SEED_CNN: ArchitectureLayer[] = [
  { name: 'conv2d', className: 'Conv2D', outputShape: [null, 28, 28, 32], params: 320 },
  { name: 'max_pooling2d', className: 'MaxPooling2D', outputShape: [null, 14, 14, 32], params: 0 },
  { name: 'conv2d_1', className: 'Conv2D', outputShape: [null, 14, 14, 64], params: 18496 },
  { name: 'max_pooling2d_1', className: 'MaxPooling2D', outputShape: [null, 7, 7, 64], params: 0 },
  { name: 'flatten', className: 'Flatten', outputShape: [null, 3136], params: 0 },
  { name: 'dense', className: 'Dense', outputShape: [null, 100], params: 313700 },
  { name: 'dropout', className: 'Dropout', outputShape: [null, 100], params: 0 },
  { name: 'dense_1', className: 'Dense', outputShape: [null, 10], params: 1010 },
];

describe('renderArchitecture', () => {
  it('formats shapes as Keras prints them', () => {
    expect(formatShape([null, 28, 28, 1])).toBe('(None, 28, 28, 1)');
    expect(formatShape([null])).toBe('(None,)');
  });

  it('renders the seed CNN as a decodable PNG', async () => {
    const image = renderArchitecture({ layers: SEED_CNN });
    const png = await decode(image);
    expect([png.width, png.height]).toEqual([image.width, image.height]);
    expect(png.width).toBeGreaterThan(200);
    // Box outlines are black; the background white.
    expect(png.pixel(2, 2).slice(0, 3)).toEqual([255, 255, 255]);
  });

  it('grows taller with every layer', () => {
    const heights = [1, 2, 4, 8].map(
      (n) => renderArchitecture({ layers: SEED_CNN.slice(0, n) }).height,
    );
    for (let i = 1; i < heights.length; i++) expect(heights[i]).toBeGreaterThan(heights[i - 1]!);
    const noInput = renderArchitecture({ layers: SEED_CNN }, { showInput: false });
    expect(noInput.height).toBeLessThan(heights[3]!);
  });

  it('scales for high-dpi screens', () => {
    const one = renderArchitecture({ layers: SEED_CNN });
    const two = renderArchitecture({ layers: SEED_CNN }, { scale: 2 });
    expect(two.width).toBe(one.width * 2);
    expect(two.height).toBe(one.height * 2);
  });

  it('rejects malformed shapes', () => {
    const bad = [{ name: 'x', className: 'Dense', outputShape: [null, -1], params: 0 }];
    expect(() => renderArchitecture({ layers: bad })).toThrow(RangeError);
  });
});
