import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODEL_PRESET_LAYERS } from '@convoy/schemas';
import { formatSummary, kerasLayerNames, summarizeModel } from './summary.js';

// The seed notebook's model.summary() tables, verbatim.
const seedTable = (name: string) =>
  readFileSync(new URL(`./fixtures/seed-summary-${name}.txt`, import.meta.url), 'utf8').trimEnd();

describe('summarizeModel', () => {
  it('names layers as Keras numbers them in a fresh model', () => {
    expect(kerasLayerNames(MODEL_PRESET_LAYERS.cnn)).toEqual([
      'conv2d',
      'max_pooling2d',
      'conv2d_1',
      'max_pooling2d_1',
      'flatten',
      'dense',
      'dropout',
      'dense_1',
    ]);
  });

  it('gives the cnn preset the seed shapes and parameter counts', () => {
    const summary = summarizeModel({ preset: 'cnn' });
    expect(summary.totalParams).toBe(333_526);
    expect(
      summary.layers.map((layer) => [layer.className, layer.outputShape, layer.params]),
    ).toEqual([
      ['Conv2D', [null, 28, 28, 32], 320],
      ['MaxPooling2D', [null, 14, 14, 32], 0],
      ['Conv2D', [null, 14, 14, 64], 18496],
      ['MaxPooling2D', [null, 7, 7, 64], 0],
      ['Flatten', [null, 3136], 0],
      ['Dense', [null, 100], 313700],
      ['Dropout', [null, 100], 0],
      ['Dense', [null, 10], 1010],
    ]);
  });

  it('prints the cnn-avgpool table exactly as the seed notebook shows it', () => {
    expect(formatSummary(summarizeModel({ preset: 'cnn-avgpool' }))).toBe(seedTable('cnn-avgpool'));
  });

  it('prints the cnn table exactly as the seed notebook shows it (its second model in the session)', () => {
    const seedNames = [
      'conv2d_2',
      'max_pooling2d',
      'conv2d_3',
      'max_pooling2d_1',
      'flatten_1',
      'dense_2',
      'dropout_1',
      'dense_3',
    ];
    const layers = MODEL_PRESET_LAYERS.cnn.map((layer, index) => ({
      ...layer,
      name: seedNames[index],
    }));
    expect(formatSummary(summarizeModel({ layers }, 'sequential_1'))).toBe(seedTable('cnn'));
  });
});
