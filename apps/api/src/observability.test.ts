import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthSchema } from '@convoy/schemas';
import { expectError, startTestApi, type TestApi } from './api.test-helper.js';
import { createConfig } from './config.js';
import { createApi } from './create-api.js';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.stop();
});

describe('/healthz', () => {
  it('is 200 while Redis answers', async () => {
    const response = await api.request('/healthz');
    expect(response.status).toBe(200);
    expect(healthSchema.parse(await response.json())).toEqual({ status: 'ok', redis: 'up' });
  });

  it('is 503 when Redis does not answer, and requests fail with 503, not 500', async () => {
    const config = createConfig({
      redisUrl: 'redis://127.0.0.1:1',
      queuePrefix: 'test-unreachable',
      logLevel: 'silent',
      startupTimeoutMs: 100,
    });
    const down = await createApi(config);
    const server = down.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: 'unavailable', redis: 'down' });
      await expectError(await fetch(`${base}/v1/jobs`), 503, 'SERVICE_UNAVAILABLE');
      await expectError(
        await fetch(`${base}/v1/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"type":"train"}',
        }),
        503,
        'SERVICE_UNAVAILABLE',
      );
      // Bad input is still the caller's fault, whatever Redis does.
      await expectError(await fetch(`${base}/v1/jobs?limit=0`), 400, 'VALIDATION_FAILED');
    } finally {
      server.closeAllConnections();
      server.close();
      await down.close();
    }
  });
});

describe('/metrics', () => {
  it('exposes the Convoy metrics and the process metrics in Prometheus text format', async () => {
    await api.request('/v1/jobs');
    await api.request('/v1/jobs/train_zzzzzzzzzzzz');
    const response = await api.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    for (const name of [
      'convoy_jobs',
      'convoy_queue_depth',
      'convoy_job_duration_seconds',
      'convoy_training_images_per_second',
      'convoy_http_requests_total',
      'convoy_event_streams',
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain('convoy_queue_depth{queue="convoy-train"} 0');
    expect(text).toContain('convoy_jobs{type="visualize",state="waiting"} 0');
    // Routes are labelled by pattern, never by raw URL.
    expect(text).toContain(
      'convoy_http_requests_total{method="GET",route="/v1/jobs",status="200"} 1',
    );
    expect(text).toContain('route="/v1/jobs/:id",status="404"');
    expect(text).not.toContain('train_zzzzzzzzzzzz');
  });
});

describe('/openapi.json', () => {
  it('is an OpenAPI 3.1 document of every route, built from the schemas', async () => {
    const response = await api.request('/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>
      >;
      components: {
        schemas: Record<string, Record<string, unknown>>;
        securitySchemes: Record<string, unknown>;
      };
    };
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => key !== 'parameters')
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'POST /v1/jobs',
        'POST /v1/jobs:batch',
        'GET /v1/jobs',
        'GET /v1/jobs/{id}',
        'PATCH /v1/jobs/{id}',
        'DELETE /v1/jobs/{id}',
        'POST /v1/jobs/{id}/resume',
        'GET /v1/jobs/{id}/events',
        'GET /v1/jobs/{id}/artifacts',
        'GET /v1/jobs/{id}/artifacts/{path}',
        'GET /v1/jobs/{id}/model.tar',
        'GET /healthz',
        'GET /metrics',
        'GET /openapi.json',
        'GET /admin/queues',
      ].sort(),
    );
    expect(document.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      metricsAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    // The event stream documents its ids: the resume header and query, 204 after the end.
    const events = document.paths['/v1/jobs/{id}/events']?.get as unknown as {
      parameters: { name: string; in: string }[];
      responses: Record<string, unknown>;
    };
    expect(events.parameters.map((parameter) => `${parameter.in} ${parameter.name}`)).toEqual([
      'header Last-Event-ID',
      'query lastEventId',
    ]);
    expect(Object.keys(events.responses)).toEqual(
      expect.arrayContaining(['200', '204', '400', '421', '429', '503']),
    );
    const schemas = document.components.schemas;
    for (const name of [
      'Error',
      'CreateJobBody',
      'CreatedJob',
      'Job',
      'JobList',
      'ArtifactList',
      'Health',
    ]) {
      expect(schemas[name], name).toBeDefined();
      expect(schemas[name]).not.toHaveProperty('$schema');
    }
    // The request body comes from @convoy/schemas: both job types, the layer list, its bounds.
    const body = JSON.stringify(schemas.CreateJobBody);
    for (const fragment of [
      '"const":"train"',
      '"const":"visualize"',
      '"maxPooling2d"',
      '"batchSize"',
      '"weights-histogram"',
    ]) {
      expect(body).toContain(fragment);
    }
    // Sweeps: the body's sweep variant (search space, early-termination rules), the view's
    // sweep and trialOf fields, the purge answer's trials, sweeps in lists, sweep ids.
    for (const fragment of [
      '"const":"sweep"',
      '"log_uniform"',
      '"int_uniform"',
      '"const":"median"',
      '"const":"asha"',
      '"reductionFactor"',
      '"maxConcurrent"',
    ]) {
      expect(body).toContain(fragment);
    }
    expect(JSON.stringify(schemas.Job?.properties)).toContain('"trialOf"');
    expect(JSON.stringify(schemas.Job?.properties)).toContain('"leaderboard"');
    expect(JSON.stringify(schemas.Job?.properties)).toContain('#/components/schemas/SweepResult');
    expect(JSON.stringify(schemas.SweepResult)).toContain('"leaderboard"');
    expect(Object.keys(schemas.JobDeleted?.properties as object)).toContain('trials');
    const list = document.paths['/v1/jobs']?.get as unknown as {
      parameters: { name: string; schema: { enum?: string[] } }[];
    };
    expect(list.parameters.find((parameter) => parameter.name === 'type')?.schema.enum).toEqual([
      'train',
      'visualize',
      'sweep',
    ]);
    expect(JSON.stringify(document.paths['/v1/jobs/{id}'])).toContain('(train|visualize|sweep)_');
    expect(document.paths['/v1/jobs']?.post?.requestBody).toBeDefined();
    expect(Object.keys(document.paths['/v1/jobs']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['202', '400', '401', '404', '409', '413', '415']),
    );
    // Every $ref resolves.
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const [, section, name] = /#\/components\/(\w+)\/(\w+)/.exec(ref) ?? [];
      const components = document.components as unknown as Record<string, Record<string, unknown>>;
      expect(components[section ?? '']?.[name ?? ''], ref).toBeDefined();
    }
  });
});

/** Redocly CLI's JSON report of one lint run. */
interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
}

const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function lintOpenApi(document: unknown): Promise<LintReport> {
  const directory = await mkdtemp(join(tmpdir(), 'convoy-openapi-'));
  try {
    const file = join(directory, 'openapi.json');
    await writeFile(file, JSON.stringify(document));
    const cli = join(
      dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')),
      'bin/cli.js',
    );
    const run = promisify(execFile)(
      process.execPath,
      [cli, 'lint', '--config', join(REPOSITORY_ROOT, 'redocly.yaml'), '--format=json', file],
      // No telemetry, no update check: tests never reach outside the machine.
      { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
    );
    // A document with problems exits 1, and the report is still on stdout.
    const { stdout } = await run.catch((error: { stdout?: string }) => ({
      stdout: error.stdout ?? '',
    }));
    return JSON.parse(stdout.slice(stdout.indexOf('{'))) as LintReport;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

describe('/openapi.json lint', () => {
  it("passes Redocly CLI's recommended rules with no error or warning", async () => {
    const document = await (await api.request('/openapi.json')).json();
    const report = await lintOpenApi(document);
    const problems = report.problems.map(
      (problem) => `${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`,
    );
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('finds what it should: a public route without `security` is an error', async () => {
    const document = (await (await api.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    delete document.paths['/healthz']?.get?.security;
    const report = await lintOpenApi(document);
    expect(report.problems.map((problem) => problem.ruleId)).toContain('security-defined');
    expect(report.totals.errors).toBeGreaterThan(0);
  });

  it('lists a 4xx response for every /v1 operation', async () => {
    const document = (await (await api.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    };
    for (const [path, item] of Object.entries(document.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, operation] of Object.entries(item)) {
        if (method === 'parameters') continue;
        const statuses = Object.keys(operation.responses ?? {});
        expect(
          statuses.some((status) => status.startsWith('4')),
          `${method} ${path}`,
        ).toBe(true);
      }
    }
  });
});

describe('/admin/queues', () => {
  it('serves bull-board with both queues (no token configured here)', async () => {
    const page = await api.request('/admin/queues');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<base href="/admin/queues/"');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');

    const script = /src="(static\/js\/main[^"]+)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect((await api.request(`/admin/queues/${script}`)).status).toBe(200);

    const queues = await api.request('/admin/queues/api/queues');
    expect(queues.status).toBe(200);
    const body = (await queues.json()) as { queues: { name: string }[] };
    expect(body.queues.map((queue) => queue.name).sort()).toEqual([
      'convoy-sweep',
      'convoy-train',
      'convoy-visualize',
    ]);
  });
});
