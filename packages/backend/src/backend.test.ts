import { describe, expect, it } from 'vitest';
import { isCudaDeviceVisible, planBackends, trainingThreads } from './backend.js';

const probe = (env: Record<string, string | undefined>, paths: string[]) => ({
  env,
  pathExists: (path: string) => paths.includes(path),
});

describe('backend selection', () => {
  it('sees a CUDA device through the NVIDIA driver files', () => {
    expect(isCudaDeviceVisible(probe({}, ['/dev/nvidia0']))).toBe(true);
    expect(isCudaDeviceVisible(probe({}, ['/proc/driver/nvidia/version']))).toBe(true);
    expect(isCudaDeviceVisible(probe({}, []))).toBe(false);
  });

  it('respects environments that hide the GPU', () => {
    const gpu = ['/dev/nvidia0'];
    expect(isCudaDeviceVisible(probe({ CUDA_VISIBLE_DEVICES: '' }, gpu))).toBe(false);
    expect(isCudaDeviceVisible(probe({ CUDA_VISIBLE_DEVICES: '-1' }, gpu))).toBe(false);
    expect(isCudaDeviceVisible(probe({ NVIDIA_VISIBLE_DEVICES: 'void' }, gpu))).toBe(false);
    expect(isCudaDeviceVisible(probe({ CUDA_VISIBLE_DEVICES: '0,1' }, gpu))).toBe(true);
  });

  it('tries the GPU first only where CUDA is visible, and never falls back to cpu on its own', () => {
    expect(planBackends('auto', true)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm']);
    expect(planBackends('auto', false)).toEqual(['tensorflow', 'wasm']);
    expect(planBackends('auto', true)).not.toContain('cpu');
  });

  it('uses exactly the backend asked for by name', () => {
    expect(planBackends('cpu', true)).toEqual(['cpu']);
    expect(planBackends('tensorflow-gpu', false)).toEqual(['tensorflow-gpu']);
  });

  it('uses threads on wasm only', () => {
    expect(trainingThreads(4, 'wasm')).toBe(4);
    expect(trainingThreads(undefined, 'wasm')).toBe(1);
    expect(trainingThreads(0, 'wasm')).toBe(1);
    expect(trainingThreads(4, 'tensorflow')).toBe(1);
  });
});
