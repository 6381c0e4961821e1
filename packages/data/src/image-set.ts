export const IMAGE_SIZE = 28;
export const NUM_CLASSES = 10;
/** Pixels per image (28 x 28). */
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export const CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

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
      throw new RangeError(`selectImages: index ${index} is outside 0..${set.count - 1}`);
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
      throw new RangeError(`label ${label} at index ${index} is not a class id`);
    counts[label] = (counts[label] ?? 0) + 1;
  });
  return counts;
}
