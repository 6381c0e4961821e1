import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend } from '@convoy/backend';
import { splitBatch, splitBatchByRates } from './gradient-protocol.js';
import { shardedDropout } from './sharded-dropout.js';

beforeAll(async () => {
  await initializeBackend('wasm');
});

describe('shardedDropout', () => {
  it("keeps the shard's rows of the whole batch's tf.dropout mask", () => {
    const input = tf.randomUniform([10, 7], 1, 2, 'float32', 1);
    const whole = tf.dropout(input, 0.4, undefined, 1234);
    const shards = [
      shardedDropout(tf.slice(input, 0, 4), 0.4, 1234, { offset: 0, size: 4, batchSize: 10 }),
      shardedDropout(tf.slice(input, 4, 6), 0.4, 1234, { offset: 4, size: 6, batchSize: 10 }),
    ];
    const joined = tf.concat(shards);
    expect(Array.from(joined.dataSync())).toEqual(Array.from(whole.dataSync()));
    // Some units dropped and some kept, so the equality is about the mask.
    const zeros = Array.from(whole.dataSync()).filter((value) => value === 0).length;
    expect(zeros).toBeGreaterThan(0);
    expect(zeros).toBeLessThan(70);
    tf.dispose([input, whole, joined, ...shards]);
  });
});

describe('splitBatch', () => {
  it('splits into contiguous shards that cover the batch, larger ones first', () => {
    expect(splitBatch(32, 2)).toEqual([
      { offset: 0, size: 16 },
      { offset: 16, size: 16 },
    ]);
    expect(splitBatch(25, 3)).toEqual([
      { offset: 0, size: 9 },
      { offset: 9, size: 8 },
      { offset: 17, size: 8 },
    ]);
    expect(splitBatch(1, 4)).toEqual([{ offset: 0, size: 1 }]);
  });
});

describe('splitBatchByRates', () => {
  it('sizes shards by speed, at least one row each, covering the batch', () => {
    expect(splitBatchByRates(32, [3, 1])).toEqual([
      { offset: 0, size: 24 },
      { offset: 24, size: 8 },
    ]);
    expect(splitBatchByRates(32, [0.55, 0.5])).toEqual([
      { offset: 0, size: 17 },
      { offset: 17, size: 15 },
    ]);
    expect(splitBatchByRates(4, [100, 1, 1])).toEqual([
      { offset: 0, size: 2 },
      { offset: 2, size: 1 },
      { offset: 3, size: 1 },
    ]);
  });

  it('splits equally until every speed is known', () => {
    expect(splitBatchByRates(32, [Number.NaN, 2])).toEqual(splitBatch(32, 2));
    expect(splitBatchByRates(32, [0, 2])).toEqual(splitBatch(32, 2));
  });
});
