// Structure checks of docker-compose.yml and the Dockerfiles it builds. No Docker engine runs on
// the machines this is tested on, so neither `docker compose config` nor a build can run here:
// this reads the files and checks what the stack relies on.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText) as Compose;

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | { target?: number; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string; target?: string; read_only?: boolean })[];
  depends_on?: Record<string, { condition?: string }> | string[];
  deploy?: {
    resources?: {
      reservations?: {
        devices?: { driver?: string; count?: number | string; capabilities?: string[] }[];
      };
    };
  };
  healthcheck?: { test?: string[] | string };
  profiles?: string[];
  container_name?: string;
  stop_grace_period?: string;
  restart?: string;
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** The documented environment contract (docs/operations.md), plus what the container setup itself needs. */
const ALLOWED_ENV = new Set([
  'REDIS_URL',
  'API_PORT',
  'DASHBOARD_PORT',
  'API_URL',
  'API_TOKEN',
  'ARTIFACTS_DIR',
  'DATA_DIR',
  'CONVOY_BACKEND',
  'WORKER_QUEUES',
  'WORKER_CONCURRENCY',
  'TF_FORCE_GPU_ALLOW_GROWTH',
  'API_HOST',
  'DASHBOARD_HOST',
  'NODE_ENV',
  // Documented beyond the original contract: data-parallel threads per training job on wasm.
  'TRAINING_THREADS',
]);

const ARTIFACTS_MOUNT = '/var/convoy/artifacts';

function service(name: string): Service {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`service ${name} missing from docker-compose.yml`);
  return found;
}

function environment(name: string): Record<string, string> {
  const env = service(name).environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const index = entry.indexOf('=');
        return index < 0 ? [entry, ''] : [entry.slice(0, index), entry.slice(index + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)]));
}

interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

function mounts(name: string): Mount[] {
  return (service(name).volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') {
      return {
        source: volume.source ?? '',
        target: volume.target ?? '',
        readOnly: volume.read_only === true,
      };
    }
    const [source = '', target = '', mode = ''] = volume.split(':');
    return { source, target, readOnly: mode.split(',').includes('ro') };
  });
}

