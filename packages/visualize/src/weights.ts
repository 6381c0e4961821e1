import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidValueError, type WeightsHistogram } from '@convoy/schemas';
import type { VisualizationComputation } from './computation.js';
import { layerRecord, resolveLayer, type LayerSelector, type ResolvedLayer } from './layers.js';
import { TensorCollector, tensorStats } from '@convoy/core';

/** matplotlib's default bin count, so the stored histogram looks like the seed's `plt.hist`. */
export const DEFAULT_HISTOGRAM_BINS = 10;
export const MAX_HISTOGRAM_BINS = 1000;

interface LayerWeights {
  readonly kernel: { readonly shape: number[]; readonly values: Float32Array };
  readonly bias?: { readonly shape: number[]; readonly values: Float32Array };
}

/**
 * Copies of a Conv2D or Dense layer's kernel and bias (Keras order: kernel first). `getWeights()`
 * hands out the layer's own variables, so nothing here is disposed and no tensor is created.
 */
function readLayerWeights({ layer, name }: ResolvedLayer): LayerWeights {
  const [kernel, bias] = layer.getWeights() as [tf.Tensor | undefined, tf.Tensor | undefined];
  if (!kernel) throw new Error(`layer ${name} has no weights`);
  const copy = (tensor: tf.Tensor) => ({
    shape: [...tensor.shape],
    values: new Float32Array(tensor.dataSync()),
  });
  return { kernel: copy(kernel), ...(bias ? { bias: copy(bias) } : {}) };
}

/**
 * The seed's filter view: a conv layer's kernel [KH, KW, CI, CO] and bias [CO] (the seed prints
 * `conv.weights[0].shape, conv.weights[1].shape` → (3, 3, 1, 32) (32,), and the kernel's mean and
 * std, which are the kernel tensor's stats). Default layer: the first conv layer.
 */
export function computeFilters(
  model: tfl.LayersModel,
  layer?: LayerSelector,
): VisualizationComputation<'filters'> {
  const resolved = resolveLayer(model, layer, { kind: 'filters' });
  const record = layerRecord(resolved);
  const weights = readLayerWeights(resolved);
  const tensors = new TensorCollector();
  tensors.add('kernel', 'kernel', 'kernel', weights.kernel.shape, weights.kernel.values, record);
  if (weights.bias)
    tensors.add('bias', 'bias', 'bias', weights.bias.shape, weights.bias.values, record);
  return {
    content: { kind: 'filters', layer: record, tensors: tensors.entries },
    tensors: tensors.values,
  };
}

/**
 * Counts of `values` in `bins` equal-width bins over [min, max], as numpy.histogram (and so
 * `plt.hist`) makes them: every bin is half-open but the last, which includes max; when all values
 * are equal the range is value ± 0.5.
 */
export function histogram(values: Float32Array, bins = DEFAULT_HISTOGRAM_BINS): WeightsHistogram {
  if (!Number.isInteger(bins) || bins < 1 || bins > MAX_HISTOGRAM_BINS)
    throw new InvalidValueError(
      `bins must be an integer from 1 to ${MAX_HISTOGRAM_BINS}, not ${bins}`,
    );
  const stats = tensorStats(values, 'histogram values');
  const [low, high] =
    stats.min === stats.max ? [stats.min - 0.5, stats.max + 0.5] : [stats.min, stats.max];
  const width = (high - low) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, index) =>
    index === bins ? high : low + index * width,
  );
  const counts = new Array<number>(bins).fill(0);
  for (const value of values) {
    let bin = Math.min(bins - 1, Math.floor((value - low) / width));
    // The division can land one bin off at an edge; the edges decide, as in numpy.
    if (bin > 0 && value < (edges[bin] ?? value)) bin -= 1;
    else if (bin < bins - 1 && value >= (edges[bin + 1] ?? Infinity)) bin += 1;
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return { bins, edges, counts };
}

/**
 * The seed's `plt.hist(conv_weights.reshape(-1, 1))`: a layer's kernel (stored whole, so a viewer
 * can rebin it) and its histogram in `bins` bins. Any layer with a kernel (Conv2D or Dense);
 * default: the first conv layer. For trained vs untrained, run it on each model.
 */
export function computeWeightsHistogram(
  model: tfl.LayersModel,
  layer?: LayerSelector,
  bins = DEFAULT_HISTOGRAM_BINS,
): VisualizationComputation<'weights-histogram'> {
  const resolved = resolveLayer(model, layer, { kind: 'weights-histogram' });
  const record = layerRecord(resolved);
  const { kernel } = readLayerWeights(resolved);
  const tensors = new TensorCollector();
  tensors.add('kernel', 'kernel', 'kernel', kernel.shape, kernel.values, record);
  return {
    content: {
      kind: 'weights-histogram',
      layer: record,
      tensors: tensors.entries,
      histogram: histogram(kernel.values, bins),
    },
    tensors: tensors.values,
  };
}
