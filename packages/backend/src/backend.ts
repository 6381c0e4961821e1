import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName, BackendRequest } from '@convoy/schemas';
import { BackendUnavailableError } from './errors.js';
import { registerWasmTrainingKernels } from './kernels/index.js';

// CONVOY_BACKEND's values are a contract of the environment, owned by @convoy/schemas.
export { BACKEND_REQUESTS, type BackendRequest } from '@convoy/schemas';

export interface ActiveBackend {
  readonly name: BackendName;
  /** Where the math runs, for people reading job results. */
  readonly device: string;
}

export interface CudaProbe {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly pathExists: (path: string) => boolean;
}

/** A CUDA device is usable when the NVIDIA driver exposes one and the environment does not hide it. */
export function isCudaDeviceVisible(probe: CudaProbe): boolean {
  const cudaDevices = probe.env.CUDA_VISIBLE_DEVICES;
  if (cudaDevices !== undefined && (cudaDevices.trim() === '' || cudaDevices.trim() === '-1'))
    return false;
  const nvidiaDevices = probe.env.NVIDIA_VISIBLE_DEVICES;
  if (nvidiaDevices === 'void' || nvidiaDevices === 'none' || nvidiaDevices === '') return false;
  return probe.pathExists('/dev/nvidia0') || probe.pathExists('/proc/driver/nvidia/version');
}

/**
 * Threads a data-parallel run (training steps, a confusion matrix) uses on `backend`: the requested
 * number on wasm, one elsewhere, where libtensorflow already spreads each op over the cores.
 */
export function trainingThreads(requested: number | undefined, backend = tf.getBackend()): number {
  return backend === 'wasm' ? Math.max(1, Math.floor(requested ?? 1)) : 1;
}

/**
 * The backends to try, in order. `auto` never includes `cpu`: the pure-JavaScript backend trains
 * the seed model about a hundred times slower than wasm, so it runs only when asked for by name.
 */
export function planBackends(request: BackendRequest, cudaVisible: boolean): BackendName[] {
  if (request !== 'auto') return [request];
  return cudaVisible ? ['tensorflow-gpu', 'tensorflow', 'wasm'] : ['tensorflow', 'wasm'];
}

type BackendStarter = () => Promise<ActiveBackend>;

async function startTensorflow(
  packageName: string,
  name: BackendName,
  device: string,
): Promise<ActiveBackend> {
  // Registers the native `tensorflow` backend; absent when libtensorflow could not be installed.
  await import(packageName);
  if (!(await tf.setBackend('tensorflow')))
    throw new Error(`${packageName} loaded but its backend did not start`);
  return { name, device };
}

const starters: Readonly<Record<BackendName, BackendStarter>> = {
  'tensorflow-gpu': () =>
    startTensorflow('@tensorflow/tfjs-node-gpu', 'tensorflow-gpu', 'GPU (CUDA, libtensorflow)'),
  tensorflow: () => startTensorflow('@tensorflow/tfjs-node', 'tensorflow', 'CPU (libtensorflow)'),
  wasm: async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
    registerWasmTrainingKernels();
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    return { name: 'wasm', device: `CPU (WebAssembly${simd ? ' SIMD' : ''}, XNNPACK)` };
  },
  cpu: async () => {
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not start');
    return { name: 'cpu', device: 'CPU (JavaScript)' };
  },
};

const defaultProbe: CudaProbe = { env: process.env, pathExists: existsSync };

/** Starts the first backend of the plan that works and makes it tfjs's current backend. */
export async function initializeBackend(
  request: BackendRequest = 'auto',
  probe: CudaProbe = defaultProbe,
): Promise<ActiveBackend> {
  const plan = planBackends(request, isCudaDeviceVisible(probe));
  const failures: string[] = [];
  for (const name of plan) {
    try {
      const active = await starters[name]();
      await tf.ready();
      return active;
    } catch (error) {
      failures.push(
        `${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      );
    }
  }
  throw new BackendUnavailableError(`no compute backend could start (${failures.join('; ')})`);
}
