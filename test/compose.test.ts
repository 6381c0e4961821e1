// Checks of the Compose files and the Dockerfiles they build. No Docker engine runs on the
// machines this is tested on, so neither `docker compose config` nor a build can run here: the
// files are validated against the Compose Specification's JSON Schema (fixtures in
// test/fixtures/compose-spec/), interpolated as Compose would, and checked for what the stack
// relies on; each app's own config reader then reads the environment a container would get.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig as loadApiConfig } from '@convoy/api';
import { loadConfig as loadDashboardConfig } from '@convoy/dashboard';
import { parseArtifactsUrl } from '@convoy/storage';
import { loadConfig as loadWorkerConfig } from '@convoy/worker';
import {
  commandLine,
  compileComposeSchema,
  dependsOnOf,
  environmentOf,
  interpolate,
  interpolationsIn,
  mergeCompose,
  MissingVariableError,
  mountsOf,
  readComposeFile,
  root,
  schemaErrors,
  service as serviceIn,
} from './support/compose-file.js';
import type { Compose, Service } from './support/compose-file.js';
import { allowedEnvironment } from './support/deployment-environment.js';

const main = readComposeFile('docker-compose.yml');
const publish = readComposeFile('docker-compose.publish.yml');
const workerOnly = readComposeFile('docker-compose.worker.yml');
const compose = main.compose;

const schemas = [
  compileComposeSchema('compose-spec (draft-07)', 'test/fixtures/compose-spec/compose-spec.json'),
  compileComposeSchema(
    'compose-go (2020-12)',
    'test/fixtures/compose-spec/compose-go/compose-spec.json',
  ),
];

/** A first host's .env, as docs/operations.md writes it. */
const FIRST_HOST_ENV = {
  API_TOKEN: '5f0c'.repeat(16),
  REDIS_PASSWORD: '9a3e'.repeat(16),
  MINIO_ROOT_USER: 'convoy-admin',
  MINIO_ROOT_PASSWORD: '1d7b'.repeat(16),
  CONVOY_S3_ACCESS_KEY: 'convoy',
  CONVOY_S3_SECRET_KEY: 'c42a'.repeat(16),
  CONVOY_PUBLISH_ADDRESS: '10.8.0.1',
};

/** A second host's .env: the first host's published addresses and Convoy's MinIO user. */
const GPU_HOST_ENV = {
  CONVOY_REDIS_URL: `redis://:${FIRST_HOST_ENV.REDIS_PASSWORD}@10.8.0.1:6379`,
  CONVOY_S3_ENDPOINT: 'http://10.8.0.1:9000',
  CONVOY_S3_ACCESS_KEY: FIRST_HOST_ENV.CONVOY_S3_ACCESS_KEY,
  CONVOY_S3_SECRET_KEY: FIRST_HOST_ENV.CONVOY_S3_SECRET_KEY,
};

/** Credentials and URLs that carry one: required (`:?`), never given a default. */
const SECRET_VARIABLES = [
  'API_TOKEN',
  'REDIS_PASSWORD',
  'MINIO_ROOT_USER',
  'MINIO_ROOT_PASSWORD',
  'CONVOY_S3_ACCESS_KEY',
  'CONVOY_S3_SECRET_KEY',
  'CONVOY_REDIS_URL',
];

const APP_ENTRY_POINTS = {
  api: 'node apps/api/dist/main.js',
  dashboard: 'node apps/dashboard/dist/main.js',
  worker: 'node apps/worker/dist/main.js',
} as const;

const DATA_DIR = '/var/convoy/data';

function service(name: string): Service {
  return serviceIn(compose, name);
}

function environment(name: string): Record<string, string> {
  return environmentOf(service(name));
}

/** Services that run a Convoy process (API, dashboard, worker), by their entry point. */
function appServices(file: Compose): [string, Service][] {
  const entryPoints: string[] = Object.values(APP_ENTRY_POINTS);
  return Object.entries(file.services).filter(([, entry]) =>
    entryPoints.includes(commandLine(entry.command)),
  );
}

/** Compose durations: `2m`, `1m30s`, `90s`, `500ms`. */
function durationSeconds(text: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6 };
  let total = 0;
  const rest = text.replace(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g, (_, amount: string, unit: string) => {
    total += Number(amount) * (units[unit] ?? Number.NaN);
    return '';
  });
  if (rest.trim() !== '') throw new Error(`not a duration: ${text}`);
  return total;
}

