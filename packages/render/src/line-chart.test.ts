import { describe, expect, it } from 'vitest';
import { renderLearningCurves, renderLineChart } from './line-chart.js';
import { decode, type Decoded } from './png.test-helper.js';

const C0 = '#1f77b4';
const C1 = '#ff7f0e';

/** Mean y of the pixels of a colour in each column (undefined where there are none). */
function columnY(png: Decoded, hex: string): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  for (let x = 0; x < png.width; x++) {
    let sum = 0;
    let n = 0;
    for (let y = 0; y < png.height; y++) {
      if (png.is(x, y, hex, 10)) {
        sum += y;
        n++;
      }
    }
    out.push(n > 0 ? sum / n : undefined);
  }
  return out;
}

const SEED_HISTORY = [
  { epoch: 1, loss: 0.5226, accuracy: 0.8148, val_loss: 0.3283, val_accuracy: 0.8823 },
  { epoch: 2, loss: 0.3447, accuracy: 0.877, val_loss: 0.2821, val_accuracy: 0.895 },
  { epoch: 3, loss: 0.2924, accuracy: 0.8943, val_loss: 0.2594, val_accuracy: 0.8985 },
  { epoch: 4, loss: 0.2618, accuracy: 0.9046, val_loss: 0.2387, val_accuracy: 0.9109 },
  { epoch: 5, loss: 0.2392, accuracy: 0.9132, val_loss: 0.2278, val_accuracy: 0.9163 },
  { epoch: 6, loss: 0.219, accuracy: 0.9192, val_loss: 0.2297, val_accuracy: 0.9172 },
  { epoch: 7, loss: 0.2006, accuracy: 0.9255, val_loss: 0.2286, val_accuracy: 0.9179 },
];

describe('renderLineChart', () => {
  it('draws a decreasing series going down from left to right', async () => {
    const image = renderLineChart({ series: [{ label: '', values: [5, 4, 3, 2, 1] }] });
    expect([image.width, image.height]).toEqual([640, 480]);
    const png = await decode(image);
    const ys = columnY(png, C0)
      .map((y, x) => ({ x, y }))
      .filter((p): p is { x: number; y: number } => p.y !== undefined);
    expect(ys.length).toBeGreaterThan(300);
    for (let i = 1; i < ys.length; i++) {
      expect(ys[i]!.y, `column ${ys[i]!.x}`).toBeGreaterThanOrEqual(ys[i - 1]!.y - 1);
    }
    expect(ys[ys.length - 1]!.y - ys[0]!.y).toBeGreaterThan(250);
  });

  it('leaves gaps for missing values and dots lone points', async () => {
    const png = await decode(
      renderLineChart({ series: [{ label: '', values: [1, null, 3, undefined, Number.NaN, 2] }] }),
    );
    const cols = columnY(png, C0).filter((y) => y !== undefined).length;
    // Three lone points: three small dots, no lines between them.
    expect(cols).toBeGreaterThan(5);
    expect(cols).toBeLessThan(40);
  });

  it('honours size, labels and an empty chart', async () => {
    const png = await decode(
      renderLineChart({ series: [], width: 300, height: 200, ylabel: 'loss' }),
    );
    expect([png.width, png.height]).toEqual([300, 200]);
  });
});

describe('renderLearningCurves', () => {
  it('plots train (C0) and val (C1) loss; train goes down', async () => {
    const png = await decode(renderLearningCurves(SEED_HISTORY, { bestEpoch: 5 }));
    const train = columnY(png, C0);
    const val = columnY(png, C1);
    const xs = train.flatMap((y, x) => (y === undefined ? [] : [x]));
    expect(xs.length).toBeGreaterThan(300);
    expect(val.filter((y) => y !== undefined).length).toBeGreaterThan(300);
    const first = xs[0]!;
    const last = xs[xs.length - 1]!;
    const avg = (from: number, to: number) => {
      const ys = train.slice(from, to).filter((y): y is number => y !== undefined);
      return ys.reduce((a, b) => a + b, 0) / ys.length;
    };
    const quarter = Math.floor((last - first) / 4);
    expect(avg(first, first + quarter)).toBeLessThan(avg(last - quarter, last + 1) - 100);
  });

  it('plots accuracy going up', async () => {
    const png = await decode(renderLearningCurves(SEED_HISTORY, { metric: 'accuracy' }));
    const train = columnY(png, C0).flatMap((y, x) => (y === undefined ? [] : [{ x, y }]));
    const left = train.slice(0, 40).reduce((a, p) => a + p.y, 0) / 40;
    const right = train.slice(-40).reduce((a, p) => a + p.y, 0) / 40;
    expect(left).toBeGreaterThan(right + 100);
  });

  it('draws several runs on one chart', async () => {
    const other = SEED_HISTORY.slice(0, 4).map((h) => ({ ...h, loss: h.loss * 1.3 }));
    const png = await decode(
      renderLearningCurves([], {
        runs: [
          { label: 'cnn', history: SEED_HISTORY },
          { label: 'avgpool', history: other },
        ],
      }),
    );
    expect(columnY(png, C0).filter((y) => y !== undefined).length).toBeGreaterThan(300);
    expect(columnY(png, C1).filter((y) => y !== undefined).length).toBeGreaterThan(150);
  });

  it('renders a one-epoch history and an empty one', async () => {
    await expect(
      decode(renderLearningCurves(SEED_HISTORY.slice(0, 1), { bestEpoch: 1 })),
    ).resolves.toBeTruthy();
    await expect(decode(renderLearningCurves([]))).resolves.toBeTruthy();
  });
});
