import { IMAGE_PIXELS, InvalidValueError, NUM_CLASSES } from '@convoy/schemas';

export { CLASS_NAMES, IMAGE_PIXELS, IMAGE_SIZE, NUM_CLASSES } from '@convoy/schemas';

/** `count` grayscale 28x28 images (uint8, row-major, image after image) and their class ids. */
export interface ImageSet {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

/** Copies the images at `indices` (in that order) into a new set. */
export function selectImages(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const count = indices.length;
  const images = new Uint8Array(count * IMAGE_PIXELS);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const index = indices[i] as number;
    if (!Number.isInteger(index) || index < 0 || index >= set.count) {
      throw new InvalidValueError(`selectImages: index ${index} is outside 0..${set.count - 1}`);
    }
    // One copy per image (native memcpy), not per pixel.
    images.set(
      set.images.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS),
      i * IMAGE_PIXELS,
    );
    labels[i] = set.labels[index] as number;
  }
  return { images, labels, count };
}

/** How many images of each class `labels` holds; throws on a label that is not a class id. */
export function countPerClass(labels: Uint8Array): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  labels.forEach((label, index) => {
    if (label >= NUM_CLASSES)
      throw new InvalidValueError(`label ${label} at index ${index} is not a class id`);
    counts[label] = (counts[label] ?? 0) + 1;
  });
  return counts;
}
