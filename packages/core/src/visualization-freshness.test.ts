import { describe, expect, it } from 'vitest';
import { artifactVersion, isVisualizationFresh } from './visualization-freshness.js';

const at = (seconds: number, size = 100, etag?: string) => ({
  size,
  modified: new Date(seconds * 1000),
  ...(etag === undefined ? {} : { etag }),
});

describe('visualization freshness', () => {
  it('names a save by ETag where there is one, else by size and millisecond time', () => {
    expect(artifactVersion(at(10, 100, '"abc"'))).toBe('"abc"');
    expect(artifactVersion({ size: 7, modified: new Date(1234) })).toBe('7-1234');
  });

  it('is fresh while the model is the save the manifest names, whatever the clocks say', () => {
    const model = at(10, 100, '"v1"');
    expect(isVisualizationFresh({ modelVersion: '"v1"' }, at(10), model)).toBe(true);
    // S3 keeps whole seconds: a model saved in the manifest's second is still told apart.
    expect(isVisualizationFresh({ modelVersion: '"v1"' }, at(10), at(10, 100, '"v2"'))).toBe(false);
    expect(isVisualizationFresh({ modelVersion: '"v1"' }, at(9), at(10, 100, '"v1"'))).toBe(true);
  });

  it('falls back to modification times for manifests that name no model save', () => {
    expect(isVisualizationFresh({}, at(10), at(9))).toBe(true);
    expect(isVisualizationFresh({}, at(10), at(10))).toBe(true);
    expect(isVisualizationFresh({}, at(10), at(11))).toBe(false);
  });

  it('is fresh when the model file is gone (nothing newer to compare with)', () => {
    expect(isVisualizationFresh({ modelVersion: 'x' }, at(10), null)).toBe(true);
  });
});
