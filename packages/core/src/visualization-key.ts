import { createHash } from 'node:crypto';
import { VISUALIZATION_MANIFEST_VERSION, type VisualizationParams } from '@convoy/schemas';
import { inputImageSha256 } from './input-image.js';

/** Visualization params before or after parsing (`weights` defaults to trained). */
export type VisualizationRequest = Pick<VisualizationParams, 'jobId' | 'kind'> &
  Partial<Pick<VisualizationParams, 'layer' | 'sample' | 'image' | 'weights'>>;

const takesLayer = (kind: VisualizationParams['kind']) =>
  kind === 'filters' || kind === 'weights-histogram' || kind === 'feature-maps';
const takesInput = (kind: VisualizationParams['kind']) =>
  kind === 'feature-maps' || kind === 'predictions';

/** The test-set image a feature-map or prediction view shows when the request names none. */
export const DEFAULT_SAMPLE = 0;

/** Everything that decides a visualization's result, with defaults filled in and the rest left out. */
export interface NormalizedVisualizationRequest {
  readonly version: number;
  readonly jobId: string;
  readonly kind: VisualizationParams['kind'];
  readonly weights: 'trained' | 'untrained';
  /** The layer as asked for (index or name); null where the kind has none or the default applies. */
  readonly layer: number | string | null;
  /** The input image: a test-set index or the sha256 of the uploaded PNG; null where the kind takes none. */
  readonly input: { readonly sample: number } | { readonly upload: string } | null;
}

export function normalizeVisualizationRequest(
  params: VisualizationRequest,
): NormalizedVisualizationRequest {
  const input = !takesInput(params.kind)
    ? null
    : params.image !== undefined
      ? { upload: inputImageSha256(params.image) }
      : { sample: params.sample ?? DEFAULT_SAMPLE };
  return {
    version: VISUALIZATION_MANIFEST_VERSION,
    jobId: params.jobId,
    kind: params.kind,
    weights: params.weights ?? 'trained',
    layer: takesLayer(params.kind) ? (params.layer ?? null) : null,
    input,
  };
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A stable name for a visualization's result: sha256 (hex) of the canonical JSON of the normalized
 * request (training job, kind, weights, layer, and the input image as a test-set index or the
 * sha256 of the PNG's bytes). The same request twice gives the same key; anything that can change
 * the result changes it. Uploaded images that are not valid base64 throw VisualizationInputError.
 */
export function visualizationCacheKey(params: VisualizationRequest): string {
  return createHash('sha256')
    .update(canonicalJson(normalizeVisualizationRequest(params)))
    .digest('hex');
}
