import { html, jsonForScript, type SafeHtml } from '../html.js';
import { staticUrl } from '../static-assets.js';

export type Section = 'jobs' | 'submit' | 'sweep' | 'compare';

export interface PageOptions {
  readonly title: string;
  readonly section?: Section | undefined;
  /** The browser script of the page (`job` → /static/job.js), if it has one. */
  readonly script?: string | undefined;
  /** Data for the script, as `<script type="application/json" id="page-data">`. */
  readonly data?: unknown;
}

/**
 * The API's queue page (bull-board), linked from the navigation when the operator's browser can
 * reach it (config: queuesLinkOf); set by createDashboard. One per process: a dashboard is one.
 */
let queuesLink: string | undefined;

export function setQueuesLink(url: string | undefined): void {
  queuesLink = url;
}

/** A whole page: navigation, the body, the style sheet and the page's module script. */
export function renderPage(options: PageOptions, body: SafeHtml): string {
  const link = (section: Section, href: string, label: string) =>
    html`<a href="${href}" class="${options.section === section ? 'current' : ''}">${label}</a>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · Convoy</title>
        <link rel="stylesheet" href="${staticUrl('style.css')}" />
        <link rel="icon" href="data:," />
        ${
          options.data === undefined
            ? ''
            : html`<script type="application/json" id="page-data">
                ${jsonForScript(options.data)}
              </script>`
        }
        ${
          options.script === undefined
            ? ''
            : html`<script type="module" src="${staticUrl(`${options.script}.js`)}"></script>`
        }
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to content</a>
        <header class="top">
          <nav>
            <a class="brand" href="/">Convoy</a>
            ${link('jobs', '/', 'Jobs')} ${link('submit', '/jobs/new', 'New training job')}
            ${link('sweep', '/sweeps/new', 'New sweep')}
            ${link('compare', '/compare', 'Compare runs')}
            ${
              queuesLink === undefined
                ? ''
                : html`<a href="${queuesLink}" id="queues-link" title="bull-board on the API"
                    >Queues</a
                  >`
            }
          </nav>
        </header>
        <main id="main" tabindex="-1">${body}</main>
      </body>
    </html> `.value;
}

export function renderErrorPage(status: number, message: string): string {
  return renderPage(
    { title: `Error ${status}` },
    html`<section class="card">
      <h1>${status === 404 ? 'Not found' : `Error ${status}`}</h1>
      <p>${message}</p>
      <p><a href="/">Back to the jobs</a></p>
    </section>`,
  );
}
