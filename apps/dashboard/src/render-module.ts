import type * as Render from '@convoy/render';
import { HttpError } from './http-error.js';

export type RenderModule = typeof Render;
export type { RenderedImage } from '@convoy/render';

let loading: Promise<RenderModule> | undefined;

/**
 * @convoy/render (node-canvas), loaded on the first image request: pages and the API proxy keep
 * working on a machine where the native canvas module cannot load, and images answer 503 there.
 */
export function loadRenderer(): Promise<RenderModule> {
  loading ??= import('@convoy/render').catch((error: unknown) => {
    loading = undefined;
    throw new HttpError(
      503,
      'RENDERER_UNAVAILABLE',
      'the image renderer (node-canvas) is unavailable',
      {
        cause: error,
      },
    );
  });
  return loading;
}