function dockerfilePath(entry: Service): string {
  const build = entry.build;
  if (build === undefined) throw new Error('service has no build');
  const context = typeof build === 'string' ? build : (build.context ?? '.');
  const dockerfile = typeof build === 'string' ? 'Dockerfile' : (build.dockerfile ?? 'Dockerfile');
  return join(root, context, dockerfile);
}

interface Stage {
  base: string;
  name?: string;
}

/** FROM lines with global ARG defaults substituted; stages built on earlier stages marked. */
function parseDockerfile(text: string): { stages: Stage[]; args: Record<string, string> } {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of joined.split(/\r?\n/)) {
    const arg = /^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)/.exec(line);
    if (arg?.[1] !== undefined && arg[2] !== undefined) args[arg[1]] = arg[2].replace(/^"|"$/g, '');
    const from = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from?.[1] !== undefined) {
      const base = from[1].replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, key: string) => {
        return args[key] ?? '';
      });
      stages.push(from[2] === undefined ? { base } : { base, name: from[2] });
    }
  }
  return { stages, args };
}

function externalBases(text: string): string[] {
  const { stages } = parseDockerfile(text);
  const names = new Set(stages.flatMap((stage) => (stage.name === undefined ? [] : [stage.name])));
  return stages.map((stage) => stage.base).filter((base) => !names.has(base));
}

function dockerfileEnvironment(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\\\r?\n/g, ' ');
  const names: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const env = /^\s*ENV\s+(.*)$/.exec(line);
    for (const pair of env?.[1]?.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g) ?? []) {
      if (pair[1] !== undefined) names.push(pair[1]);
    }
  }
  return names;
}

const PINNED_RELEASE = /:RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/;

describe('Compose files against the Compose Specification schema', () => {
  const documents: [string, unknown][] = [
    ['docker-compose.yml', compose],
    ['docker-compose.yml, interpolated', interpolate(compose, FIRST_HOST_ENV)],
    [
      'docker-compose.yml + docker-compose.publish.yml, interpolated',
      interpolate(mergeCompose(compose, publish.compose), FIRST_HOST_ENV),
    ],
    ['docker-compose.publish.yml', publish.compose],
    ['docker-compose.worker.yml', workerOnly.compose],
    ['docker-compose.worker.yml, interpolated', interpolate(workerOnly.compose, GPU_HOST_ENV)],
  ];

  for (const schema of schemas) {
    it.each(documents)(`%s is valid (${schema.label})`, (_, document) => {
      expect(schemaErrors(schema, document)).toEqual([]);
    });

    it(`rejects a broken file (${schema.label})`, () => {
      const wrongPorts = structuredClone(compose) as unknown as {
        services: { api: { ports: unknown } };
      };
      wrongPorts.services.api.ports = 3000;
      expect(schemaErrors(schema, wrongPorts)).toContainEqual(
        expect.stringMatching(/^\/services\/api\/ports must be array/),
      );

      const unknownKey = { ...compose, servics: {} };
      expect(schemaErrors(schema, unknownKey)).toContainEqual(
        expect.stringMatching(/additional properties \(servics\)$/),
      );

      const unknownServiceKey = structuredClone(compose) as unknown as {
        services: { worker: Record<string, unknown> };
      };
      unknownServiceKey.services.worker.stop_grace = '2m';
      expect(schemaErrors(schema, unknownServiceKey)).toContainEqual(
        expect.stringMatching(/^\/services\/worker must NOT have additional properties/),
      );
    });
  }
});

