import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { UnrecoverableError, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGrayscalePng, visualizationCacheKey, visualizationDirectory } from '@convoy/core';
import {
  visualizationManifestSchema,
  type VisualizationJobResult,
  type VisualizationLayer,
} from '@convoy/schemas';
import { createConfig, createDashboard } from '@convoy/dashboard';
import { createHttpServer, serverLimitsOf } from '@convoy/http';
import {
  CNN_SUMMARY,
  float32File,
  history,
  startTestStack,
  tensorValues,
  trainingResult,
  waitFor,
  type TestStack,
} from './support/dashboard-stack.js';

/** A 28×28 grayscale PNG (base64), to upload. */
const grayPng = () =>
  encodeGrayscalePng(
    Uint8Array.from({ length: 784 }, (_, index) => ((index % 28) * 9) % 256),
  ).toString('base64');

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const LONG_AGO = new Date('2020-01-01T00:00:00Z');
const CONV0: VisualizationLayer = { index: 0, name: 'conv2d', className: 'Conv2D' };
const CONV1: VisualizationLayer = { index: 2, name: 'conv2d_1', className: 'Conv2D' };
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

let stack: TestStack;
const finishedJobs: string[] = [];

/** A worker's artifacts of a finished `cnn` run: written with an old mtime, like a real run's. */
async function writeTrainingArtifacts(jobId: string, epochs: number): Promise<void> {
  await stack.writeArtifact(jobId, 'summary.json', JSON.stringify(CNN_SUMMARY), LONG_AGO);
  await stack.writeArtifact(jobId, 'history.json', JSON.stringify(history(epochs)));
  for (const directory of ['model', 'initial']) {
    await stack.writeArtifact(
      jobId,
      `${directory}/model.json`,
      '{"format":"layers-model"}',
      LONG_AGO,
    );
    await stack.writeArtifact(jobId, `${directory}/weights.bin`, new Uint8Array(64), LONG_AGO);
  }
}

/**
 * Fake training: per epoch a progress report and history.json (120 ms apart, at most about 2 s in
 * all), then the model artifacts and the result.
 */
async function train(job: Job): Promise<unknown> {
  const epochs = Number((job.data as { params: { epochs: number } }).params.epochs);
  for (let epoch = 1; epoch <= epochs; epoch += 1) {
    await sleep(Math.min(120, 2_000 / epochs));
    await stack.writeArtifact(job.id ?? '', 'history.json', JSON.stringify(history(epoch)));
    await job.updateProgress({
      progress: { epoch, epochs, batch: 10, batches: 10, percent: (epoch / epochs) * 100 },
      history: history(epoch),
      backend: 'wasm',
      device: 'cpu',
    });
  }
  await writeTrainingArtifacts(job.id ?? '', epochs);
  return trainingResult(epochs);
}

interface StoredVisualization {
  readonly cacheKey: string;
  readonly result: VisualizationJobResult;
}

