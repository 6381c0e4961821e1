import type { ModelSummary, VisualizationKind, VisualizationLayer } from '@convoy/schemas';
import { VisualizationInputError } from './errors.js';

/**
 * Which layers a visualization looks at, decided from the layers' names and classes alone: the
 * worker applies it to the loaded model, the API to the training job's summary before queueing,
 * so both accept and refuse the same requests with the same words.
 */

/** A layer as a request names it: its index in `model.layers` (Keras order) or its Keras name. */
export type LayerSelector = number | string;

const CONV_CLASSES: ReadonlySet<string> = new Set(['Conv2D']);
/** Layers whose first weight is a kernel whose values a histogram can show. */
const KERNEL_CLASSES: ReadonlySet<string> = new Set(['Conv2D', 'Dense']);

export const isConvLayer = (layer: VisualizationLayer): boolean =>
  CONV_CLASSES.has(layer.className);

/** The summary's rows as the layers a visualization can name (numbered as Keras's `model.layers`). */
export function summaryLayers(summary: Pick<ModelSummary, 'layers'>): VisualizationLayer[] {
  return summary.layers.map(({ name, className }, index) => ({ index, name, className }));
}

const describe = (layer: VisualizationLayer) => `${layer.index} ${layer.name} (${layer.className})`;
const describeAll = (layers: readonly VisualizationLayer[]) =>
  layers.length === 0 ? 'none' : layers.map(describe).join(', ');

/** What a kind accepts, and the model's layers that qualify: for messages that say what to ask for. */
function acceptedBy(kind: VisualizationKind, layers: readonly VisualizationLayer[]) {
  const accepted = kind === 'weights-histogram' ? KERNEL_CLASSES : CONV_CLASSES;
  const wanted =
    kind === 'weights-histogram' ? 'a layer with weights (Conv2D or Dense)' : 'a Conv2D layer';
  const candidates = describeAll(layers.filter((layer) => accepted.has(layer.className)));
  return { accepted, wanted, candidates, offer: `${kind} takes ${wanted}: ${candidates}` };
}

function findLayer<Layer extends VisualizationLayer>(
  layers: readonly Layer[],
  selector: LayerSelector,
  kind: VisualizationKind,
): Layer {
  if (typeof selector === 'number') {
    const found = Number.isInteger(selector) ? layers[selector] : undefined;
    if (!found)
      throw new VisualizationInputError(
        'layer-out-of-range',
        `layer index ${selector} is out of range: the model has layers 0 to ${layers.length - 1}; ${acceptedBy(kind, layers).offer}`,
      );
    return found;
  }
  const found = layers.find((layer) => layer.name === selector);
  if (!found)
    throw new VisualizationInputError(
      'unknown-layer',
      `the model has no layer named "${selector}"; ${acceptedBy(kind, layers).offer}`,
    );
  return found;
}

/**
 * The layers a visualization looks at. `filters` and `weights-histogram` look at one layer (default:
 * the first conv layer); filters need a Conv2D layer, a histogram any layer with a kernel (Conv2D or
 * Dense). `feature-maps` looks at the named conv layer or, by default, at every conv layer.
 * `predictions`, `confusion-matrix` and `misclassified` look at the whole model and get no layers.
 * Throws VisualizationInputError for an unknown name, an index out of range or a wrong layer type.
 */
export function selectVisualizationLayers<Layer extends VisualizationLayer>(
  layers: readonly Layer[],
  selector: LayerSelector | undefined,
  kind: VisualizationKind,
): Layer[] {
  if (kind === 'predictions' || kind === 'confusion-matrix' || kind === 'misclassified') return [];
  const convLayers = layers.filter(isConvLayer);
  if (selector === undefined) {
    const first = convLayers[0];
    if (!first)
      throw new VisualizationInputError(
        'no-conv-layer',
        `${kind} needs a conv layer, and the model has none (its layers are ${describeAll(layers)})`,
      );
    return kind === 'feature-maps' ? convLayers : [first];
  }
  const found = findLayer(layers, selector, kind);
  const { accepted, wanted, candidates } = acceptedBy(kind, layers);
  if (!accepted.has(found.className)) {
    throw new VisualizationInputError(
      'wrong-layer-type',
      `${kind} needs ${wanted}, and layer ${describe(found)} is not one; the model's are ${candidates}`,
    );
  }
  return [found];
}
