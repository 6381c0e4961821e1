import {
  inferLayerShapes,
  resolveModelLayers,
  type LayerSpec,
  type ModelSpec,
  type ModelSummary,
} from '@convoy/schemas';

const KERAS_LAYER_NAMES: Record<LayerSpec['type'], { base: string; className: string }> = {
  conv2d: { base: 'conv2d', className: 'Conv2D' },
  maxPooling2d: { base: 'max_pooling2d', className: 'MaxPooling2D' },
  averagePooling2d: { base: 'average_pooling2d', className: 'AveragePooling2D' },
  flatten: { base: 'flatten', className: 'Flatten' },
  dense: { base: 'dense', className: 'Dense' },
  dropout: { base: 'dropout', className: 'Dropout' },
};

/** Keras's default layer names for a fresh model: conv2d, max_pooling2d, conv2d_1, … */
export function kerasLayerNames(layers: readonly LayerSpec[]): string[] {
  const seen = new Map<string, number>();
  return layers.map((layer) => {
    if (layer.name) return layer.name;
    const { base } = KERAS_LAYER_NAMES[layer.type];
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}_${count}`;
  });
}

export function kerasClassName(layer: LayerSpec): string {
  return KERAS_LAYER_NAMES[layer.type].className;
}

/** The model.summary() table as data; computed from the spec alone, without building a model. */
export function summarizeModel(spec: ModelSpec, modelName = 'sequential'): ModelSummary {
  const layers = resolveModelLayers(spec);
  const shapes = inferLayerShapes(layers);
  const names = kerasLayerNames(layers);
  const rows = layers.map((layer, index) => ({
    name: names[index] ?? '',
    className: kerasClassName(layer),
    outputShape: [null, ...(shapes[index]?.outputShape ?? [])],
    params: shapes[index]?.params ?? 0,
  }));
  const totalParams = rows.reduce((total, row) => total + row.params, 0);
  return {
    modelName,
    layers: rows,
    totalParams,
    trainableParams: totalParams,
    nonTrainableParams: 0,
  };
}

const LINE_LENGTH = 65;
const COLUMN_ENDS = [29, 55, 65];
// Keras breaks a long cell after the end of a tuple, list or dict.
const LINE_BREAKS = ['),', '},', '],', "',"];

/** One table row, wrapped into as many lines as its widest cell needs, exactly as Keras prints it. */
function formatRow(fields: string[]): string[] {
  const left = [...fields];
  const lines: string[] = [];
  while (left.some((field) => field.length > 0)) {
    let line = '';
    left.forEach((field, column) => {
      const start = column > 0 ? (COLUMN_ENDS[column - 1] ?? 0) : 0;
      const end = COLUMN_ENDS[column] ?? LINE_LENGTH;
      const space = column === COLUMN_ENDS.length - 1 ? 0 : 2;
      let cutoff = end - start - space;
      let fit = field.slice(0, cutoff);
      const breaks = LINE_BREAKS.map((token) => fit.indexOf(token)).filter((at) => at >= 0);
      if (breaks.length > 0) {
        cutoff = Math.min(...breaks) + 2;
        fit = fit.slice(0, cutoff);
      }
      if (column === 0) line += ' ';
      line += fit + ' '.repeat(space);
      left[column] = field.slice(cutoff);
      line += ' '.repeat(Math.max(0, end - line.length));
    });
    lines.push(line);
  }
  return lines;
}

const formatShape = (shape: readonly (number | null)[]) =>
  `(${shape.map((size) => (size === null ? 'None' : String(size))).join(', ')}${shape.length === 1 ? ',' : ''})`;
const withThousands = (value: number) => value.toLocaleString('en-US');

/** The text Keras's model.summary() prints (TF 2.8 layout, as in the seed notebook). */
export function formatSummary(summary: ModelSummary): string {
  const lines = [
    `Model: "${summary.modelName}"`,
    '_'.repeat(LINE_LENGTH),
    ...formatRow(['Layer (type)', 'Output Shape', 'Param #']),
    '='.repeat(LINE_LENGTH),
  ];
  for (const layer of summary.layers) {
    lines.push(
      ...formatRow([
        `${layer.name} (${layer.className})`,
        formatShape(layer.outputShape),
        String(layer.params),
      ]),
    );
    lines.push(' '.repeat(LINE_LENGTH));
  }
  lines.push(
    '='.repeat(LINE_LENGTH),
    `Total params: ${withThousands(summary.totalParams)}`,
    `Trainable params: ${withThousands(summary.trainableParams)}`,
    `Non-trainable params: ${withThousands(summary.nonTrainableParams)}`,
    '_'.repeat(LINE_LENGTH),
  );
  return lines.join('\n');
}
