import type { VisualizationContent, VisualizationContentOf } from '@convoy/schemas';

type Kind = VisualizationContent['kind'];

/**
 * What a compute function returns: the manifest's content (without the envelope: version,
 * trainJobId, weights, cacheKey, createdAt) and the tensor values by file name. Without a kind
 * argument, the union over every kind.
 */
export type VisualizationComputation<K extends Kind = Kind> = K extends Kind
  ? {
      readonly content: VisualizationContentOf<K>;
      /** Each tensor's values, keyed by its `file` in `content.tensors`. */
      readonly tensors: Map<string, Float32Array>;
    }
  : never;
