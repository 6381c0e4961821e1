import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { RequestHandler, Router } from 'express';
import type { JobQueues } from '@convoy/queue';
import { HttpError } from './http-error.js';

/** bull-board's page asks Google Fonts for IBM Plex; without it the page falls back to sans-serif. */
const EXTERNAL_STYLESHEET = /<link\b[^>]*\bhref="https?:\/\/[^"]*"[^>]*>\s*/gi;

type ViewEngine = (
  path: string,
  options: object,
  callback: (error: Error | null, html?: string) => void,
) => void;

/**
 * bull-board's Express adapter, with its page served without links to other hosts: its
 * index.ejs links a Google Fonts stylesheet, which offline installs wait on (render-blocking, until
 * the lookup fails) and which tells Google who opens the queue page. Everything else the page
 * loads (scripts, styles, icons) is bull-board's own, under the same path.
 */
export class OfflineExpressAdapter extends ExpressAdapter {
  override setViewsPath(viewPath: string): ExpressAdapter {
    super.setViewsPath(viewPath);
    const engines = (this.app as unknown as { engines: Record<string, ViewEngine> }).engines;
    const render = engines['.ejs'];
    if (render === undefined) throw new Error('bull-board registered no ejs view engine');
    this.app.engine('ejs', (path, options, callback) => {
      render(path, options, (error, html) =>
        callback(error, html?.replace(EXTERNAL_STYLESHEET, '')),
      );
    });
    return this;
  }
}

/** bull-board over both queues, at `basePath`. */
export function queueDashboard(queues: JobQueues, basePath: string): Router {
  const board = new OfflineExpressAdapter();
  board.setBasePath(basePath);
  createBullBoard({
    queues: [
      new BullMQAdapter(queues.train),
      new BullMQAdapter(queues.visualize),
      new BullMQAdapter(queues.sweep),
    ],
    serverAdapter: board,
  });
  return board.getRouter() as Router;
}

/**
 * Changes to the queues (retry, clean, pause…) only from bull-board's own page: a browser that
 * has the token as Basic credentials sends them to any request for this host, also one a page of
 * another site makes, so a request that says it comes from elsewhere is refused. Clients outside a
 * browser (curl) send neither header.
 */
export function sameOriginChanges(): RequestHandler {
  return function refuseCrossSiteChanges(request, _response, next) {
    if (request.method === 'GET' || request.method === 'HEAD') {
      next();
      return;
    }
    const site = request.headers['sec-fetch-site'];
    const origin = request.headers.origin;
    const host = request.headers.host;
    const crossSite = site !== undefined && site !== 'same-origin' && site !== 'none';
    if (crossSite || (origin !== undefined && hostOf(origin) !== host)) {
      throw new HttpError(403, 'CROSS_SITE_REQUEST', 'queue changes must come from the queue page');
    }
    next();
  };
}

/** The host (and port) of an Origin header; undefined for `null` or anything malformed. */
function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
