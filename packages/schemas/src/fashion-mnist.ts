/** The data set every Convoy model takes: 28×28 grayscale images in ten classes. */
export const IMAGE_SIZE = 28;
export const NUM_CLASSES = 10;
/** Pixels per image (28 × 28). */
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;
/** Fashion-MNIST's class names, by class id. */
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
