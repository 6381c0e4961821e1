import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initializeBackend } from './backend.js';
import { BackendUnavailableError } from './errors.js';

const noGpu = { env: {}, pathExists: () => false };
// A variable specifier: the package is an optional dependency and usually absent.
const tfjsNode = '@tensorflow/tfjs-node';
const tfjsNodeInstalled = await import(tfjsNode).then(
  () => true,
  () => false,
);

// Runs in its own file: starting a backend changes tfjs's global engine.
describe('initializeBackend', () => {
  it('auto starts libtensorflow where it installed, else wasm with Convoy’s training kernels', async () => {
    const active = await initializeBackend('auto', noGpu);
    expect(active.name).toBe(tfjsNodeInstalled ? 'tensorflow' : 'wasm');
    expect(tf.getBackend()).toBe(tfjsNodeInstalled ? 'tensorflow' : 'wasm');
    if (active.name === 'wasm') {
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    }
  });

  it('fails with a named error, not a silent fallback, when the named backend cannot start', async () => {
    const request = tfjsNodeInstalled ? 'tensorflow-gpu' : 'tensorflow';
    if (tfjsNodeInstalled) return expect(request).toBe('tensorflow-gpu');
    await expect(initializeBackend(request, noGpu)).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(initializeBackend(request, noGpu)).rejects.toThrow(/tensorflow/);
  });
});