describe('docker-compose.yml', () => {
  it('defines redis, minio, minio-setup, api, dashboard, worker and worker-cpu', () => {
    expect(compose.name).toBe('convoy');
    expect(Object.keys(compose.services).sort()).toEqual(
      ['api', 'dashboard', 'minio', 'minio-setup', 'redis', 'worker', 'worker-cpu'].sort(),
    );
  });

  it('runs Redis 7 with the append-only file on a named volume, a password from .env and a health check that needs it', () => {
    const redis = service('redis');
    expect(redis.image).toMatch(/^redis:7(\b|$)/);
    const command = commandLine(redis.command);
    expect(command).toMatch(/^redis-server\b/);
    expect(command).toMatch(/--appendonly\s+yes/);
    expect(command).toMatch(/--requirepass \$\{REDIS_PASSWORD:\?[^}]+\}/);
    const data = mountsOf(redis).find((mount) => mount.target === '/data');
    expect(data?.type).toBe('volume');
    expect(Object.keys(compose.volumes ?? {})).toContain(data?.source);
    expect(environment('redis').REDISCLI_AUTH).toMatch(/^\$\{REDIS_PASSWORD:\?[^}]+\}$/);
    // redis-cli exits 0 on NOAUTH, so only the answer tells a working password.
    expect(commandLine(redis.healthcheck?.test)).toMatch(/redis-cli ping \| grep -q PONG/);
    expect(redis.ports ?? []).toEqual([]);
  });

  it('runs a pinned MinIO release, health-checked, its data on a named volume, its console unpublished', () => {
    const minio = service('minio');
    expect(minio.image).toMatch(/^quay\.io\/minio\/minio:/);
    expect(minio.image).toMatch(PINNED_RELEASE);
    expect(commandLine(minio.command)).toMatch(/^server \/data\b/);
    expect(commandLine(minio.healthcheck?.test)).toBe('CMD mc ready local');
    const data = mountsOf(minio).find((mount) => mount.target === '/data');
    expect(data?.type).toBe('volume');
    expect(Object.keys(compose.volumes ?? {})).toContain(data?.source);
    expect(minio.ports ?? []).toEqual([]);
    const env = environment('minio');
    expect(env.MINIO_ROOT_USER).toMatch(/^\$\{MINIO_ROOT_USER:\?[^}]+\}$/);
    expect(env.MINIO_ROOT_PASSWORD).toMatch(/^\$\{MINIO_ROOT_PASSWORD:\?[^}]+\}$/);
  });

  it('creates the bucket of ARTIFACTS_URL and a user limited to it, once MinIO is healthy', () => {
    const setup = service('minio-setup');
    expect(setup.image).toMatch(/^quay\.io\/minio\/mc:/);
    expect(setup.image).toMatch(PINNED_RELEASE);
    expect(setup.restart).toBe('no');
    expect(dependsOnOf(setup).minio).toBe('service_healthy');

    const mount = mountsOf(setup).find((entry) => entry.type === 'bind');
    expect(mount?.readOnly).toBe(true);
    expect(commandLine(setup.entrypoint)).toBe(`/bin/sh ${mount?.target}/setup.sh`);
    const directory = join(root, mount?.source ?? '');
    const script = readFileSync(join(directory, 'setup.sh'), 'utf8');
    // The shell's own parser, as the container's /bin/sh would read it.
    const syntax = spawnSync('sh', ['-n', join(directory, 'setup.sh')], { encoding: 'utf8' });
    expect(syntax.status, syntax.stderr).toBe(0);

    const location = parseArtifactsUrl(environment('api').ARTIFACTS_URL ?? '');
    if (location.kind !== 's3') throw new Error('ARTIFACTS_URL is not s3://');
    expect(script).toMatch(new RegExp(`^bucket=${location.bucket}$`, 'm'));
    expect(script).toContain('mc mb --ignore-existing "store/$bucket"');
    expect(script).toContain(
      'mc admin policy create store convoy-artifacts "$here/convoy-artifacts.json"',
    );
    expect(script).toContain(
      'mc admin policy attach store convoy-artifacts --user "$CONVOY_S3_ACCESS_KEY"',
    );
    // The secret reaches mc on standard input, not as an argument.
    expect(script).toMatch(
      /printf '%s\\n' "\$CONVOY_S3_SECRET_KEY" \| mc admin user add store "\$CONVOY_S3_ACCESS_KEY"$/m,
    );

    const policy = JSON.parse(readFileSync(join(directory, 'convoy-artifacts.json'), 'utf8')) as {
      Statement: { Effect: string; Action: string[]; Resource: string[] }[];
    };
    const resources = new Set(policy.Statement.flatMap((statement) => statement.Resource));
    expect(resources).toEqual(
      new Set([`arn:aws:s3:::${location.bucket}`, `arn:aws:s3:::${location.bucket}/*`]),
    );
    const actions = policy.Statement.flatMap((statement) => statement.Action);
    // What the S3 store sends: ListObjectsV2, Get/HeadObject, PutObject and multipart uploads, DeleteObjects.
    expect(actions).toEqual(
      expect.arrayContaining([
        's3:ListBucket',
        's3:GetObject',
        's3:PutObject',
        's3:DeleteObject',
        's3:AbortMultipartUpload',
      ]),
    );
    expect(actions.filter((action) => !/^s3:[A-Za-z]+$/.test(action))).toEqual([]);
    expect(policy.Statement.every((statement) => statement.Effect === 'Allow')).toBe(true);

    const env = environment('minio-setup');
    for (const name of Object.keys(env)) {
      expect(env[name], name).toMatch(new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`));
    }
  });

  it('keeps artifacts in the bucket for every Convoy process, with the user minio-setup creates', () => {
    const apps = appServices(compose);
    expect(apps.map(([name]) => name).sort()).toEqual(
      ['api', 'dashboard', 'worker', 'worker-cpu'].sort(),
    );
    for (const [name, entry] of apps) {
      const env = environmentOf(entry);
      expect(parseArtifactsUrl(env.ARTIFACTS_URL ?? ''), name).toEqual({
        kind: 's3',
        bucket: 'convoy',
        prefix: 'artifacts',
      });
      expect(env.S3_ENDPOINT, name).toBe('http://minio:9000');
      expect(env.S3_FORCE_PATH_STYLE, name).toBe('true');
      expect(env.AWS_REGION, name).toBe('us-east-1');
      expect(env.AWS_ACCESS_KEY_ID, name).toMatch(/^\$\{CONVOY_S3_ACCESS_KEY:\?[^}]+\}$/);
      expect(env.AWS_SECRET_ACCESS_KEY, name).toMatch(/^\$\{CONVOY_S3_SECRET_KEY:\?[^}]+\}$/);
      expect(env.ARTIFACTS_DIR, name).toBeUndefined();
      expect(dependsOnOf(entry)['minio-setup'], name).toBe('service_completed_successfully');
    }
  });

  it('makes every service that uses the bucket wait for the bucket to exist', () => {
    const users = Object.entries(compose.services).filter(([, entry]) =>
      (environmentOf(entry).ARTIFACTS_URL ?? '').startsWith('s3://'),
    );
    expect(users.length).toBeGreaterThan(0);
    for (const [name, entry] of users) {
      expect(dependsOnOf(entry)['minio-setup'], name).toBe('service_completed_successfully');
    }
  });

  it('shares no disk between processes: no artifacts volume, a private data cache per worker container', () => {
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual(['minio-data', 'redis-data']);
    const users = new Map<string, string[]>();
    for (const [name, entry] of Object.entries(compose.services)) {
      for (const mount of mountsOf(entry)) {
        if (mount.source === undefined) continue;
        users.set(mount.source, [...(users.get(mount.source) ?? []), name]);
      }
    }
    for (const [source, names] of users) expect(names, source).toHaveLength(1);

    expect(mountsOf(service('api'))).toEqual([]);
    expect(mountsOf(service('dashboard'))).toEqual([]);
    for (const name of ['worker', 'worker-cpu']) {
      // An anonymous volume: `--scale worker=3` gives each replica its own.
      expect(mountsOf(service(name)), name).toEqual([
        { type: 'volume', source: undefined, target: DATA_DIR, readOnly: false },
      ]);
      expect(environment(name).DATA_DIR, name).toBe(DATA_DIR);
    }
  });

  it('makes the dashboard listen on all interfaces of its container, published on loopback only', () => {
    expect(environment('dashboard').DASHBOARD_HOST).toBe('0.0.0.0');
    const ports = service('dashboard').ports ?? [];
    expect(ports.length).toBeGreaterThan(0);
    expect(ports.every((port) => String(port).startsWith('127.0.0.1:'))).toBe(true);
  });

  it('makes the API require a token and listen on all interfaces of its container', () => {
    const env = environment('api');
    expect(env.API_TOKEN).toMatch(/^\$\{API_TOKEN:\?.+\}$/);
    expect(env.API_HOST).toBe('0.0.0.0');
    expect(env.REDIS_URL).toMatch(/^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]+\}@redis:6379$/);
    expect(service('api').ports).toContain('${API_PORT:-3000}:3000');
    expect(dependsOnOf(service('api')).redis).toBe('service_healthy');
    // The dashboard talks to the same API and needs the same token.
    expect(environment('dashboard').API_TOKEN).toBe(env.API_TOKEN);
    expect(environment('dashboard').API_URL).toBe('http://api:3000');
  });

  it('gives the worker a GPU and lets it scale and checkpoint on stop', () => {
    const worker = service('worker');
    const devices = worker.deploy?.resources?.reservations?.devices ?? [];
    expect(devices).toContainEqual(
      expect.objectContaining({ driver: 'nvidia', count: 1, capabilities: ['gpu'] }),
    );
    const env = environment('worker');
    expect(env.TF_FORCE_GPU_ALLOW_GROWTH).toBe('true');
    expect(env.CONVOY_BACKEND).toBe('tensorflow-gpu');
    expect(env.WORKER_QUEUES).toBe('train,visualize,sweep');
    expect(env.REDIS_URL).toBe(environment('api').REDIS_URL);
    expect(durationSeconds(worker.stop_grace_period ?? '0s')).toBeGreaterThanOrEqual(60);
    expect(worker.restart).toBe('unless-stopped');
    expect(dependsOnOf(worker).redis).toBe('service_healthy');
  });

  it.each(['worker', 'worker-cpu'])(
    'lets `--scale %s=N` work: no container_name, no ports',
    (name) => {
      expect(service(name).container_name).toBeUndefined();
      expect(service(name).ports ?? []).toEqual([]);
    },
  );

  it('keeps the CPU worker behind a profile', () => {
    expect(service('worker-cpu').profiles).toContain('cpu');
    expect(environment('worker-cpu').CONVOY_BACKEND).toBe('auto');
    for (const name of ['redis', 'minio', 'minio-setup', 'api', 'dashboard', 'worker']) {
      expect(service(name).profiles ?? [], name).toEqual([]);
    }
  });

  it('runs each app from its built entry point', () => {
    expect(commandLine(service('api').command)).toBe(APP_ENTRY_POINTS.api);
    expect(commandLine(service('dashboard').command)).toBe(APP_ENTRY_POINTS.dashboard);
    expect(commandLine(service('worker').command)).toBe(APP_ENTRY_POINTS.worker);
    expect(commandLine(service('worker-cpu').command)).toBe(APP_ENTRY_POINTS.worker);
  });
});

describe('environment variables of the Compose files', () => {
  const files = [main, publish, workerOnly];

  it.each(['docker-compose.yml', 'docker-compose.worker.yml'])(
    '%s gives each Convoy process only variables its app reads (or the AWS SDK, Node, libtensorflow)',
    (fileName) => {
      const file = fileName === 'docker-compose.yml' ? main : workerOnly;
      for (const [name, entry] of appServices(file.compose)) {
        const allowed = allowedEnvironment(commandLine(entry.command));
        const unread = Object.keys(environmentOf(entry)).filter((key) => !allowed.has(key));
        expect(unread, `${fileName}: ${name}`).toEqual([]);
      }
    },
  );

  it('sets in the images only variables of the processes they run', () => {
    const byImage = new Map<string, Set<string>>();
    for (const file of [main, workerOnly]) {
      for (const [, entry] of appServices(file.compose)) {
        const dockerfile = dockerfilePath(entry);
        const allowed = byImage.get(dockerfile) ?? new Set<string>();
        for (const name of allowedEnvironment(commandLine(entry.command))) allowed.add(name);
        byImage.set(dockerfile, allowed);
      }
    }
    expect(byImage.size).toBe(2);
    for (const [dockerfile, allowed] of byImage) {
      const unread = dockerfileEnvironment(dockerfile).filter((name) => !allowed.has(name));
      expect(unread, dockerfile).toEqual([]);
    }
  });

  it('gives the apps an environment their own config readers accept', () => {
    const first = interpolate(compose, FIRST_HOST_ENV);
    const loaders = {
      [APP_ENTRY_POINTS.api]: loadApiConfig,
      [APP_ENTRY_POINTS.dashboard]: loadDashboardConfig,
      [APP_ENTRY_POINTS.worker]: loadWorkerConfig,
    } as Record<string, (env: NodeJS.ProcessEnv) => unknown>;
    const second = interpolate(workerOnly.compose, GPU_HOST_ENV);
    for (const [name, entry] of [...appServices(first), ...appServices(second)]) {
      const load = loaders[commandLine(entry.command)];
      expect(load, name).toBeDefined();
      expect(() => load?.(environmentOf(entry)), name).not.toThrow();
    }
    const worker = loadWorkerConfig(environmentOf(serviceIn(second, 'worker')));
    expect(worker.redisUrl).toBe(GPU_HOST_ENV.CONVOY_REDIS_URL);
    expect(worker.s3Endpoint).toBe(GPU_HOST_ENV.CONVOY_S3_ENDPOINT);
    expect(worker.artifactsUrl).toBe('s3://convoy/artifacts');
  });

  it('requires every credential from .env, with no default', () => {
    for (const file of files) {
      for (const { name, operator } of interpolationsIn(file.text)) {
        if (SECRET_VARIABLES.includes(name)) expect(operator, `${file.path}: ${name}`).toBe(':?');
      }
    }
    for (const name of Object.keys(FIRST_HOST_ENV)) {
      if (!SECRET_VARIABLES.includes(name)) continue;
      const env: Record<string, string> = { ...FIRST_HOST_ENV, [name]: '' };
      expect(() => interpolate(compose, env), name).toThrow(MissingVariableError);
      expect(() => interpolate(compose, env), name).toThrow(new RegExp(`\\b${name}\\b`));
    }
  });

  it('documents every variable the Compose files read from .env in docs/operations.md', () => {
    const docs = readFileSync(join(root, 'docs/operations.md'), 'utf8');
    const names = new Set(files.flatMap((file) => interpolationsIn(file.text).map((i) => i.name)));
    expect(names.size).toBeGreaterThan(5);
    const undocumented = [...names].filter((name) => !docs.includes(`\`${name}\``));
    expect(undocumented).toEqual([]);
  });
});

