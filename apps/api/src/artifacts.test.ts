import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactListSchema, createdJobSchema } from '@convoy/schemas';
import { buildPng, expectError, startTestApi, type TestApi } from './api.test-helper.js';

let api: TestApi;
let id: string;
const modelJson = JSON.stringify({ format: 'layers-model', weightsManifest: [] });
const weights = Uint8Array.from({ length: 4096 }, (_, index) => index % 251);
const png = buildPng();

beforeAll(async () => {
  api = await startTestApi();
  const response = await api.request('/v1/jobs', { method: 'POST', json: { type: 'train' } });
  id = createdJobSchema.parse(await response.json()).id;
  // What a worker leaves behind.
  await api.writeArtifact(id, 'params.json', '{"epochs":10}');
  await api.writeArtifact(id, 'history.json', '[]');
  await api.writeArtifact(id, 'model/model.json', modelJson);
  await api.writeArtifact(id, 'model/weights.bin', weights);
  await api.writeArtifact(id, 'plots/curve.png', png);
});
afterAll(async () => {
  await api.stop();
});

describe('artifacts', () => {
  it('lists every file of the job with its size, time and download URL', async () => {
    const response = await api.request(`/v1/jobs/${id}/artifacts`);
    expect(response.status).toBe(200);
    const { items } = artifactListSchema.parse(await response.json());
    expect(items.map((item) => item.path)).toEqual([
      'history.json',
      'model/model.json',
      'model/weights.bin',
      'params.json',
      'plots/curve.png',
    ]);
    const bin = items.find((item) => item.path === 'model/weights.bin');
    expect(bin).toMatchObject({ size: 4096, url: `/v1/jobs/${id}/artifacts/model/weights.bin` });
    expect(Date.parse(bin?.modified ?? '')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('lists nothing for a job that has written nothing yet', async () => {
    const response = await api.request('/v1/jobs', { method: 'POST', json: { type: 'train' } });
    const other = createdJobSchema.parse(await response.json()).id;
    expect(await (await api.request(`/v1/jobs/${other}/artifacts`)).json()).toEqual({ items: [] });
  });

  it('streams files with a content type by extension, an ETag and no-cache', async () => {
    const json = await api.request(`/v1/jobs/${id}/artifacts/model/model.json`);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(json.headers.get('cache-control')).toBe('no-cache');
    expect(json.headers.get('etag')).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+"$/);
    expect(await json.text()).toBe(modelJson);

    const bin = await api.request(`/v1/jobs/${id}/artifacts/model/weights.bin`);
    expect(bin.headers.get('content-type')).toBe('application/octet-stream');
    expect(bin.headers.get('content-length')).toBe('4096');
    expect(new Uint8Array(await bin.arrayBuffer())).toEqual(weights);

    const image = await api.request(`/v1/jobs/${id}/artifacts/plots/curve.png`);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);
  });

  it('answers 304 to a matching If-None-Match, and 200 once the file changed', async () => {
    const first = await api.request(`/v1/jobs/${id}/artifacts/history.json`);
    const etag = first.headers.get('etag') ?? '';
    await first.arrayBuffer();
    const again = await api.request(`/v1/jobs/${id}/artifacts/history.json`, {
      // fetch() adds `Cache-Control: no-cache` (a forced reload) unless the request has one.
      headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');

    await new Promise((resolve) => setTimeout(resolve, 20));
    await api.writeArtifact(id, 'history.json', '[{"epoch":1}]');
    const changed = await api.request(`/v1/jobs/${id}/artifacts/history.json`, {
      headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(await changed.json()).toEqual([{ epoch: 1 }]);
  });

  it('answers a byte range with 206 and Content-Range, and an impossible one with 416', async () => {
    const url = `/v1/jobs/${id}/artifacts/model/weights.bin`;
    const part = await api.request(url, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/4096');
    expect(part.headers.get('content-length')).toBe('100');
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(weights.subarray(100, 200));

    const tail = await api.request(url, { headers: { range: 'bytes=-96' } });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(weights.subarray(4000));

    const whole = await api.request(url);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    // If-Range with another version's tag: the whole (current) file, not a piece of it.
    const stale = await api.request(url, { headers: { range: 'bytes=0-9', 'if-range': '"old"' } });
    expect(stale.status).toBe(200);
    expect(new Uint8Array(await stale.arrayBuffer())).toHaveLength(4096);

    const beyond = await api.request(url, { headers: { range: 'bytes=5000-6000' } });
    await expectError(beyond, 416, 'RANGE_NOT_SATISFIABLE');
    expect(beyond.headers.get('content-range')).toBe('bytes */4096');
  });

  it('refuses a symbolic link that leads out of the job directory', async () => {
    await symlink('/etc/passwd', join(api.artifactsDir, id, 'passwd'));
    await expectError(
      await api.request(`/v1/jobs/${id}/artifacts/passwd`),
      400,
      'INVALID_ARTIFACT_PATH',
    );
    const { items } = artifactListSchema.parse(
      await (await api.request(`/v1/jobs/${id}/artifacts`)).json(),
    );
    expect(items.map((item) => item.path)).not.toContain('passwd');
  });
});
