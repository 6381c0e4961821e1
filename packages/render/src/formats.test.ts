import { describe, expect, it } from 'vitest';
import {
  renderArchitecture,
  renderConfusionMatrix,
  renderFeatureMaps,
  renderFilterGrid,
  renderHistogram,
  renderImageGrid,
  renderInputImage,
  renderLearningCurves,
  renderLineChart,
  type ImageFormat,
  type RenderedImage,
} from './index.js';

const renderers: Record<string, (format: ImageFormat) => RenderedImage> = {
  imageGrid: (format) =>
    renderImageGrid({
      tiles: [new Float32Array([0, 1, 2, 3])],
      tileWidth: 2,
      tileHeight: 2,
      format,
    }),
  filterGrid: (format) => renderFilterGrid(new Float32Array(9 * 32), [3, 3, 1, 32], { format }),
  featureMaps: (format) =>
    renderFeatureMaps(new Float32Array(14 * 14 * 64), [14, 14, 64], { format }),
  inputImage: (format) => renderInputImage(new Float32Array(784), { format }),
  histogram: (format) => renderHistogram({ values: new Float32Array([0, 1, 1, 2]), format }),
  lineChart: (format) => renderLineChart({ series: [{ label: 'a', values: [3, 2, 1] }], format }),
  learningCurves: (format) =>
    renderLearningCurves([{ epoch: 1, loss: 1, val_loss: 2 }], { format }),
  architecture: (format) =>
    renderArchitecture(
      { layers: [{ name: 'dense', className: 'Dense', outputShape: [null, 10], params: 7850 }] },
      { inputShape: [null, 784], format },
    ),
  confusionMatrix: (format) =>
    renderConfusionMatrix(
      [
        [1, 0],
        [0, 1],
      ],
      ['a', 'b'],
      { format },
    ),
};

describe.each(Object.entries(renderers))('%s', (_, render) => {
  it('encodes PNG, SVG and PDF', () => {
    const png = render('png');
    expect(png.data.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect(png.contentType).toBe('image/png');
    const svg = render('svg');
    expect(svg.data.subarray(0, 4).toString()).toBe('<svg');
    expect(svg.contentType).toBe('image/svg+xml');
    expect(svg.data.toString()).toContain(`width="${svg.width}" height="${svg.height}"`);
    const pdf = render('pdf');
    expect(pdf.data.subarray(0, 4).toString()).toBe('%PDF');
    expect(pdf.contentType).toBe('application/pdf');
    expect([svg.width, svg.height]).toEqual([png.width, png.height]);
  });

  it('rejects an unknown format', () => {
    expect(() => render('gif' as ImageFormat)).toThrow(RangeError);
  });
});