describe('docker-compose.publish.yml', () => {
  it('publishes only Redis and the S3 API of MinIO, on an address that must be chosen', () => {
    expect(Object.keys(publish.compose.services).sort()).toEqual(['minio', 'redis']);
    const ports = (name: string) => serviceIn(publish.compose, name).ports?.map(String) ?? [];
    const address = /^\$\{CONVOY_PUBLISH_ADDRESS:\?[^}]+\}/;
    expect(ports('redis')).toEqual([expect.stringMatching(address)]);
    expect(ports('redis')[0]).toMatch(/:6379:6379$/);
    expect(ports('minio')).toEqual([expect.stringMatching(address)]);
    expect(ports('minio')[0]).toMatch(/:9000:9000$/);
    // Only ports: the stack itself is docker-compose.yml's.
    for (const name of ['redis', 'minio']) {
      expect(Object.keys(serviceIn(publish.compose, name)), name).toEqual(['ports']);
    }
  });

  it('needs CONVOY_PUBLISH_ADDRESS: no default address', () => {
    const env: Record<string, string> = { ...FIRST_HOST_ENV };
    delete env.CONVOY_PUBLISH_ADDRESS;
    expect(() => interpolate(publish.compose, env)).toThrow(/CONVOY_PUBLISH_ADDRESS/);
    const merged = interpolate(mergeCompose(compose, publish.compose), FIRST_HOST_ENV) as Compose;
    expect(serviceIn(merged, 'redis').ports).toEqual(['10.8.0.1:6379:6379']);
    expect(serviceIn(merged, 'minio').ports).toEqual(['10.8.0.1:9000:9000']);
  });
});

