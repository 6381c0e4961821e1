import { DataSourceError, IdxFormatError } from './errors.js';
import { IMAGE_SIZE, NUM_CLASSES } from './image-set.js';
import type { ImageSet } from './image-set.js';
import { IMAGE_HEADER_MAGIC_NUM, LABEL_HEADER_MAGIC_NUM, readIdxFile } from './idx.js';
import type { IdxData } from './idx.js';

/** Reads an IDX image file and its label file into an ImageSet, checking they belong together. */
export async function readImageSetFiles(imagesPath: string, labelsPath: string): Promise<ImageSet> {
  const [images, labels] = await Promise.all([readIdxFile(imagesPath), readIdxFile(labelsPath)]);
  return imageSetFromIdx(images, labels, imagesPath, labelsPath);
}

export function imageSetFromIdx(
  images: IdxData,
  labels: IdxData,
  imagesPath: string,
  labelsPath: string,
): ImageSet {
  const [count = 0, rows, columns] = images.dims;
  if (images.magic !== IMAGE_HEADER_MAGIC_NUM || images.dims.length !== 3) {
    throw new IdxFormatError(
      `${imagesPath}: not an image file: magic ${images.magic} with ${images.dims.length} dimensions, expected ${IMAGE_HEADER_MAGIC_NUM} (3 dimensions)`,
      { file: imagesPath },
    );
  }
  if (rows !== IMAGE_SIZE || columns !== IMAGE_SIZE) {
    throw new IdxFormatError(
      `${imagesPath}: images are ${rows}x${columns}, expected ${IMAGE_SIZE}x${IMAGE_SIZE}`,
      { file: imagesPath },
    );
  }
  if (labels.magic !== LABEL_HEADER_MAGIC_NUM || labels.dims.length !== 1) {
    throw new IdxFormatError(
      `${labelsPath}: not a label file: magic ${labels.magic} with ${labels.dims.length} dimensions, expected ${LABEL_HEADER_MAGIC_NUM} (1 dimension)`,
      { file: labelsPath },
    );
  }
  if (labels.data.length !== count) {
    throw new DataSourceError(
      `${imagesPath} has ${count} images but ${labelsPath} has ${labels.data.length} labels`,
      { file: labelsPath },
    );
  }
  const badIndex = labels.data.findIndex((label) => label >= NUM_CLASSES);
  if (badIndex >= 0) {
    throw new IdxFormatError(
      `${labelsPath}: label ${labels.data[badIndex]} at index ${badIndex} is not a class id (0..${NUM_CLASSES - 1})`,
      { file: labelsPath },
    );
  }
  return { images: images.data, labels: labels.data, count };
}
