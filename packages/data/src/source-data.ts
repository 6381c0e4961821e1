import type { ImageSet } from './image-set.js';

/** A record of the embedded package that failed validation and was left out. */
export interface DroppedRecord {
  /** Class id, i.e. which clothes/<label>.json file. */
  readonly label: number;
  /** Position of the record in that file's `data` array. */
  readonly index: number;
  readonly reason: string;
}

/** What a source yields: the train/test sets plus an account of what was dropped. */
export interface SourceData {
  readonly train: ImageSet;
  readonly test: ImageSet;
  readonly dropped: readonly DroppedRecord[];
}

/** File names of the official distribution (without .gz), also used for the cache. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;
