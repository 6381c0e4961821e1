import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the pages load their scripts and style sheet from. createDashboard sets a path that names
 * the build (`/static/v/<hash>`), served as immutable: a second visit fetches none of the module
 * graph again (with `no-cache` every module was revalidated, one round trip each), and a new build
 * is a new path. The modules' relative imports stay under it. One per process: a dashboard is one.
 */
let staticBase = '/static';

export function setStaticBase(path: string): void {
  staticBase = path;
}

/** The URL of a file of the browser's bundle (`job.js`, `style.css`) under the current base. */
export function staticUrl(file: string): string {
  return `${staticBase}/${file}`;
}

/** A short hash of every file of the public folder (names and bytes) and of `extra` contents. */
export function staticVersionOf(publicDir: string, extra: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  if (existsSync(publicDir)) {
    for (const name of readdirSync(publicDir, { recursive: true, encoding: 'utf8' }).sort()) {
      const path = join(publicDir, name);
      hash.update(name);
      try {
        hash.update(readFileSync(path));
      } catch {
        // a folder: its files are listed on their own
      }
    }
  }
  for (const content of extra) hash.update(content);
  return hash.digest('base64url').slice(0, 12);
}