/** Writes a visualization's manifest and tensors where the worker would, and returns its result. */
async function writeVisualization(params: {
  jobId: string;
  kind: 'filters' | 'feature-maps';
  layer?: number;
  sample?: number;
  image?: string;
  weights?: 'trained' | 'untrained';
}): Promise<StoredVisualization> {
  const cacheKey = visualizationCacheKey(params);
  const directory = visualizationDirectory(cacheKey);
  const weights = params.weights ?? 'trained';
  const envelope = {
    version: 1,
    trainJobId: params.jobId,
    weights,
    cacheKey,
    createdAt: new Date().toISOString(),
  };
  const files = new Map<string, Buffer>();
  const tensor = (
    name: string,
    role: 'kernel' | 'input' | 'activation',
    shape: number[],
    layer?: VisualizationLayer,
  ) => {
    const stats = tensorValues(
      shape.reduce((product, size) => product * size, 1),
      shape.length,
    );
    const file = `${name}.f32`;
    files.set(file, float32File(stats.values));
    const { min, max, mean, std } = stats;
    return {
      name,
      role,
      file,
      shape,
      dtype: 'float32',
      ...(layer ? { layer } : {}),
      min,
      max,
      mean,
      std,
    };
  };
  const manifest = visualizationManifestSchema.parse(
    params.kind === 'filters'
      ? {
          ...envelope,
          kind: 'filters',
          layer: CONV0,
          tensors: [tensor('kernel', 'kernel', [3, 3, 1, 32], CONV0)],
        }
      : {
          ...envelope,
          kind: 'feature-maps',
          layers: [CONV0, CONV1],
          input:
            params.image === undefined
              ? { source: 'test-set', sample: params.sample ?? 0, label: 3, className: 'Dress' }
              : { source: 'upload', sha256: 'a'.repeat(64) },
          tensors: [
            tensor('input', 'input', [28, 28]),
            tensor('conv2d', 'activation', [28, 28, 32], CONV0),
            tensor('conv2d_1', 'activation', [14, 14, 64], CONV1),
          ],
        },
  );
  for (const [file, bytes] of files) {
    await stack.writeArtifact(params.jobId, `${directory}/${file}`, bytes);
  }
  await stack.writeArtifact(params.jobId, `${directory}/manifest.json`, JSON.stringify(manifest));
  return {
    cacheKey,
    result: {
      trainJobId: params.jobId,
      cacheKey,
      path: directory,
      cached: false,
      seconds: 0.1,
      manifest,
    },
  };
}

const dashboard = (path: string, init?: RequestInit) => fetch(`${stack.dashboardUrl}${path}`, init);

async function jobState(id: string): Promise<string> {
  const response = await stack.callApi(`/v1/jobs/${id}`);
  return ((await response.json()) as { state: string }).state;
}

/** A request with any headers (fetch cannot set Host); `body` is sent as the body. */
function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string> & { body?: string },
  base = stack.dashboardUrl,
): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  const { body, ...sent } = headers;
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: sent },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function jobCount(): Promise<number> {
  const list = (await (await stack.callApi('/v1/jobs?limit=100')).json()) as { items: unknown[] };
  return list.items.length;
}