describe('docker-compose.worker.yml', () => {
  const workers = workerOnly.compose;

  it('runs workers only, under a project name of its own', () => {
    expect(Object.keys(workers.services).sort()).toEqual(['worker', 'worker-cpu']);
    expect(workers.name).toBeDefined();
    expect(workers.name).not.toBe(compose.name);
    expect(workers.volumes).toBeUndefined();
    for (const [name, entry] of Object.entries(workers.services)) {
      expect(entry.depends_on, name).toBeUndefined();
    }
  });

  it('requires the first host’s Redis and S3 endpoint', () => {
    for (const name of ['worker', 'worker-cpu']) {
      const env = environmentOf(serviceIn(workers, name));
      expect(env.REDIS_URL, name).toMatch(/^\$\{CONVOY_REDIS_URL:\?[^}]+\}$/);
      expect(env.S3_ENDPOINT, name).toMatch(/^\$\{CONVOY_S3_ENDPOINT:\?[^}]+\}$/);
    }
    for (const name of Object.keys(GPU_HOST_ENV)) {
      const env: Record<string, string> = { ...GPU_HOST_ENV, [name]: '' };
      expect(() => interpolate(workers, env), name).toThrow(new RegExp(`\\b${name}\\b`));
    }
  });

  it.each(['worker', 'worker-cpu'])(
    'runs %s as docker-compose.yml does, but for the addresses and what it waited for',
    (name) => {
      // Interpolated: the messages of required variables may differ, their values may not.
      const here = serviceIn(interpolate(workers, GPU_HOST_ENV), name);
      const there = serviceIn(interpolate(compose, FIRST_HOST_ENV), name);
      const without = (entry: Service): Service => ({
        ...entry,
        environment: undefined,
        depends_on: undefined,
      });
      expect(without(here)).toEqual(without(there));
      const differing = ['REDIS_URL', 'S3_ENDPOINT'];
      const strip = (env: Record<string, string>) =>
        Object.fromEntries(Object.entries(env).filter(([key]) => !differing.includes(key)));
      expect(strip(environmentOf(here))).toEqual(strip(environmentOf(there)));
      expect(Object.keys(environmentOf(here)).sort()).toEqual(
        Object.keys(environmentOf(there)).sort(),
      );
    },
  );
});

