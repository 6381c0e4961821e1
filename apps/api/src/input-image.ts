import { decodeInputImage, VisualizationInputError } from '@convoy/core';

/**
 * Checks an uploaded visualization image at the API boundary with the worker's own decoder, so an
 * image the worker would refuse is a 400 here and never a failed job. Undefined for an acceptable
 * image, else the reason it is not.
 */
export function checkInputImage(base64Png: string): string | undefined {
  try {
    decodeInputImage(base64Png);
    return undefined;
  } catch (error) {
    if (error instanceof VisualizationInputError) return error.message;
    throw error;
  }
}
