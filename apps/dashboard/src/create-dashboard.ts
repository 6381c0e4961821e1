import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { allowedHostsOnly, HostAllowList, requestLogger } from '@convoy/http';
import { createArtifactStore } from '@convoy/storage';
import { createApiProxy } from './api-proxy.js';
import { CHART_STYLES } from './chart-styles.js';
import { createChartRouter, UPLOT_SCRIPT } from './chart-routes.js';
import { queuesLinkOf, type DashboardConfig } from './config.js';
import { DashboardClient } from './dashboard-client.js';
import { createErrorHandler, notFoundHandler } from './error-handler.js';
import { HttpError } from './http-error.js';
import { createImageRouter } from './image-routes.js';
import { createLogger } from './logger.js';
import { LruCache } from './lru-cache.js';
import { createPageRouter } from './page-routes.js';
import { setQueuesLink } from './pages/layout.js';
import type { RenderedImage } from '@convoy/render';
import { STYLE_SHEET } from './styles.js';
import { UploadStore } from './uploads.js';
import { VisualizationResolver } from './visualization-resolver.js';
import { setStaticBase, staticVersionOf } from './static-assets.js';

export interface CreateDashboardOptions {
  /** Default: a pino logger at config.logLevel. */
  readonly logger?: Logger | undefined;
}

export interface Dashboard {
  readonly app: Express;
  /** Ends the API streams (SSE) it is proxying, so the HTTP server can close. */
  close(): Promise<void>;
}

/** The browser scripts compiled by tsconfig.client.json: `dist/public` beside src/ and dist/. */
export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('../dist/public/', import.meta.url));

/**
 * The web dashboard as an Express app: server-rendered pages, their small scripts, the API
 * proxy (`/api/*` → `/v1/*` with the token added on this side), and PNGs rendered from the
 * artifacts. It does not listen: main.ts does, and tests call `app.listen(0)`.
 */
export function createDashboard(
  config: DashboardConfig,
  options: CreateDashboardOptions = {},
): Dashboard {
  const logger = options.logger ?? createLogger(config.logLevel);
  const api = new DashboardClient({
    baseUrl: config.apiUrl,
    token: config.apiToken,
    timeoutMs: config.apiTimeoutMs,
  });
  const authorization: Record<string, string> =
    config.apiToken === undefined ? {} : { authorization: `Bearer ${config.apiToken}` };
  const store = createArtifactStore(config);
  const resolver = new VisualizationResolver({
    api,
    store,
    logger,
    waitMs: config.visualizationWaitMs,
  });
  const images = new LruCache<RenderedImage>({
    maxSize: config.imageCacheBytes,
    sizeOf: (image) => image.data.byteLength,
  });
  const proxy = createApiProxy({
    apiUrl: config.apiUrl,
    authorization: () => authorization,
    logger,
    onWrite: (path) => {
      const id = /^\/jobs\/([^/?]+)/.exec(path)?.[1];
      if (id !== undefined) api.forgetJob(id);
    },
  });
  setQueuesLink(queuesLinkOf(config));
  const publicDir = config.publicDir ?? DEFAULT_PUBLIC_DIR;
  if (!existsSync(publicDir)) {
    logger.warn({ publicDir }, 'the browser scripts are missing: run `npm run build`');
  }

  const hosts = new HostAllowList({ names: config.allowedHosts, boundHost: config.host });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // every cacheable answer sets its own ETag
  app.use(requestLogger(logger, 'debug'));
  // Before any route: a page of another site whose name resolves to this machine (DNS rebinding)
  // must not reach a route that acts with the API token.
  app.use(allowedHostsOnly(hosts, 'DASHBOARD_ALLOWED_HOSTS'));
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:', 'blob:'],
          'connect-src': ["'self'"],
          'form-action': ["'self'"],
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  app.use(sameOriginWrites(hosts));

  app.get('/healthz', async (_request, response) => {
    const apiUp = await fetch(`${config.apiUrl}/healthz`, { signal: AbortSignal.timeout(2_000) })
      .then((answer) => answer.ok)
      .catch(() => false);
    response
      .status(apiUp ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: apiUp ? 'ok' : 'unavailable', api: apiUp ? 'up' : 'down' });
  });
  // The build's own path, immutable (static-assets.ts); the plain /static paths stay, revalidated.
  const versioned = `/static/v/${staticVersionOf(publicDir, [STYLE_SHEET, CHART_STYLES, readFileSync(UPLOT_SCRIPT)])}`;
  setStaticBase(versioned);
  const immutable = 'public, max-age=31536000, immutable';
  for (const [base, cacheControl] of [
    [versioned, immutable],
    ['/static', 'no-cache'],
  ] as const) {
    app.get(`${base}/style.css`, (request, response) => {
      response.set({ 'Cache-Control': cacheControl, ETag: STYLE_ETAG });
      if (request.fresh) response.status(304).end();
      else response.type('css').send(STYLE_SHEET + CHART_STYLES);
    });
    app.get(`${base}/uplot.js`, (_request, response) => {
      response.sendFile(UPLOT_SCRIPT, {
        headers: {
          'Cache-Control': cacheControl,
          'Content-Type': 'text/javascript; charset=utf-8',
        },
      });
    });
    app.use(
      base,
      express.static(publicDir, {
        index: false,
        fallthrough: true,
        etag: true,
        setHeaders: (response) => response.setHeader('Cache-Control', cacheControl),
      }),
    );
  }
  app.use(createChartRouter({ api, store, resolver }));
  app.use('/api', proxy.handler);
  app.use(createImageRouter({ api, store, resolver, uploads: new UploadStore(), images }));
  app.use(createPageRouter({ api, store }));
  app.use(notFoundHandler());
  app.use(createErrorHandler(logger));

  let closing: Promise<void> | undefined;
  return {
    app,
    close: () => (closing ??= proxy.close()),
  };
}

const STYLE_ETAG = `"${createHash('sha256')
  .update(STYLE_SHEET + CHART_STYLES)
  .digest('base64url')
  .slice(0, 22)}"`;

/**
 * Requests that change something (POST, DELETE) must come from the dashboard's own pages: a
 * browser sends `Origin` with them, and an origin that is not one of the dashboard's (the same
 * host and port as the request, or a name in DASHBOARD_ALLOWED_HOSTS) is refused (403) before the
 * API token is ever used on its behalf. Requests without `Origin` come from programs, not pages.
 */
function sameOriginWrites(hosts: HostAllowList): RequestHandler {
  return function checkOrigin(request, _response, next) {
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') {
      next();
      return;
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !hosts.allowsOrigin(origin, request.headers.host)) {
      throw new HttpError(403, 'CROSS_ORIGIN', 'requests from other sites are refused');
    }
    next();
  };
}
