import {
  checkFormat,
  createSurface,
  encode,
  font,
  measuringContext,
  type ImageFormat,
  type RenderedImage,
} from './surface.js';

/** One row of the model summary (`summary.json`). */
export interface ArchitectureLayer {
  name: string;
  className: string;
  outputShape: readonly (number | null)[];
  params: number;
}

export interface ArchitectureOptions {
  /** The model's input shape; default [null, 28, 28, 1]. */
  inputShape?: readonly (number | null)[];
  /** Name of the input box; default `<first layer>_input`, as Keras names it. */
  inputName?: string;
  /** Draw the InputLayer box; default true. */
  showInput?: boolean;
  /** The input/output shape tables (`show_shapes=True`); default true. */
  showShapes?: boolean;
  /** Pixel density; 1 (default) is Keras' 96 dpi look, 2 for high-dpi screens. */
  scale?: number;
  format?: ImageFormat;
}

const FONT_PX = 14;
const PAD_X = 8;
const ROW_H = 24;
const GAP = 38;
const MARGIN = 16;
const ARROW = 9;

/** `(None, 28, 28, 32)`, as Keras prints a shape. */
export function formatShape(shape: readonly (number | null)[]): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

function checkShape(shape: unknown, what: string): readonly (number | null)[] {
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => d === null || (typeof d === 'number' && Number.isInteger(d) && d >= 0))
  ) {
    throw new RangeError(`${what} must be an array of non-negative integers or null`);
  }
  return shape as readonly (number | null)[];
}

interface Node {
  readonly title: string;
  readonly input: string;
  readonly output: string;
  readonly cols: readonly [number, number, number];
  readonly width: number;
  readonly height: number;
}

/**
 * The model as Keras' `plot_model(model, show_shapes=True)` draws it: an InputLayer box, then one
 * box per layer reading "name: ClassName" beside an input/output shape table, joined by arrows.
 */
export function renderArchitecture(
  summary: { layers: readonly ArchitectureLayer[] },
  options: ArchitectureOptions = {},
): RenderedImage {
  const format = checkFormat(options.format);
  const scale = options.scale ?? 1;
  if (!(scale > 0 && scale <= 8)) throw new RangeError(`scale must be in (0, 8], got ${scale}`);
  const showShapes = options.showShapes !== false;
  const layers = summary.layers;
  if (!Array.isArray(layers)) throw new RangeError('summary.layers must be an array');
  const inputShape = checkShape(options.inputShape ?? [null, 28, 28, 1], 'inputShape');

  const rows: { title: string; input: string; output: string }[] = [];
  if (options.showInput !== false) {
    const shape = `[${formatShape(inputShape)}]`;
    const name = options.inputName ?? `${layers[0]?.name ?? 'input'}_input`;
    rows.push({ title: `${name}: InputLayer`, input: shape, output: shape });
  }
  let previous = formatShape(inputShape);
  layers.forEach((layer, i) => {
    if (typeof layer.name !== 'string' || typeof layer.className !== 'string') {
      throw new RangeError(`layer ${i} needs a name and a className`);
    }
    const output = formatShape(checkShape(layer.outputShape, `layer ${i} outputShape`));
    rows.push({ title: `${layer.name}: ${layer.className}`, input: previous, output });
    previous = output;
  });

  const measure = measuringContext();
  measure.font = font(FONT_PX);
  const textW = (s: string): number => Math.ceil(measure.measureText(s).width);
  const labelW = Math.max(textW('input:'), textW('output:')) + 2 * PAD_X;
  const nodes: Node[] = rows.map((r) => {
    const c1 = textW(r.title) + 2 * PAD_X;
    const c3 = Math.max(textW(r.input), textW(r.output)) + 2 * PAD_X;
    const cols: [number, number, number] = showShapes ? [c1, labelW, c3] : [c1, 0, 0];
    return {
      ...r,
      cols,
      width: cols[0] + cols[1] + cols[2],
      height: showShapes ? ROW_H * 2 : ROW_H + 8,
    };
  });
  const contentW = Math.max(120, ...nodes.map((n) => n.width));
  const contentH =
    nodes.reduce((sum, n) => sum + n.height, 0) + GAP * Math.max(0, nodes.length - 1);
  const logicalW = contentW + 2 * MARGIN;
  const logicalH = Math.max(contentH, ROW_H) + 2 * MARGIN;
  const surface = createSurface(Math.ceil(logicalW * scale), Math.ceil(logicalH * scale), format);
  const { ctx } = surface;
  ctx.scale(scale, scale);
  ctx.font = font(FONT_PX);
  ctx.textBaseline = 'middle';
  ctx.strokeStyle = '#000000';
  ctx.fillStyle = '#000000';
  ctx.lineWidth = 1;
  const cx = logicalW / 2;
  let y = MARGIN;
  nodes.forEach((node, i) => {
    const x = Math.round(cx - node.width / 2);
    const [c1, c2] = node.cols;
    ctx.strokeRect(x + 0.5, y + 0.5, node.width, node.height);
    ctx.textAlign = 'center';
    ctx.fillText(node.title, x + c1 / 2, y + node.height / 2);
    if (showShapes) {
      const xs = x + c1;
      const xt = xs + c2;
      ctx.beginPath();
      ctx.moveTo(xs + 0.5, y + 0.5);
      ctx.lineTo(xs + 0.5, y + node.height + 0.5);
      ctx.moveTo(xt + 0.5, y + 0.5);
      ctx.lineTo(xt + 0.5, y + node.height + 0.5);
      ctx.moveTo(xs + 0.5, y + ROW_H + 0.5);
      ctx.lineTo(x + node.width + 0.5, y + ROW_H + 0.5);
      ctx.stroke();
      ctx.fillText('input:', xs + c2 / 2, y + ROW_H / 2);
      ctx.fillText('output:', xs + c2 / 2, y + ROW_H * 1.5);
      ctx.fillText(node.input, xt + node.cols[2] / 2, y + ROW_H / 2);
      ctx.fillText(node.output, xt + node.cols[2] / 2, y + ROW_H * 1.5);
    }
    y += node.height;
    if (i < nodes.length - 1) {
      const ax = Math.round(cx) + 0.5;
      ctx.beginPath();
      ctx.moveTo(ax, y + 1);
      ctx.lineTo(ax, y + GAP - ARROW);
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(ax, y + GAP);
      ctx.lineTo(ax - ARROW / 2, y + GAP - ARROW);
      ctx.lineTo(ax + ARROW / 2, y + GAP - ARROW);
      ctx.closePath();
      ctx.fill();
      y += GAP;
    }
  });
  return encode(surface);
}
