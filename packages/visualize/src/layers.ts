import type * as tfl from '@tensorflow/tfjs-layers';
import type { VisualizationKind, VisualizationLayer } from '@convoy/schemas';
import { VisualizationInputError } from '@convoy/core';

/** A layer of the model with the coordinates a manifest records for it. */
export interface ResolvedLayer extends VisualizationLayer {
  readonly layer: tfl.layers.Layer;
}

/** A layer as a request names it: its index in `model.layers` (Keras order) or its Keras name. */
export type LayerSelector = number | string;

/** The kinds of visualization that look at particular layers. */
export type LayerVisualizationKind = Extract<
  VisualizationKind,
  'filters' | 'weights-histogram' | 'feature-maps'
>;

export interface ResolveLayerOptions {
  readonly kind: VisualizationKind;
}

const CONV_CLASSES: ReadonlySet<string> = new Set(['Conv2D']);
/** Layers whose first weight is a kernel whose values a histogram can show. */
const KERNEL_CLASSES: ReadonlySet<string> = new Set(['Conv2D', 'Dense']);

/** Keras's `model.layers`: every layer but the input layer, numbered as in the model summary. */
export function listLayers(model: tfl.LayersModel): ResolvedLayer[] {
  return model.layers
    .filter((layer) => layer.getClassName() !== 'InputLayer')
    .map((layer, index) => ({ index, name: layer.name, className: layer.getClassName(), layer }));
}

export const isConvLayer = (layer: ResolvedLayer): boolean => CONV_CLASSES.has(layer.className);

const describe = (layer: ResolvedLayer) => `${layer.index} ${layer.name} (${layer.className})`;
const describeAll = (layers: readonly ResolvedLayer[]) =>
  layers.length === 0 ? 'none' : layers.map(describe).join(', ');

function findLayer(layers: readonly ResolvedLayer[], selector: LayerSelector): ResolvedLayer {
  if (typeof selector === 'number') {
    const found = Number.isInteger(selector) ? layers[selector] : undefined;
    if (!found)
      throw new VisualizationInputError(
        'layer-out-of-range',
        `layer index ${selector} is out of range: the model has layers 0 to ${layers.length - 1} (${describeAll(layers)})`,
      );
    return found;
  }
  const found = layers.find((layer) => layer.name === selector);
  if (!found)
    throw new VisualizationInputError(
      'unknown-layer',
      `the model has no layer named "${selector}"; its layers are ${describeAll(layers)}`,
    );
  return found;
}

/**
 * The layers a visualization looks at. `filters` and `weights-histogram` look at one layer (default:
 * the first conv layer); filters need a Conv2D layer, a histogram any layer with a kernel (Conv2D or
 * Dense). `feature-maps` looks at the named conv layer or, by default, at every conv layer.
 * `predictions` and `confusion-matrix` look at the whole model and get no layers.
 * Throws VisualizationInputError for an unknown name, an index out of range or a wrong layer type.
 */
export function resolveLayers(
  model: tfl.LayersModel,
  selector: LayerSelector | undefined,
  options: ResolveLayerOptions,
): ResolvedLayer[] {
  const { kind } = options;
  if (kind === 'predictions' || kind === 'confusion-matrix') return [];
  const layers = listLayers(model);
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
  const found = findLayer(layers, selector);
  const accepted = kind === 'weights-histogram' ? KERNEL_CLASSES : CONV_CLASSES;
  if (!accepted.has(found.className)) {
    const wanted =
      kind === 'weights-histogram' ? 'a layer with weights (Conv2D or Dense)' : 'a Conv2D layer';
    const candidates = layers.filter((layer) => accepted.has(layer.className));
    throw new VisualizationInputError(
      'wrong-layer-type',
      `${kind} needs ${wanted}, and layer ${describe(found)} is not one; the model's are ${describeAll(candidates)}`,
    );
  }
  return [found];
}

/** The one layer a single-layer visualization looks at (for feature-maps by default the first conv layer). */
export function resolveLayer(
  model: tfl.LayersModel,
  selector: LayerSelector | undefined,
  options: { readonly kind: LayerVisualizationKind },
): ResolvedLayer {
  const [layer] = resolveLayers(model, selector, options);
  if (!layer) throw new Error(`no layer resolved for ${options.kind}`);
  return layer;
}

/** The manifest's record of a layer (without the live tfjs object). */
export const layerRecord = ({ index, name, className }: ResolvedLayer): VisualizationLayer => ({
  index,
  name,
  className,
});
