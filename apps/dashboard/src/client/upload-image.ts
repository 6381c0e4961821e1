/**
 * An uploaded input image, checked in the browser before it is sent: the model takes a square
 * grayscale image of a fixed size (28×28), and anything else can be made into one on a canvas.
 */

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/** The file's size in pixels, decoded by the browser; throws when the browser cannot read it. */
export async function imageSize(file: Blob): Promise<ImageSize> {
  const bitmap = await createImageBitmap(file);
  const size = { width: bitmap.width, height: bitmap.height };
  bitmap.close();
  return size;
}

/** What is wrong with the file as the model's input, or undefined when it fits. */
export async function uploadProblem(file: File, side: number): Promise<string | undefined> {
  if (file.type !== 'image/png') {
    return `${file.name} is not a PNG file: choose a ${side}×${side} PNG`;
  }
  let size: ImageSize;
  try {
    size = await imageSize(file);
  } catch {
    return `${file.name} cannot be read as an image`;
  }
  if (size.width === side && size.height === side) return undefined;
  return `${file.name} is ${size.width}×${size.height} pixels; the model takes ${side}×${side} grayscale images`;
}

/**
 * The image scaled to fit `side`×`side` (aspect kept, centred on black, Fashion-MNIST's
 * background, as the server composites transparency) and made grayscale with the luminance the
 * server uses for colour (ITU-R BT.601); a base64 PNG.
 */
export async function resizeToGrayscale(file: Blob, side: number): Promise<string> {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement('canvas');
  canvas.width = side;
  canvas.height = side;
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('this browser cannot draw on a canvas');
  context.fillStyle = '#000';
  context.fillRect(0, 0, side, side);
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  const scale = Math.min(side / bitmap.width, side / bitmap.height);
  const [width, height] = [bitmap.width * scale, bitmap.height * scale];
  context.drawImage(bitmap, (side - width) / 2, (side - height) / 2, width, height);
  bitmap.close();
  const pixels = context.getImageData(0, 0, side, side);
  const { data } = pixels;
  for (let index = 0; index < data.length; index += 4) {
    const gray = Math.round(
      0.299 * (data[index] ?? 0) + 0.587 * (data[index + 1] ?? 0) + 0.114 * (data[index + 2] ?? 0),
    );
    data[index] = gray;
    data[index + 1] = gray;
    data[index + 2] = gray;
    data[index + 3] = 255;
  }
  context.putImageData(pixels, 0, 0);
  const blob = await new Promise<Blob>((resolve, reject) =>
    canvas.toBlob(
      (png) => (png === null ? reject(new Error('the canvas gave no PNG')) : resolve(png)),
      'image/png',
    ),
  );
  return base64Of(blob);
}

export async function base64Of(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
