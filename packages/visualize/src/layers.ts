import type * as tfl from '@tensorflow/tfjs-layers';
import type { VisualizationKind, VisualizationLayer } from '@convoy/schemas';
import { selectVisualizationLayers, type LayerSelector } from '@convoy/core';

export type { LayerSelector } from '@convoy/core';

/** A layer of the model with the coordinates a manifest records for it. */
export interface ResolvedLayer extends VisualizationLayer {
  readonly layer: tfl.layers.Layer;
}

/** The kinds of visualization that look at particular layers. */
export type LayerVisualizationKind = Extract<
  VisualizationKind,
  'filters' | 'weights-histogram' | 'feature-maps'
>;

export interface ResolveLayerOptions {
  readonly kind: VisualizationKind;
}

/** Keras's `model.layers`: every layer but the input layer, numbered as in the model summary. */
export function listLayers(model: tfl.LayersModel): ResolvedLayer[] {
  return model.layers
    .filter((layer) => layer.getClassName() !== 'InputLayer')
    .map((layer, index) => ({ index, name: layer.name, className: layer.getClassName(), layer }));
}

/**
 * The layers of `model` a visualization looks at (selectVisualizationLayers, which the API applies
 * to the model's summary first): throws VisualizationInputError for an unknown name, an index out
 * of range or a wrong layer type.
 */
export function resolveLayers(
  model: tfl.LayersModel,
  selector: LayerSelector | undefined,
  options: ResolveLayerOptions,
): ResolvedLayer[] {
  if (
    options.kind === 'predictions' ||
    options.kind === 'confusion-matrix' ||
    options.kind === 'misclassified'
  )
    return [];
  return selectVisualizationLayers(listLayers(model), selector, options.kind);
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