async function expectPng(response: Response): Promise<Buffer> {
  const body = Buffer.from(await response.arrayBuffer());
  expect(response.status, body.toString('utf8').slice(0, 300)).toBe(200);
  expect(response.headers.get('content-type')).toBe('image/png');
  expect(body.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  return body;
}

/** GET twice: 200 with an ETag, then 304 without a body when the browser sends it back. */
async function expectRevalidation(path: string, cacheControl: RegExp): Promise<string> {
  const first = await dashboard(path);
  await expectPng(first);
  const etag = first.headers.get('etag');
  expect(etag).toMatch(/^"[^"]+"$/);
  expect(first.headers.get('cache-control')).toMatch(cacheControl);
  // As a browser revalidates (fetch() would add `Cache-Control: no-cache`, which forbids a 304).
  const second = await dashboard(path, {
    headers: { 'if-none-match': etag ?? '', 'cache-control': 'max-age=0' },
  });
  expect(second.status).toBe(304);
  expect((await second.arrayBuffer()).byteLength).toBe(0);
  expect(second.headers.get('etag')).toBe(etag);
  return etag ?? '';
}

beforeAll(async () => {
  stack = await startTestStack();
  await stack.startWorker('train', train);
  for (const seed of [1, 2]) finishedJobs.push(await stack.createTrainJob({ epochs: 2, seed }));
  for (const id of finishedJobs) {
    await waitFor(async () => ((await jobState(id)) === 'completed' ? true : undefined), `${id}`);
  }
});

afterAll(async () => {
  await stack?.stop();
});

describe('the API proxy', () => {
  it('forwards /api/* to /v1/* with the token, which never reaches the browser', async () => {
    // The API itself wants the token…
    expect((await fetch(`${stack.apiUrl}/v1/jobs`)).status).toBe(401);
    // …and the dashboard adds it, whatever the browser sends.
    const list = await dashboard('/api/jobs?type=train', {
      headers: { authorization: 'Bearer not-the-token' },
    });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { items: { id: string }[] };
    expect(body.items.map((item) => item.id)).toEqual(expect.arrayContaining(finishedJobs));

    const created = await dashboard('/api/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'train', params: { epochs: 1, seed: 9 } }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    expect(created.headers.get('location')).toBe(`/api/jobs/${id}`);
    await waitFor(async () => ((await jobState(id)) === 'completed' ? true : undefined), id);

    // The API's validation errors come through as they are, details included.
    const invalid = await dashboard('/api/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'train', params: { epochs: 0, dataset: { limit: 5 } } }),
    });
    expect(invalid.status).toBe(400);
    const error = (await invalid.json()) as { error: { details: { path: string }[] } };
    expect(error.error.details.map((detail) => detail.path)).toEqual(
      expect.arrayContaining(['params.epochs', 'params.dataset.limit']),
    );

    // Artifact downloads stream through, with the API's ETag.
    const model = await dashboard(`/api/jobs/${finishedJobs[0]}/artifacts/model/model.json`);
    expect(model.status).toBe(200);
    expect(await model.text()).toContain('layers-model');
    expect(model.headers.get('etag')).toBeTruthy();

    // Nothing the browser can load contains the token.
    const pages = [
      '/',
      '/?type=all',
      '/jobs/new',
      `/jobs/${finishedJobs[0]}`,
      `/jobs/${id}`,
      `/compare?ids=${finishedJobs.join(',')}`,
      '/fragments/jobs?type=all',
      ...['facts', 'history', 'model', 'visualizations'].map(
        (name) => `/jobs/${finishedJobs[0]}/fragments/${name}`,
      ),
      '/static/style.css',
      ...['job-list', 'submit', 'submit-run', 'job', 'run-actions', 'compare', 'dom', 'visual'].map(
        (name) => `/static/${name}.js`,
      ),
      '/api/jobs?type=train',
      `/api/jobs/${finishedJobs[0]}`,
      `/api/jobs/${finishedJobs[0]}/artifacts`,
    ];
    for (const path of pages) {
      const response = await dashboard(path);
      expect(response.status, path).toBe(200);
      const text = await response.text();
      expect(text.length, path).toBeGreaterThan(0);
      expect(text, path).not.toContain(stack.token);
      expect(JSON.stringify([...response.headers]), path).not.toContain(stack.token);
    }
  });

  it('refuses paths that leave /v1 and writes from other sites', async () => {
    const raw = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(stack.dashboardUrl);
        httpRequest({ host: url.hostname, port: url.port, path }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    expect(await raw('/api/../healthz')).toBe(400);
    expect(await raw('/api/%2e%2e/admin/queues')).toBe(400);
    expect(await raw('/api/jobs/..%2f..%2fadmin')).toBe(400);

    const crossSite = await dashboard('/api/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ type: 'train', params: {} }),
    });
    expect(crossSite.status).toBe(403);
    const sameSite = await dashboard(`/api/jobs/${finishedJobs[0]}`, {
      method: 'DELETE',
      headers: { origin: stack.dashboardUrl },
    });
    expect(sameSite.status).toBe(409); // reached the API: the job is already finished
  });

  it('answers only its own host names (DNS rebinding), writes only from its own pages', async () => {
    const { port } = new URL(stack.dashboardUrl);
    const jobsBefore = await jobCount();
    const evil = `evil.example:${port}`;
    // The reproduction of issue #11: a rebinding page posts with its own Host and Origin.
    const posted = await rawRequest('POST', '/api/jobs', {
      host: evil,
      origin: `http://${evil}`,
      'content-type': 'application/json',
      body: JSON.stringify({ type: 'train', params: { epochs: 1 } }),
    });
    expect(posted.status).toBe(421);
    expect(posted.body).toContain('MISDIRECTED_REQUEST');
    for (const path of [
      '/api/jobs',
      '/',
      `/jobs/${finishedJobs[0]}`,
      '/healthz',
      '/static/job.js',
    ]) {
      const answer = await rawRequest('GET', path, { host: evil, accept: 'text/html' });
      expect(answer.status, path).toBe(421);
      expect(answer.body, path).not.toContain(stack.token);
    }
    expect(await jobCount()).toBe(jobsBefore);

    // Its own names and addresses; writes only from a page of the same host and port.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect((await rawRequest('GET', '/api/jobs', { host })).status, host).toBe(200);
    }
    const cancel = (host: string, origin: string) =>
      rawRequest('DELETE', `/api/jobs/${finishedJobs[0]}`, { host, origin });
    expect((await cancel(`localhost:${port}`, `http://localhost:${port}`)).status).toBe(409);
    for (const origin of [
      `http://127.0.0.1:${port}`, // another name of the machine: another site for the browser
      'http://localhost:5173', // another local site
      `http://${evil}`,
      'null',
    ]) {
      expect((await cancel(`localhost:${port}`, origin)).status, origin).toBe(403);
    }
  });

  it('answers the names in DASHBOARD_ALLOWED_HOSTS, from pages of those names', async () => {
    const named = createDashboard(
      createConfig({
        apiUrl: stack.apiUrl,
        apiToken: stack.token,
        logLevel: 'silent',
        allowedHosts: 'convoy.example.com',
      }),
    );
    const server = createHttpServer(named.app, serverLimitsOf(createConfig({})));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const viaProxy = await rawRequest(
        'DELETE',
        `/api/jobs/${finishedJobs[0]}`,
        // A proxy in front rewrote Host; the page's origin is the listed name.
        { host: '127.0.0.1', origin: 'https://convoy.example.com' },
        base,
      );
      expect(viaProxy.status).toBe(409); // reached the API
      const listed = await rawRequest('GET', '/api/jobs', { host: 'convoy.example.com' }, base);
      expect(listed.status).toBe(200);
      const other = await rawRequest('GET', '/api/jobs', { host: 'convoy.example.org' }, base);
      expect(other.status).toBe(421);
    } finally {
      await named.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('closes a request whose body stops arriving (408) within its request timeout', async () => {
    const limits = { requestTimeoutMs: 1_000, headersTimeoutMs: 1_000 };
    const config = createConfig({ apiUrl: stack.apiUrl, logLevel: 'silent', ...limits });
    const slow = createDashboard(config);
    const server = createHttpServer(slow.app, serverLimitsOf(config));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    const socket = connect(typeof address === 'object' && address ? address.port : 0, '127.0.0.1');
    try {
      await once(socket, 'connect');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      const started = performance.now();
      socket.write(
        'POST /uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
          'Content-Length: 50000\r\n\r\n{"image":"iVBO',
      );
      await once(socket, 'close');
      const closedAfterMs = performance.now() - started;
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      expect(closedAfterMs).toBeLessThan(limits.requestTimeoutMs + 2_500);
    } finally {
      socket.destroy();
      await slow.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('streams a job’s events through as they happen, then ends with the job', async () => {
    const started = Date.now();
    const id = await stack.createTrainJob({ epochs: 4, seed: 5 });
    const response = await dashboard(`/api/jobs/${id}/events`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const events: { event: string; at: number; data: { state?: string } }[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, at: Date.now() - started, data: JSON.parse(data) });
      }
    }
    const names = events.map((event) => event.event);
    expect(names[0]).toBe('progress');
    expect(names.filter((name) => name === 'epoch').length).toBeGreaterThanOrEqual(3);
    expect(names.at(-1)).toBe('completed');
    expect(events.at(-1)?.data.state).toBe('completed');
    // Each event arrived when it happened (≈120 ms per epoch), not all at once at the end.
    const first = events[0]?.at ?? 0;
    const last = events.at(-1)?.at ?? 0;
    expect(last - first).toBeGreaterThan(250);
  });
});

describe('pages', () => {
  it('renders the job list, the form, a job and the comparison on the server', async () => {
    const [id] = finishedJobs as [string];
    const list = await (await dashboard('/')).text();
    expect(list).toContain(`/jobs/${id}`);
    expect(list).toContain('<progress');
    // The scripts and style sheet load from the build's own path, cached as immutable; the
    // modules they import resolve under it; the plain /static paths are revalidated.
    const base = /href="(\/static\/v\/[\w-]+)\/style\.css"/.exec(list)?.[1] ?? '';
    expect(base).not.toBe('');
    expect(list).toContain(`${base}/job-list.js`);
    for (const file of ['job-list.js', 'dom.js', 'uplot.js', 'style.css']) {
      const versioned = await dashboard(`${base}/${file}`);
      expect(versioned.status, file).toBe(200);
      expect(versioned.headers.get('cache-control'), file).toBe(
        'public, max-age=31536000, immutable',
      );
      const plain = await dashboard(`/static/${file}`);
      expect(plain.status, file).toBe(200);
      expect(plain.headers.get('cache-control'), file).toBe('no-cache');
      expect(await versioned.text()).toBe(await plain.text());
    }
    expect((await dashboard(`${base}/no-such.js`)).status).toBe(404);
    const rows = await (await dashboard('/fragments/jobs?type=train')).text();
    expect(rows).toContain(`data-id="${id}"`);
    expect(rows).toContain('completed');
    expect(rows).toContain('73.0%'); // best val_accuracy of the fake history

    const form = await (await dashboard('/jobs/new')).text();
    for (const path of [
      'params.epochs',
      'params.batchSize',
      'params.validationSplit',
      'params.dataset.limit',
      'params.earlyStopping.patience',
    ]) {
      expect(form).toContain(`data-error-for="${path}"`);
    }

    const page = await dashboard(`/jobs/${id}`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('333,526'); // the summary's total
    expect(html).toContain(`/jobs/${id}/architecture.png`);
    expect(html).toContain(`/jobs/${id}/curves.png?metric=loss`);
    expect(html).toContain(`/api/jobs/${id}/artifacts/model/model.json`);
    expect(html).toContain(`/api/jobs/${id}/artifacts/model/weights.bin`);
    // The conv layers to choose from, by their index in the model.
    expect(html).toMatch(/<option value="0">\s*0: conv2d/);
    expect(html).toMatch(/<option value="2">\s*2: conv2d_1/);
    expect(html).not.toContain('id="cancel-job" hidden=""'); // (attribute form below)
    expect(html).toMatch(/id="cancel-job"\s+hidden/);

    const fragment = await (await dashboard(`/jobs/${id}/fragments/history`)).text();
    expect(fragment).toContain('val_accuracy');
    expect((await dashboard(`/jobs/${id}/fragments/nope`)).status).toBe(404);

    const compare = await (await dashboard(`/compare?ids=${finishedJobs.join(',')}`)).text();
    expect(compare).toContain(`/compare/curves.png?ids=${finishedJobs.join(',')}&metric=loss`);
    expect(compare).toContain('data-conv-layers="0,2"');

    const missing = await dashboard('/jobs/train_doesnotexist00', {
      headers: { accept: 'text/html' },
    });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('Not found');
  });
});

describe('images', () => {
  it('draws curves, architecture and compare curves with ETags, immutable once finished', async () => {
    const [id, other] = finishedJobs as [string, string];
    const immutable = /^public, max-age=31536000, immutable$/;
    const loss = await expectRevalidation(`/jobs/${id}/curves.png?metric=loss`, immutable);
    const accuracy = await expectRevalidation(`/jobs/${id}/curves.png?metric=accuracy`, immutable);
    expect(accuracy).not.toBe(loss);
    await expectRevalidation(`/jobs/${id}/architecture.png`, immutable);
    await expectRevalidation(`/compare/curves.png?ids=${id},${other}&metric=accuracy`, immutable);
    expect((await dashboard(`/jobs/${id}/curves.png?metric=nope`)).status).toBe(400);
  });

  it('revalidates the curves of a job still running (no-cache) and 404s before its first epoch', async () => {
    const id = await stack.createTrainJob({ epochs: 40, seed: 3 });
    const response = await waitFor(async () => {
      const answer = await dashboard(`/jobs/${id}/curves.png?metric=loss`);
      return answer.status === 200 ? answer : undefined;
    }, 'the first epoch');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    await stack.callApi(`/v1/jobs/${id}`, { method: 'DELETE' });
  });

  it('draws a stored visualization from the artifacts without asking the API, then 304', async () => {
    const [id] = finishedJobs as [string];
    await writeVisualization({ jobId: id, kind: 'filters', layer: 0 });
    await writeVisualization({ jobId: id, kind: 'feature-maps', sample: 7 });
    const immutable = /^public, max-age=31536000, immutable$/;
    await expectRevalidation(`/jobs/${id}/visualizations/filters.png?layer=0`, immutable);
    const first = await expectRevalidation(
      `/jobs/${id}/visualizations/feature-maps.png?sample=7&layer=0`,
      immutable,
    );
    const second = await expectRevalidation(
      `/jobs/${id}/visualizations/feature-maps.png?sample=7&layer=conv2d_1`,
      immutable,
    );
    expect(second).not.toBe(first);
    await expectRevalidation(`/jobs/${id}/visualizations/input.png?sample=7`, immutable);
    const manifest = await dashboard(`/jobs/${id}/visualizations/feature-maps.json?sample=7`);
    expect(((await manifest.json()) as { manifest: { kind: string } }).manifest.kind).toBe(
      'feature-maps',
    );
    // Everything came from disk: no visualize job was submitted.
    const jobs = (await (await stack.callApi('/v1/jobs?type=visualize')).json()) as {
      items: unknown[];
    };
    expect(jobs.items).toHaveLength(0);
    // A layer the stored result does not show, and a channel the kernel does not have.
    expect(
      (await dashboard(`/jobs/${id}/visualizations/feature-maps.png?sample=7&layer=5`)).status,
    ).toBe(404);
    expect(
      (await dashboard(`/jobs/${id}/visualizations/filters.png?layer=0&channel=4`)).status,
    ).toBe(400);
  });

  it('answers 202 pending while a worker computes a visualization, then the PNG', async () => {
    const [, id] = finishedJobs as [string, string];
    const path = `/jobs/${id}/visualizations/feature-maps.png?sample=3&layer=2`;
    const pending = await dashboard(path);
    expect(pending.status).toBe(202);
    expect(pending.headers.get('cache-control')).toBe('no-store');
    const body = (await pending.json()) as { pending: boolean; jobId: string };
    expect(body.pending).toBe(true);
    expect(body.jobId).toMatch(/^visualize_/);
    // Asked again: the same job, not a second one.
    const again = (await (await dashboard(path)).json()) as { jobId: string };
    expect(again.jobId).toBe(body.jobId);

    await stack.startWorker('visualize', async (job) => {
      const params = (job.data as { params: Parameters<typeof writeVisualization>[0] }).params;
      // What only the worker finds out: the API accepted the request.
      if (params.kind === 'filters' && params.layer === 2) {
        throw new UnrecoverableError('ModelArtifactError: model/model.json cannot be read');
      }
      return (await writeVisualization(params)).result;
    });
    const image = await waitFor(async () => {
      const answer = await dashboard(path);
      return answer.status === 202 ? undefined : answer;
    }, 'the visualization');
    await expectPng(image);
    expect(image.headers.get('cache-control')).toMatch(/immutable/);

    // The visualize job has a page of its own and shows in the list of visualizations.
    const jobPage = await (await dashboard(`/jobs/${body.jobId}`)).text();
    expect(jobPage).toContain('Visualization job');
    expect(jobPage).toContain(`href="/jobs/${id}"`);
    const rows = await (await dashboard('/fragments/jobs?type=visualize')).text();
    expect(rows).toContain(`data-id="${body.jobId}"`);
    expect(rows).toContain('feature-maps of');
  });

  it('maps failures: 422 from the worker, 400 from the API, 409 without a model, 404 unknown, 400 bad query', async () => {
    const [id] = finishedJobs as [string];
    const failed = await waitFor(async () => {
      const answer = await dashboard(`/jobs/${id}/visualizations/filters.png?layer=2`);
      return answer.status === 202 ? undefined : answer;
    }, 'the failed visualization');
    expect(failed.status).toBe(422);
    const error = (await failed.json()) as { error: { code: string; message: string } };
    expect(error.error.code).toBe('VISUALIZATION_FAILED');
    expect(error.error.message).toMatch(/cannot be read/);

    // Filters of a dense layer: the API refuses the request against the model's summary, no job runs.
    const dense = await dashboard(`/jobs/${id}/visualizations/filters.png?layer=5`);
    expect(dense.status).toBe(400);
    const refusal = (await dense.json()) as {
      error: { code: string; message: string; details: { path: string }[] };
    };
    expect(refusal.error.code).toBe('VALIDATION_FAILED');
    expect(refusal.error.message).toMatch(
      /filters needs a Conv2D layer, and layer 5 dense \(Dense\) is not one; the model's are 0 conv2d \(Conv2D\), 2 conv2d_1 \(Conv2D\)/,
    );
    expect(refusal.error.details.map((detail) => detail.path)).toEqual(['params.layer']);

    // A training job that has not saved a model yet: the API says 409 and so does the dashboard.
    const waiting = await stack.createTrainJob({ epochs: 200, seed: 11 });
    const early = await dashboard(`/jobs/${waiting}/visualizations/filters.png?layer=0`);
    if (early.status !== 409) expect(early.status).toBe(202); // picked up and already saved one
    await stack.callApi(`/v1/jobs/${waiting}`, { method: 'DELETE' });

    expect((await dashboard('/jobs/train_doesnotexist00/visualizations/filters.png')).status).toBe(
      404,
    );
    expect((await dashboard(`/jobs/${id}/visualizations/nope.png`)).status).toBe(404);
    expect((await dashboard(`/jobs/${id}/visualizations/predictions.png`)).status).toBe(404);
    const bad = await dashboard(`/jobs/${id}/visualizations/filters.png?layer=NOPE`);
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { error: { details: { path: string }[] } }).error.details[0]?.path,
    ).toBe('layer');
    expect(
      (
        await dashboard(
          `/jobs/${id}/visualizations/feature-maps.png?sample=1&upload=${'a'.repeat(64)}`,
        )
      ).status,
    ).toBe(400);
  });

  it('keeps uploaded images by their sha256 and visualizes them', async () => {
    const [id] = finishedJobs as [string];
    const image = grayPng();
    const uploaded = await dashboard('/uploads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image }),
    });
    expect(uploaded.status).toBe(201);
    const { upload } = (await uploaded.json()) as { upload: string };
    expect(upload).toMatch(/^[0-9a-f]{64}$/);
    const png = await waitFor(async () => {
      const answer = await dashboard(
        `/jobs/${id}/visualizations/feature-maps.png?upload=${upload}&layer=0`,
      );
      return answer.status === 202 ? undefined : answer;
    }, 'the upload’s feature maps');
    await expectPng(png);
    expect(
      (await dashboard(`/jobs/${id}/visualizations/input.png?upload=${'b'.repeat(64)}`)).status,
    ).toBe(404);
    const notPng = await dashboard('/uploads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: 'not base64!' }),
    });
    expect(notPng.status).toBe(400);
  });
});

describe('without the API', () => {
  it('shows an error page, answers 502 on /api and 503 on /healthz', async () => {
    const dashboardOnly = createDashboard(
      createConfig({ apiUrl: 'http://127.0.0.1:9', logLevel: 'silent', apiTimeoutMs: 2_000 }),
    );
    const server = dashboardOnly.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(502);
      expect(await page.text()).toContain('unreachable');
      const api = await fetch(`${base}/api/jobs`);
      expect(api.status).toBe(502);
      expect(((await api.json()) as { error: { code: string } }).error.code).toBe(
        'API_UNAVAILABLE',
      );
      expect((await fetch(`${base}/healthz`)).status).toBe(503);
      // The form needs no API at all.
      expect((await fetch(`${base}/jobs/new`)).status).toBe(200);
    } finally {
      await dashboardOnly.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('says so when the API refuses the dashboard’s token', async () => {
    const wrongToken = createDashboard(
      createConfig({ apiUrl: stack.apiUrl, apiToken: 'wrong-token', logLevel: 'silent' }),
    );
    const server = wrongToken.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(502);
      expect(await page.text()).toContain('API_TOKEN');
    } finally {
      await wrongToken.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
