import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPng, expectError, startTestApi, waitFor, type TestApi } from './api.test-helper.js';

/**
 * Requests a caller can get wrong, each answered with a 4xx and the JSON error shape, never a 5xx;
 * the API is healthy afterwards.
 */

let api: TestApi;
let trainId: string;
let completedId: string;
const statuses: number[] = [];

beforeAll(async () => {
  api = await startTestApi({ bodyLimit: '16kb' });
  const created = await api.request('/v1/jobs', { method: 'POST', json: { type: 'train' } });
  trainId = ((await created.json()) as { id: string }).id;
  await api.writeArtifact(trainId, 'model/model.json', '{}');
  await api.writeArtifact(trainId, 'history.json', '[]');

  // A finished job, run by a real worker, for the DELETE-after-completion case.
  await api.startWorker('train', async () => ({ ok: true }));
  const done = await api.request('/v1/jobs', { method: 'POST', json: { type: 'train' } });
  completedId = ((await done.json()) as { id: string }).id;
  await waitFor(async () => {
    const job = (await (await api.request(`/v1/jobs/${completedId}`)).json()) as { state: string };
    return job.state === 'completed' ? true : undefined;
  }, 'the job to complete');
});

afterAll(async () => {
  await api.stop();
});

interface Case {
  readonly name: string;
  readonly method?: string;
  readonly path?: string | (() => string);
  /** Sent as JSON (application/json); a function is called when the test runs. */
  readonly json?: unknown;
  /** Send the path exactly as written (fetch would resolve `%2e%2e` and `..` segments first). */
  readonly raw?: boolean;
  /** Sent as is, with `headers`. */
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly code: string;
  /** A details entry at this path is expected. */
  readonly detailPath?: string;
  /** The error's message says this (a caller can act on it without reading the schema). */
  readonly message?: RegExp;
}

const train = (params: unknown) => ({ type: 'train', params });
const visualize = (params: Record<string, unknown>) => () => ({
  type: 'visualize',
  params: { jobId: trainId, kind: 'feature-maps', ...params },
});
const png = (options: Parameters<typeof buildPng>[0] = {}) => buildPng(options).toString('base64');
const dense = (units: number, activation = 'relu') => ({ type: 'dense', units, activation });
const softmax = dense(10, 'softmax');