describe('Dockerfiles', () => {
  const built = Object.entries(compose.services).filter(([, entry]) => entry.build !== undefined);

  it('exist for every service that is built', () => {
    expect(built.map(([name]) => name).sort()).toEqual(
      ['api', 'dashboard', 'worker', 'worker-cpu'].sort(),
    );
    for (const [name, entry] of built) expect(existsSync(dockerfilePath(entry)), name).toBe(true);
  });

  it('build the node image on Node 20 or 22, in stages: npm ci and build, then a runtime', () => {
    for (const name of ['api', 'dashboard', 'worker-cpu']) {
      expect(dockerfilePath(service(name))).toBe(join(root, 'docker/node.Dockerfile'));
    }
    const text = readFileSync(join(root, 'docker/node.Dockerfile'), 'utf8');
    const bases = externalBases(text);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^node:(20|22)([.-]|$)/);
    expect(parseDockerfile(text).stages.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/npm ci\b/);
    expect(text).toMatch(/npm run build\b/);
    expect(text).toMatch(/COPY --from=build\b/);
    expect(text).toContain('@tensorflow/tfjs-node@4.22.0');
    // node-canvas: headers to build, shared libraries to run.
    for (const pkg of ['libcairo2-dev', 'libpango1.0-dev', 'libjpeg-dev', 'libgif-dev']) {
      expect(text).toContain(pkg);
    }
    for (const pkg of ['libcairo2', 'libpango-1.0-0', 'libjpeg62-turbo', 'libgif7', 'librsvg2-2']) {
      expect(text).toContain(` ${pkg}`);
    }
  });

  it('build the GPU worker on CUDA 11.2 + cuDNN 8 with Node 20 or 22 and tfjs-node-gpu 4.22', () => {
    const file = dockerfilePath(service('worker'));
    expect(file).toBe(join(root, 'docker/worker-gpu.Dockerfile'));
    const text = readFileSync(file, 'utf8');
    const bases = externalBases(text);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^nvidia\/cuda:11\.2(\.\d+)?-cudnn8-/);
    const nodeVersion = parseDockerfile(text).args.NODE_VERSION ?? '';
    expect(nodeVersion).toMatch(/^(20|22)\.\d+\.\d+$/);
    expect(text).toMatch(/npm ci\b/);
    expect(text).toMatch(/npm install --no-save\b[^\n]*@tensorflow\/tfjs-node-gpu@4\.22\.0/);
    expect(text).toMatch(/TF_FORCE_GPU_ALLOW_GROWTH=true/);
  });

  it('keep host builds, secrets and Compose files out of the build context', () => {
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split(/\r?\n/);
    expect(ignore).toEqual(
      expect.arrayContaining(['**/node_modules', '**/dist', '.git', '.env', 'docker-compose*.yml']),
    );
  });
});
