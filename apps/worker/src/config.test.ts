import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { readWorkerConfig, WorkerConfigError } from './config.js';

describe('readWorkerConfig', () => {
  it('gives each concurrent training job its share of the cores by default', () => {
    const cores = availableParallelism();
    expect(readWorkerConfig({}).trainingThreads).toBe(cores);
    expect(readWorkerConfig({ TRAINING_THREADS: '' }).trainingThreads).toBe(cores);
    expect(readWorkerConfig({ WORKER_CONCURRENCY: String(cores * 2) }).trainingThreads).toBe(1);
  });

  it('takes TRAINING_THREADS as given, and refuses what is not a positive whole number', () => {
    expect(readWorkerConfig({ TRAINING_THREADS: '3' }).trainingThreads).toBe(3);
    for (const bad of ['0', '-2', '1.5', 'many']) {
      expect(() => readWorkerConfig({ TRAINING_THREADS: bad })).toThrow(WorkerConfigError);
      expect(() => readWorkerConfig({ TRAINING_THREADS: bad })).toThrow(/TRAINING_THREADS/);
    }
  });
});
