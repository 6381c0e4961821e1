import type { ModelSummary } from '@convoy/schemas';

// The naming rule and the summary's data live in @convoy/schemas, where the API can use them
// without tf.js; this module formats the table.
export { kerasClassName, kerasLayerNames, summarizeModel } from '@convoy/schemas';

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