const cases: Case[] = [
  // Job bodies: types, ranges, unknown fields, models
  {
    name: 'no type',
    json: { params: {} },
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'type',
    message: /type is missing: it must be "train", "visualize" or "sweep"/,
  },
  {
    name: 'unknown job type',
    json: { type: 'predict', params: {} },
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'type',
    message: /type must be "train", "visualize" or "sweep", not "predict"/,
  },
  {
    name: 'epochs of the wrong type',
    json: train({ epochs: 'ten' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.epochs',
  },
  {
    name: 'epochs 0',
    json: train({ epochs: 0 }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.epochs',
  },
  {
    name: 'epochs 100000',
    json: train({ epochs: 100_000 }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.epochs',
  },
  {
    name: 'fractional batch size',
    json: train({ batchSize: 0.5 }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.batchSize',
  },
  {
    name: 'validation split 0.9',
    json: train({ validationSplit: 0.9 }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.validationSplit',
  },
  {
    name: 'negative learning rate',
    json: train({ optimizer: { learningRate: -1 } }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.optimizer.learningRate',
  },
  {
    name: 'dataset limit too small',
    json: train({ dataset: { limit: 5 } }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.dataset.limit',
  },
  {
    name: 'unknown top-level field',
    json: { type: 'train', params: {}, priority: 1 },
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'unknown params field',
    json: train({ epochz: 3 }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params',
  },
  {
    name: 'params as an array',
    json: train([1, 2]),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params',
  },
  {
    name: 'unknown preset',
    json: train({ model: { preset: 'resnet' } }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.model.preset',
  },
  {
    name: 'preset and layers together',
    json: train({ model: { preset: 'cnn', layers: [softmax] } }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.model',
    message: /^invalid request body: params\.model: give either preset or layers, not both/,
  },
  {
    name: 'preset and a valid layer list together',
    json: train({ model: { preset: 'cnn', layers: [{ type: 'flatten' }, softmax] } }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.model',
    message: /give either preset or layers, not both/,
  },
  {
    name: 'a model with neither preset nor layers',
    json: train({ model: {} }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.model',
    message: /model needs a preset \("cnn" or "cnn-avgpool"\) or a list of layers/,
  },
  {
    name: 'a model given as a string',
    json: train({ model: 'cnn' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.model',
    message: /model must be an object: \{ "preset"/,
  },
  {
    name: 'earlyStopping: true',
    json: train({ earlyStopping: true }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.earlyStopping',
    message: /earlyStopping is false \(off\) or an object/,
  },
  {
    name: 'a conv layer without its filters',
    json: train({
      model: { layers: [{ type: 'conv2d', kernelSize: 3 }, { type: 'flatten' }, softmax] },
    }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.model.layers.0.filters',
    message: /params\.model\.layers\.0\.filters: missing: expected number/,
  },
  {
    name: 'a kernel size of three numbers',
    json: train({
      model: {
        layers: [
          { type: 'conv2d', filters: 4, kernelSize: [3, 3, 3] },
          { type: 'flatten' },
          softmax,
        ],
      },
    }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.model.layers.0.kernelSize',
    message: /an integer 1–11, or a pair \[height, width\] of them/,
  },
  {
    name: 'a layer without a type',
    json: train({ model: { layers: [{ units: 10, activation: 'softmax' }] } }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.model.layers.0.type',
    message: /type must be one of conv2d, maxPooling2d, averagePooling2d, flatten, dense, dropout/,
  },
  {
    name: 'unknown layer type',
    json: train({
      model: { layers: [{ type: 'conv3d', filters: 4 }, { type: 'flatten' }, softmax] },
    }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.model.layers.0.type',
  },
  {
    name: 'unknown layer field',
    json: train({ model: { layers: [{ type: 'flatten', units: 3 }, softmax] } }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a model over the parameter bound',
    json: train({ model: { layers: [{ type: 'flatten' }, dense(4096), dense(4096), softmax] } }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.model.layers.2',
  },
  {
    name: 'a model that shrinks the image to nothing',
    json: train({
      model: {
        layers: [1, 2, 3]
          .map(() => ({ type: 'conv2d', filters: 4, kernelSize: 11 }))
          .concat([{ type: 'flatten' }, softmax] as never),
      },
    }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.model.layers.2',
  },
  {
    name: 'a model without a 10-way softmax',
    json: train({ model: { layers: [{ type: 'flatten' }, dense(5, 'softmax')] } }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.model.layers.1',
  },
  {
    name: 'an empty layer list',
    json: train({ model: { layers: [] } }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  // Bodies that are not JSON objects
  {
    name: 'a JSON array body',
    json: [],
    status: 400,
    code: 'VALIDATION_FAILED',
    message:
      /the body must be a JSON object: \{ "type": "train" \| "visualize" \| "sweep", "params"/,
  },
  {
    name: 'an empty JSON object',
    json: {},
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'type',
    message:
      /the body is an empty object: send \{ "type": "train" \| "visualize" \| "sweep", "params": \{ … \} \}/,
  },
  {
    name: 'a visualize job without params',
    json: { type: 'visualize' },
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params',
    message: /params: missing: expected object/,
  },
  {
    name: 'a JSON string body',
    body: '"train"',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'INVALID_JSON',
  },
  {
    name: 'a JSON null body',
    body: 'null',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'INVALID_JSON',
  },
  {
    name: 'broken JSON',
    body: '{"type": "train", ',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'INVALID_JSON',
  },
  {
    name: 'text/plain',
    body: '{"type":"train"}',
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a form',
    body: 'type=train',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a body without a content type',
    body: '{"type":"train"}',
    headers: {},
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a body over the limit',
    json: train({ padding: 'x'.repeat(20_000) }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'an empty body',
    body: '',
    headers: { 'content-type': 'application/json' },
    status: 400,
    code: 'VALIDATION_FAILED',
    message: /empty/,
  },
  {
    name: 'no body at all',
    headers: {},
    status: 400,
    code: 'VALIDATION_FAILED',
    message: /the request body is empty: send a JSON object/,
  },
  {
    name: 'unsupported charset',
    body: '{}',
    headers: { 'content-type': 'application/json; charset=latin1' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  // Visualizations
  {
    name: 'visualize an unknown training job',
    json: visualize({ jobId: 'train_zzzzzzzzzzzz' }),
    status: 404,
    code: 'TRAIN_JOB_NOT_FOUND',
    detailPath: 'params.jobId',
  },
  {
    name: 'visualize a visualize job',
    json: visualize({ jobId: 'visualize_zzzzzzzzzzzz' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.jobId',
  },
  {
    name: 'visualize with a malformed job id',
    json: visualize({ jobId: '../../etc' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.jobId',
  },
  {
    name: 'both sample and image',
    json: visualize({ sample: 3, image: png() }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.image',
  },
  {
    name: 'an image for a view without input',
    json: visualize({ kind: 'filters', image: png() }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.image',
  },
  {
    name: 'unknown visualization kind',
    json: visualize({ kind: 'saliency' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.kind',
  },
  {
    name: 'sample out of range',
    json: visualize({ sample: 10_000 }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.sample',
  },
  {
    name: 'an image that is not base64',
    json: visualize({ image: 'not base64 at all!' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.image',
  },
  {
    name: 'base64 with bad padding',
    json: visualize({ image: 'iVBORw0KGgo' }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.image',
  },
  {
    name: 'base64 of a non-PNG',
    json: visualize({ image: Buffer.from('GIF89a......').toString('base64') }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.image',
  },
  {
    name: 'a PNG of the wrong size',
    json: visualize({ image: png({ width: 64, height: 64 }) }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.image',
  },
  {
    name: 'a PNG with a bad CRC',
    json: visualize({ image: png({ corruptCrc: true }) }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.image',
  },
  {
    name: 'a truncated PNG',
    json: visualize({ image: png({ truncate: 50 }) }),
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'params.image',
  },
  // Job ids
  {
    name: 'GET an unknown job',
    method: 'GET',
    path: '/v1/jobs/train_zzzzzzzzzzzz',
    status: 404,
    code: 'JOB_NOT_FOUND',
  },
  {
    name: 'GET a malformed id',
    method: 'GET',
    path: '/v1/jobs/not-a-job',
    status: 404,
    code: 'JOB_NOT_FOUND',
  },
  {
    name: 'GET an id with an encoded traversal',
    method: 'GET',
    path: '/v1/jobs/..%2F..%2Fetc',
    status: 404,
    code: 'JOB_NOT_FOUND',
  },
  {
    name: 'GET an id with broken percent-encoding',
    method: 'GET',
    path: '/v1/jobs/%E0%A4%A',
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'DELETE an unknown job',
    method: 'DELETE',
    path: '/v1/jobs/visualize_zzzzzzzzzzzz',
    status: 404,
    code: 'JOB_NOT_FOUND',
  },
  {
    name: 'events of an unknown job',
    method: 'GET',
    path: '/v1/jobs/train_zzzzzzzzzzzz/events',
    status: 404,
    code: 'JOB_NOT_FOUND',
  },
  {
    name: 'artifacts of an unknown job',
    method: 'GET',
    path: '/v1/jobs/train_zzzzzzzzzzzz/artifacts',
    status: 404,
    code: 'JOB_NOT_FOUND',
  },
  {
    name: 'an artifact of a malformed id',
    method: 'GET',
    path: '/v1/jobs/..%2F/artifacts/history.json',
    status: 404,
    code: 'JOB_NOT_FOUND',
  },
  // Artifact paths
  {
    name: 'encoded ../ traversal',
    method: 'GET',
    path: () => `/v1/jobs/${trainId}/artifacts/..%2F..%2Fetc%2Fpasswd`,
    status: 400,
    code: 'INVALID_ARTIFACT_PATH',
  },
  {
    name: 'encoded dots',
    method: 'GET',
    path: () => `/v1/jobs/${trainId}/artifacts/%2e%2e/%2e%2e/etc/passwd`,
    raw: true,
    status: 400,
    code: 'INVALID_ARTIFACT_PATH',
  },
  {
    name: 'encoded dot segment',
    method: 'GET',
    path: () => `/v1/jobs/${trainId}/artifacts/model/%2e/model.json`,
    raw: true,
    status: 400,
    code: 'INVALID_ARTIFACT_PATH',
  },
  {
    name: 'an encoded slash',
    method: 'GET',
    path: () => `/v1/jobs/${trainId}/artifacts/model%2Fmodel.json`,
    status: 400,
    code: 'INVALID_ARTIFACT_PATH',
  },
  {
    name: 'an encoded backslash',
    method: 'GET',
    path: () => `/v1/jobs/${trainId}/artifacts/model%5Cmodel.json`,
    status: 400,
    code: 'INVALID_ARTIFACT_PATH',
  },
  {
    name: 'an absolute path',
    method: 'GET',
    path: () => `/v1/jobs/${trainId}/artifacts//etc/passwd`,
    status: 400,
    code: 'INVALID_ARTIFACT_PATH',
  },
  {
    name: 'an encoded absolute path',
    method: 'GET',
    path: () => `/v1/jobs/${trainId}/artifacts/%2Fetc%2Fpasswd`,
    status: 400,
    code: 'INVALID_ARTIFACT_PATH',
  },
  {
    name: 'a NUL byte',
    method: 'GET',
    path: () => `/v1/jobs/${trainId}/artifacts/history.json%00.png`,
    status: 400,
    code: 'INVALID_ARTIFACT_PATH',
  },
  {
    name: 'an empty segment',
    method: 'GET',
    path: () => `/v1/jobs/${trainId}/artifacts/model//model.json`,
    status: 400,
    code: 'INVALID_ARTIFACT_PATH',
  },
  {
    name: 'a missing artifact',
    method: 'GET',
    path: () => `/v1/jobs/${trainId}/artifacts/model/weights.bin`,
    status: 404,
    code: 'ARTIFACT_NOT_FOUND',
  },
  {
    name: 'a directory as an artifact',
    method: 'GET',
    path: () => `/v1/jobs/${trainId}/artifacts/model`,
    status: 404,
    code: 'ARTIFACT_NOT_FOUND',
  },
  // Query strings
  {
    name: 'limit 0',
    method: 'GET',
    path: '/v1/jobs?limit=0',
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'limit',
  },
  {
    name: 'limit 1000',
    method: 'GET',
    path: '/v1/jobs?limit=1000',
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'limit',
  },
  {
    name: 'limit not a number',
    method: 'GET',
    path: '/v1/jobs?limit=ten',
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'limit',
  },
  {
    name: 'fractional limit',
    method: 'GET',
    path: '/v1/jobs?limit=2.5',
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'limit',
  },
  {
    name: 'unknown state',
    method: 'GET',
    path: '/v1/jobs?state=running',
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'state',
  },
  {
    name: 'unknown type filter',
    method: 'GET',
    path: '/v1/jobs?type=predict',
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'type',
  },
  {
    name: 'a repeated query parameter',
    method: 'GET',
    path: '/v1/jobs?state=waiting&state=active',
    status: 400,
    code: 'VALIDATION_FAILED',
    detailPath: 'state',
  },
  {
    name: 'an unknown query parameter',
    method: 'GET',
    path: '/v1/jobs?sort=asc',
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a cursor that is not one',
    method: 'GET',
    path: '/v1/jobs?cursor=bm90LWEtam9i',
    status: 400,
    code: 'INVALID_CURSOR',
  },
  // Routes and methods
  { name: 'an unknown route', method: 'GET', path: '/v1/workers', status: 404, code: 'NOT_FOUND' },
  {
    name: 'PUT on the job collection',
    method: 'PUT',
    path: '/v1/jobs',
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
  },
  {
    name: 'PUT on a job',
    method: 'PUT',
    path: () => `/v1/jobs/${trainId}`,
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
  },
  {
    name: 'PATCH on a job without a body',
    method: 'PATCH',
    path: () => `/v1/jobs/${trainId}`,
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'POST on healthz',
    method: 'POST',
    path: '/healthz',
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
  },
  {
    name: 'DELETE on an artifact',
    method: 'DELETE',
    path: () => `/v1/jobs/${trainId}/artifacts/history.json`,
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
  },
  {
    name: 'DELETE of a finished job',
    method: 'DELETE',
    path: () => `/v1/jobs/${completedId}`,
    status: 409,
    code: 'JOB_FINISHED',
  },
];

describe('malformed requests', () => {
  it('has at least 35 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(35);
  });

  it.each(cases)('$name → $status $code', async (testCase) => {
    const method = testCase.method ?? 'POST';
    const path =
      typeof testCase.path === 'function' ? testCase.path() : (testCase.path ?? '/v1/jobs');
    const init: RequestInit & { json?: unknown } = { method };
    if (testCase.json !== undefined) {
      init.json =
        typeof testCase.json === 'function' ? (testCase.json as () => unknown)() : testCase.json;
    }
    if (testCase.body !== undefined) init.body = testCase.body;
    if (testCase.headers !== undefined) init.headers = testCase.headers;
    const response = testCase.raw ? await rawRequest(method, path) : await api.request(path, init);
    statuses.push(response.status);
    const error = await expectError(response, testCase.status, testCase.code);
    if (testCase.detailPath !== undefined) {
      expect(error.details?.map((detail) => detail.path)).toContain(testCase.detailPath);
    }
    if (testCase.message !== undefined) expect(error.message).toMatch(testCase.message);
    if (testCase.status === 405) expect(response.headers.get('allow')).toBeTruthy();
  });

  it('refuses literal ../ segments that a raw HTTP client sends', async () => {
    for (const path of [
      `/v1/jobs/${trainId}/artifacts/../../../../etc/passwd`,
      `/v1/jobs/${trainId}/artifacts/model/../../history.json`,
      `/v1/jobs/${trainId}/artifacts/./history.json`,
    ]) {
      const response = await rawRequest('GET', path);
      statuses.push(response.status);
      await expectError(response, 400, 'INVALID_ARTIFACT_PATH');
    }
  });

  it('is still healthy afterwards, and answered no request with a 5xx', async () => {
    const health = await api.request('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', redis: 'up' });
    expect(statuses.length).toBeGreaterThanOrEqual(cases.length);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    const metrics = await (await api.request('/metrics')).text();
    expect(metrics).not.toMatch(/convoy_http_requests_total\{[^}]*status="5\d\d"/);
  });
});

/** A request with the path sent exactly as given, as a fetch Response. */
function rawRequest(method: string, path: string): Promise<Response> {
  const url = new URL(api.baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: url.hostname, port: url.port, path, method },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (typeof value === 'string') headers.set(name, value);
          }
          resolve(
            new Response(Buffer.concat(chunks), { status: response.statusCode ?? 0, headers }),
          );
        });
      },
    );
    request.on('error', reject);
    request.end();
  });
}
