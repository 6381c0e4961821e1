export { CLASS_NAMES, IMAGE_PIXELS, IMAGE_SIZE, NUM_CLASSES, selectImages } from './image-set.js';
export type { ImageSet } from './image-set.js';
export type { DataLogger } from './logger.js';
export { loadFashionMnist } from './load.js';
export type { FashionMnist, LoadFashionMnistOptions } from './load.js';
export { splitTrainingData } from './split.js';
export type { SplitOptions } from './split.js';
export { createRandom, shuffleIndices } from './random.js';
export { imagesToTensor, labelsToTensor } from './tensors.js';
export {
  IDX_DTYPE_UINT8,
  IMAGE_HEADER_MAGIC_NUM,
  LABEL_HEADER_MAGIC_NUM,
  parseIdx,
  readIdxFile,
  writeIdxFile,
} from './idx.js';
export type { IdxData } from './idx.js';
export { DataError, DataSourceError, IdxFormatError, TruncatedFileError } from './errors.js';
