import { colormapTable, lutIndex } from './colormap.js';
import {
  checkFormat,
  createSurface,
  encode,
  font,
  measuringContext,
  type ImageFormat,
  type RenderedImage,
} from './surface.js';
import { formatTick, niceStep, niceTicks } from './ticks.js';

export interface ConfusionMatrixOptions {
  /** Divide each row (true class) by its total, so cells are recall fractions. */
  normalize?: boolean;
  title?: string;
  /** A colorbar on the right; default true. */
  colorbar?: boolean;
  format?: ImageFormat;
}

const NAME_FONT_PX = 12;
const LABEL_FONT_PX = 13;
const TITLE_FONT_PX = 15;

/**
 * A confusion matrix heatmap (rows: true class, columns: predicted class) in matplotlib's
 * `Blues`, with the count (or fraction) in each cell and class names on both axes, the predicted
 * ones rotated 45°.
 */
export function renderConfusionMatrix(
  matrix: readonly (readonly number[])[],
  classNames: readonly string[],
  options: ConfusionMatrixOptions = {},
): RenderedImage {
  const format = checkFormat(options.format);
  const n = matrix.length;
  if (n < 1) throw new RangeError('a confusion matrix needs at least one class');
  if (classNames.length !== n) {
    throw new RangeError(`${n} rows need ${n} class names, got ${classNames.length}`);
  }
  matrix.forEach((row, i) => {
    if (row.length !== n) throw new RangeError(`row ${i} has ${row.length} cells, expected ${n}`);
    if (!row.every((v) => Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`row ${i}: cells must be finite and non-negative`);
    }
  });
  const normalize = options.normalize === true;
  const values = matrix.map((row) => {
    if (!normalize) return [...row];
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total > 0 ? v / total : 0));
  });
  const max = Math.max(0, ...values.flat());
  const integer = !normalize && values.every((row) => row.every((v) => Number.isInteger(v)));
  const cellText = (v: number): string =>
    integer ? String(v) : normalize ? v.toFixed(2) : String(Number(v.toPrecision(3)));

  const cell = n <= 10 ? 44 : Math.max(14, Math.floor(480 / n));
  const gridSize = cell * n;
  const measure = measuringContext();
  measure.font = font(NAME_FONT_PX);
  const nameW = Math.ceil(Math.max(...classNames.map((c) => measure.measureText(c).width)));
  const rotatedH = Math.ceil(nameW * Math.SQRT1_2 + NAME_FONT_PX);
  const cellFontPx = Math.max(7, Math.min(12, Math.floor(cell * 0.28)));
  // Colorbar (0 … max) on the right.
  const barTicks = max > 0 ? niceTicks(0, max, 6) : [0];
  const barStep = max > 0 ? niceStep(0, max, 6) : 1;
  const barTextW = Math.ceil(
    Math.max(...barTicks.map((t) => measure.measureText(formatTick(t, barStep)).width)),
  );
  const showBar = options.colorbar !== false;
  const barGap = 16;
  const barW = 16;

  const left = 12 + LABEL_FONT_PX + 10 + nameW + 8;
  const top = options.title ? 14 + TITLE_FONT_PX + 14 : 16;
  const bottom = 6 + rotatedH + 8 + LABEL_FONT_PX + 12;
  const right = showBar ? barGap + barW + 8 + barTextW + 12 : 16;
  // Rotated names hang left of their column; keep the first ones inside the picture.
  const width = left + gridSize + right;
  const height = top + gridSize + bottom;
  const surface = createSurface(width, height, format);
  const { ctx } = surface;
  const lut = colormapTable('Blues');
  const colorOf = (t: number): { css: string; dark: boolean } => {
    const i = lutIndex(t) * 3;
    const [r, g, b] = [lut[i] ?? 0, lut[i + 1] ?? 0, lut[i + 2] ?? 0];
    return { css: `rgb(${r},${g},${b})`, dark: 0.299 * r + 0.587 * g + 0.114 * b < 140 };
  };

  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.font = font(cellFontPx);
  values.forEach((row, i) => {
    row.forEach((v, j) => {
      const { css, dark } = colorOf(max > 0 ? v / max : 0);
      const x = left + j * cell;
      const y = top + i * cell;
      ctx.fillStyle = css;
      ctx.fillRect(x, y, cell, cell);
      if (cell >= 18) {
        ctx.fillStyle = dark ? '#ffffff' : '#000000';
        ctx.fillText(cellText(v), x + cell / 2, y + cell / 2, cell - 2);
      }
    });
  });

  ctx.strokeStyle = '#000000';
  ctx.lineWidth = 1;
  ctx.strokeRect(left - 0.5, top - 0.5, gridSize + 1, gridSize + 1);

  // Class names: true classes to the left, predicted ones below, rotated 45°.
  ctx.fillStyle = '#000000';
  ctx.font = font(NAME_FONT_PX);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  classNames.forEach((name, i) => ctx.fillText(name, left - 6, top + i * cell + cell / 2));
  classNames.forEach((name, j) => {
    ctx.save();
    ctx.translate(left + j * cell + cell / 2, top + gridSize + 6);
    ctx.rotate(-Math.PI / 4);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(name, 0, 0);
    ctx.restore();
  });

  ctx.font = font(LABEL_FONT_PX);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText('predicted', left + gridSize / 2, height - 10);
  ctx.save();
  ctx.translate(12, top + gridSize / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'top';
  ctx.fillText('true', 0, 0);
  ctx.restore();

  if (options.title) {
    ctx.font = font(TITLE_FONT_PX);
    ctx.textBaseline = 'bottom';
    ctx.fillText(options.title, left + gridSize / 2, top - 10, width - 20);
  }

  if (showBar) {
    const barX = left + gridSize + barGap;
    for (let r = 0; r < gridSize; r++) {
      ctx.fillStyle = colorOf(1 - (r + 0.5) / gridSize).css;
      ctx.fillRect(barX, top + r, barW, 1);
    }
    ctx.strokeRect(barX + 0.5, top + 0.5, barW - 1, gridSize - 1);
    ctx.fillStyle = '#000000';
    ctx.font = font(NAME_FONT_PX);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.beginPath();
    for (const t of barTicks) {
      const y = max > 0 ? top + gridSize - (t / max) * gridSize : top + gridSize;
      const py = Math.round(y) + 0.5;
      ctx.moveTo(barX + barW, py);
      ctx.lineTo(barX + barW + 4, py);
      ctx.fillText(formatTick(t, barStep), barX + barW + 7, y);
    }
    ctx.stroke();
  }
  return encode(surface);
}
