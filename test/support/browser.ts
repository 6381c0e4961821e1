import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './processes.js';

/** Debian's Chromium (apt); the tests never download a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const SCREENSHOT_DIR = join(ROOT, 'test-output/screenshots');

/** Headless Chromium with the flags that keep it quiet and offline. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A full-page screenshot under test-output/screenshots/<name>.png (gitignored). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Every <img> on the page that has not loaded (no src, broken, or still loading). */
export function brokenImages(page: Page): Promise<string[]> {
  return page.$$eval('img', (images) =>
    images
      .filter((img) => !(img.complete && img.naturalWidth > 0))
      .map((img) => img.getAttribute('src') ?? `(no src) ${img.alt}`),
  );
}

/**
 * Waits until every visualization figure has either loaded its image (a src, decoded, non-empty)
 * or failed, and every other <img> has loaded; returns the captions of the failed figures.
 * Visualizations are computed by workers on first view, hence the long default.
 */
export async function visualizationsSettled(page: Page, timeoutMs = 240_000): Promise<string[]> {
  await page.waitForFunction(
    () => {
      const figures = Array.from(document.querySelectorAll('figure.viz'));
      const settled = figures.every((figure) => {
        if (figure.classList.contains('failed')) return true;
        const img = figure.querySelector('img');
        return (
          !figure.classList.contains('pending') &&
          img !== null &&
          img.getAttribute('src') !== null &&
          img.complete &&
          img.naturalWidth > 0
        );
      });
      return (
        figures.length > 0 &&
        settled &&
        Array.from(document.querySelectorAll('img')).every((img) => img.complete)
      );
    },
    undefined,
    { timeout: timeoutMs, polling: 250 },
  );
  return page.$$eval('figure.failed', (figures) =>
    figures.map((figure) => figure.textContent ?? ''),
  );
}

/** A screenshot of one element (a section of a page). */
export async function screenshotElement(
  page: Page,
  selector: string,
  name: string,
): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.locator(selector).screenshot({ path });
  return path;
}