function dependsOn(name: string): Record<string, string | undefined> {
  const depends = service(name).depends_on ?? {};
  if (Array.isArray(depends)) return Object.fromEntries(depends.map((key) => [key, undefined]));
  return Object.fromEntries(Object.entries(depends).map(([key, value]) => [key, value.condition]));
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

function dockerfilePath(name: string): string {
  const build = service(name).build;
  if (build === undefined) throw new Error(`service ${name} has no build`);
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

describe('docker-compose.yml', () => {
  it('defines redis, api, dashboard, worker and worker-cpu', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['api', 'dashboard', 'redis', 'worker', 'worker-cpu'].sort(),
    );
  });

  it('runs Redis 7 with the append-only file on a named volume, health-checked', () => {
    const redis = service('redis');
    expect(redis.image).toMatch(/^redis:7(\b|$)/);
    const command = Array.isArray(redis.command) ? redis.command.join(' ') : (redis.command ?? '');
    expect(command).toMatch(/--appendonly\s+yes/);
    const data = mounts('redis').find((mount) => mount.target === '/data');
    expect(data).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(data?.source);
    const test = redis.healthcheck?.test;
    expect(Array.isArray(test) ? test.join(' ') : test).toMatch(/redis-cli\s+ping/);
  });

  it('makes the dashboard listen on all interfaces of its container, published on loopback only', () => {
    expect(environment('dashboard').DASHBOARD_HOST).toBe('0.0.0.0');
    expect(service('dashboard').ports?.every((port) => String(port).startsWith('127.0.0.1:'))).toBe(
      true,
    );
  });

  it('makes the API require a token and listen on all interfaces of its container', () => {
    const env = environment('api');
    expect(env.API_TOKEN).toMatch(/^\$\{API_TOKEN:\?.+\}$/);
    expect(env.API_HOST).toBe('0.0.0.0');
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(service('api').ports).toContain('${API_PORT:-3000}:3000');
    expect(dependsOn('api').redis).toBe('service_healthy');
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
    expect(env.WORKER_QUEUES).toBe('train,visualize');
    expect(durationSeconds(worker.stop_grace_period ?? '0s')).toBeGreaterThanOrEqual(60);
    expect(worker.restart).toBe('unless-stopped');
    expect(dependsOn('worker').redis).toBe('service_healthy');
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
    for (const name of ['redis', 'api', 'dashboard', 'worker']) {
      expect(service(name).profiles ?? []).toEqual([]);
    }
  });

  it('shares one artifacts volume at one path, read-only for the dashboard', () => {
    expect(Object.keys(compose.volumes ?? {})).toEqual(
      expect.arrayContaining(['artifacts', 'data']),
    );
    for (const name of ['api', 'dashboard', 'worker', 'worker-cpu']) {
      const mount = mounts(name).find((entry) => entry.source === 'artifacts');
      expect(mount, name).toBeDefined();
      expect(mount?.target, name).toBe(ARTIFACTS_MOUNT);
      expect(environment(name).ARTIFACTS_DIR, name).toBe(ARTIFACTS_MOUNT);
      expect(mount?.readOnly, name).toBe(name === 'dashboard');
    }
    for (const name of ['worker', 'worker-cpu']) {
      const data = mounts(name).find((entry) => entry.source === 'data');
      expect(data?.target, name).toBe(environment(name).DATA_DIR);
    }
  });

  it('uses only the environment variables of the contract', () => {
    const used = new Set<string>();
    for (const name of Object.keys(compose.services)) {
      for (const key of Object.keys(environment(name))) used.add(key);
    }
    // Interpolations: ${NAME}, ${NAME:-default}, ${NAME:?message}, $NAME (but not $$, an escape).
    for (const match of composeText.matchAll(/(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
      if (match[1] !== undefined) used.add(match[1]);
    }
    for (const file of new Set(
      Object.entries(compose.services).flatMap(([name, entry]) =>
        entry.build === undefined ? [] : [dockerfilePath(name)],
      ),
    )) {
      const text = readFileSync(file, 'utf8').replace(/\\\r?\n/g, ' ');
      for (const line of text.split(/\r?\n/)) {
        const env = /^\s*ENV\s+(.*)$/.exec(line);
        for (const pair of env?.[1]?.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g) ?? []) {
          if (pair[1] !== undefined) used.add(pair[1]);
        }
      }
    }
    expect([...used].filter((name) => !ALLOWED_ENV.has(name))).toEqual([]);
    expect(used).toContain('API_TOKEN');
  });

  it('runs each app from its built entry point', () => {
    const entry = (name: string) => {
      const command = service(name).command;
      return Array.isArray(command) ? command.join(' ') : command;
    };
    expect(entry('api')).toBe('node apps/api/dist/main.js');
    expect(entry('dashboard')).toBe('node apps/dashboard/dist/main.js');
    expect(entry('worker')).toBe('node apps/worker/dist/main.js');
    expect(entry('worker-cpu')).toBe('node apps/worker/dist/main.js');
  });
});

describe('Dockerfiles', () => {
  const built = Object.entries(compose.services).filter(([, entry]) => entry.build !== undefined);

  it('exist for every service that is built', () => {
    expect(built.map(([name]) => name).sort()).toEqual(
      ['api', 'dashboard', 'worker', 'worker-cpu'].sort(),
    );
    for (const [name] of built) expect(existsSync(dockerfilePath(name)), name).toBe(true);
  });

  it('build the node image on Node 20 or 22, in stages: npm ci and build, then a runtime', () => {
    for (const name of ['api', 'dashboard', 'worker-cpu']) {
      expect(dockerfilePath(name)).toBe(join(root, 'docker/node.Dockerfile'));
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
    const file = dockerfilePath('worker');
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

  it('keep host builds out of the build context', () => {
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split(/\r?\n/);
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
  });
});
