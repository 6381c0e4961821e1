import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setStaticBase, staticUrl, staticVersionOf } from './static-assets.js';

describe('static assets', () => {
  const folders: string[] = [];
  afterEach(async () => {
    setStaticBase('/static');
    for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
  });

  it('versions the build by every file of the public folder and the extra contents', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'convoy-static-'));
    folders.push(folder);
    await mkdir(join(folder, 'nested'));
    await writeFile(join(folder, 'job.js'), 'export {};');
    await writeFile(join(folder, 'nested', 'dom.js'), 'export const a = 1;');
    const first = staticVersionOf(folder, ['style']);
    expect(first).toMatch(/^[\w-]{12}$/);
    expect(staticVersionOf(folder, ['style'])).toBe(first);
    expect(staticVersionOf(folder, ['other style'])).not.toBe(first);
    await writeFile(join(folder, 'nested', 'dom.js'), 'export const a = 2;');
    const changed = staticVersionOf(folder, ['style']);
    expect(changed).not.toBe(first);
    await writeFile(join(folder, 'new.js'), '');
    expect(staticVersionOf(folder, ['style'])).not.toBe(changed);
  });

  it('builds URLs under the base createDashboard sets', () => {
    expect(staticUrl('job.js')).toBe('/static/job.js');
    setStaticBase('/static/v/abc123');
    expect(staticUrl('style.css')).toBe('/static/v/abc123/style.css');
  });
});
