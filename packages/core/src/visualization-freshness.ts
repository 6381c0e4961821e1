import type { VisualizationManifest } from '@convoy/schemas';

/** What the freshness rule needs of an artifact's listing entry (the store's ArtifactInfo). */
export interface ArtifactVersionInfo {
  readonly size: number;
  readonly modified: Date;
  /** The object store's ETag, where there is one. */
  readonly etag?: string | undefined;
}

/**
 * Names one save of an artifact: the object store's ETag where there is one (S3 keeps whole
 * seconds in its modification times, too coarse to order two saves), else size and modification
 * time in milliseconds. A saved model.json names a fresh weights file each time, so two saves
 * never share a version.
 */
export function artifactVersion(info: ArtifactVersionInfo): string {
  return info.etag ?? `${info.size}-${info.modified.getTime()}`;
}

/**
 * Whether a stored visualization still describes the model: it names the model save it was
 * computed from, and that is still the model's current save. A manifest from before
 * `modelVersion` existed falls back to the old rule, by modification time.
 */
export function isVisualizationFresh(
  manifest: Pick<VisualizationManifest, 'modelVersion'>,
  manifestInfo: ArtifactVersionInfo,
  modelInfo: ArtifactVersionInfo | null,
): boolean {
  if (modelInfo === null) return true;
  if (manifest.modelVersion !== undefined)
    return manifest.modelVersion === artifactVersion(modelInfo);
  return modelInfo.modified <= manifestInfo.modified;
}
