import type { ModelSummary } from '@convoy/schemas';
import { DEFAULT_SAMPLE, type VisualizationRequest } from './visualization-key.js';
import { isConvLayer, summaryLayers } from './visualization-layers.js';

/**
 * The visualizations a training job's page shows before anyone touches its controls: for every conv
 * layer (the page selects the first; the others are a click away) its filters and weight histogram,
 * trained and untrained; the feature maps and predictions of the default test image; the confusion
 * matrix. The worker computes them as a job ends (and the cheap ones as a better checkpoint lands),
 * the dashboard asks for exactly these requests, so they share one cache key each.
 *
 * `cheap`: everything but the confusion matrix (a pass over the 10,000 test images).
 */
export function defaultVisualizations(
  jobId: string,
  summary: Pick<ModelSummary, 'layers'>,
  options: { readonly cheap?: boolean; readonly untrained?: boolean } = {},
): VisualizationRequest[] {
  const convLayers = summaryLayers(summary).filter(isConvLayer);
  if (convLayers.length === 0) return [];
  const weights =
    options.untrained === false ? (['trained'] as const) : (['trained', 'untrained'] as const);
  const requests: VisualizationRequest[] = [];
  for (const layer of convLayers)
    for (const kind of ['filters', 'weights-histogram'] as const)
      for (const weight of weights)
        requests.push({ jobId, kind, weights: weight, layer: layer.index });
  requests.push(
    { jobId, kind: 'feature-maps', weights: 'trained', sample: DEFAULT_SAMPLE },
    { jobId, kind: 'predictions', weights: 'trained', sample: DEFAULT_SAMPLE },
  );
  if (options.cheap !== true)
    requests.push({ jobId, kind: 'confusion-matrix', weights: 'trained' });
  return requests;
}
