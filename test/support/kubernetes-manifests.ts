// Renders deploy/kubernetes with the real Kustomize (kubectl's) and checks what comes out: against
// Kubernetes' and KEDA's schemas (kubernetes-models, generated from their OpenAPI definitions)
// and against what Convoy's own code reads (environment, ports, queue keys, shutdown bound).
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { QueueKeys } from 'bullmq';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import {
  ScaledObject,
  type IScaledObject,
} from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import {
  TriggerAuthentication,
  type ITriggerAuthentication,
} from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { parseAllDocuments } from 'yaml';
import { API_ENVIRONMENT_VARIABLES, loadConfig as loadApiConfig } from '@convoy/api';
import {
  DASHBOARD_ENVIRONMENT_VARIABLES,
  loadConfig as loadDashboardConfig,
} from '@convoy/dashboard';
import { isLoopbackHost } from '@convoy/http';
import { QUEUE_NAMES, redisKeyPrefixes } from '@convoy/queue';
import { loadConfig as loadWorkerConfig, WORKER_ENVIRONMENT_VARIABLES } from '@convoy/worker';
import { ROOT } from './processes.js';

const run = promisify(execFile);

export const KUBERNETES_DIR = join(ROOT, 'deploy/kubernetes');
export const NAMESPACE = 'convoy';

/** Read by the AWS SDK itself (credential and region chain), never by Convoy's config readers. */
export const AWS_SDK_VARIABLES = [
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
] as const;

/** Time a worker gets after its own shutdown bound: closing connections and threads. */
export const SHUTDOWN_MARGIN_MS = 10_000;

/** BullMQ's states of a job that still needs a worker, as KEDA must count them. */
export const UNFINISHED_STATES = ['wait', 'active', 'delayed', 'prioritized'] as const;

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

type App = 'api' | 'worker' | 'dashboard';
type AppConfig =
  | { app: 'api'; config: ReturnType<typeof loadApiConfig> }
  | { app: 'worker'; config: ReturnType<typeof loadWorkerConfig> }
  | { app: 'dashboard'; config: ReturnType<typeof loadDashboardConfig> };

const APP_VARIABLES: Record<App, readonly string[]> = {
  api: API_ENVIRONMENT_VARIABLES,
  worker: WORKER_ENVIRONMENT_VARIABLES,
  dashboard: DASHBOARD_ENVIRONMENT_VARIABLES,
};

// ---- rendering ----

/**
 * A copy of deploy/kubernetes whose secrets are the committed templates (secrets/*.env.example as
 * secrets/*.env): never a developer's real secrets, and proof that the templates are complete.
 */
export async function workingCopy(): Promise<string> {
  const copy = join(await mkdtemp(join(tmpdir(), 'convoy-kubernetes-')), 'kubernetes');
  await cp(KUBERNETES_DIR, copy, {
    recursive: true,
    filter: (source) => !source.endsWith('.env') || basename(source) === 'config.env',
  });
  const secrets = join(copy, 'base/secrets');
  for (const file of await readdir(secrets)) {
    if (file.endsWith('.env.example'))
      await copyFile(join(secrets, file), join(secrets, file.replace(/\.example$/, '')));
  }
  return copy;
}

export async function overlayNames(): Promise<string[]> {
  return (await readdir(join(KUBERNETES_DIR, 'overlays'), { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** The Kustomize built into kubectl: what `kubectl apply -k` renders. */
export async function kustomizeVersion(): Promise<string> {
  try {
    const { stdout } = await run('kubectl', ['version', '--client', '--output=json']);
    return String((JSON.parse(stdout) as { kustomizeVersion?: unknown }).kustomizeVersion);
  } catch (error) {
    throw new Error(
      'kubectl (with Kustomize v5) is needed to render deploy/kubernetes: install kubectl 1.27 or later',
      { cause: error },
    );
  }
}

export async function render(directory: string): Promise<Manifest[]> {
  const { stdout } = await run('kubectl', ['kustomize', directory], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseAllDocuments(stdout).map((document) => unfoldSecretData(document.toJS() as Manifest));
}

/**
 * Kustomize folds long base64 values of a Secret over several lines; the API server's decoder
 * skips the line breaks. Joined here, so the schema's `byte` format sees what the server decodes.
 */
function unfoldSecretData(manifest: Manifest): Manifest {
  if (manifest.kind !== 'Secret' || typeof manifest.data !== 'object' || manifest.data === null)
    return manifest;
  const data = Object.entries(manifest.data as Record<string, string>).map(
    ([key, value]) => [key, value.replace(/\s+/g, '')] as const,
  );
  return { ...manifest, data: Object.fromEntries(data) };
}

// ---- schemas ----

interface Validatable {
  validate(): void;
}
const MODELS: Record<string, new (data: never) => Validatable> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

/** What the schema of the manifest's apiVersion and kind finds wrong with it. */
export function schemaProblems(manifest: Manifest): string[] {
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  const Model = MODELS[key];
  if (Model === undefined) return [`${key} ${manifest.metadata?.name}: no schema for this kind`];
  try {
    new Model(manifest as never).validate();
    return [];
  } catch (error) {
    return [`${key} ${manifest.metadata?.name}: ${(error as Error).message}`];
  }
}

// ---- Convoy's contracts ----

/** The rendered manifests, by kind, with references resolved. */
export class Rendered {
  constructor(readonly manifests: readonly Manifest[]) {}

  of<T>(kind: string): (T & Manifest)[] {
    return this.manifests.filter((manifest) => manifest.kind === kind) as (T & Manifest)[];
  }

  find<T>(kind: string, name: string): (T & Manifest) | undefined {
    return this.of<T>(kind).find((manifest) => manifest.metadata.name === name);
  }

  /** A key of a ConfigMap or (decoded) Secret; undefined when either is missing. */
  value(kind: 'ConfigMap' | 'Secret', name: string, key: string): string | undefined {
    if (kind === 'ConfigMap') return this.find<IConfigMap>('ConfigMap', name)?.data?.[key];
    const secret = this.find<ISecret>('Secret', name);
    const encoded = secret?.data?.[key];
    return encoded === undefined ? secret?.stringData?.[key] : atob(encoded);
  }

  keys(kind: 'ConfigMap' | 'Secret', name: string): string[] | undefined {
    if (kind === 'ConfigMap') {
      const map = this.find<IConfigMap>('ConfigMap', name);
      return map && Object.keys(map.data ?? {});
    }
    const secret = this.find<ISecret>('Secret', name);
    return secret && [...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})];
  }
}

/** One container of a Deployment, with the environment it gets and its app's parsed config. */
export interface ContainerView {
  readonly deployment: IDeployment & Manifest;
  readonly container: IContainer;
  readonly where: string;
  readonly env: Record<string, string>;
  readonly app?: AppConfig;
}

export function appOf(container: IContainer): App | undefined {
  const command = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
  return /apps\/(api|worker|dashboard)\/dist\/main\.js/.exec(command)?.[1] as App | undefined;
}

/** The container's environment as the pod gets it, and each reference that points nowhere. */
export function environmentOf(
  rendered: Rendered,
  container: IContainer,
  where: string,
): { env: Record<string, string>; problems: string[] } {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (const source of container.envFrom ?? []) {
    const [kind, name] = source.configMapRef
      ? (['ConfigMap', source.configMapRef.name] as const)
      : (['Secret', source.secretRef?.name ?? ''] as const);
    const keys = rendered.keys(kind, name ?? '');
    if (keys === undefined) problems.push(`${where}: envFrom ${kind} ${name} does not exist`);
    for (const key of keys ?? []) env[key] = rendered.value(kind, name ?? '', key) ?? '';
  }
  for (const variable of container.env ?? []) {
    const reference = variable.valueFrom?.secretKeyRef
      ? (['Secret', variable.valueFrom.secretKeyRef] as const)
      : variable.valueFrom?.configMapKeyRef
        ? (['ConfigMap', variable.valueFrom.configMapKeyRef] as const)
        : undefined;
    if (reference === undefined) {
      env[variable.name] = variable.value ?? '';
      continue;
    }
    const [kind, { name, key }] = reference;
    const value = rendered.value(kind, name ?? '', key);
    if (value === undefined)
      problems.push(
        `${where}: ${variable.name} refers to ${kind} ${name} key ${key}, which does not exist`,
      );
    env[variable.name] = value ?? '';
  }
  return { env, problems };
}

function loadAppConfig(app: App, env: Record<string, string>): AppConfig {
  if (app === 'api') return { app, config: loadApiConfig(env) };
  if (app === 'worker') return { app, config: loadWorkerConfig(env) };
  return { app, config: loadDashboardConfig(env) };
}

/** Every container of every Deployment, and the problems found on the way. */
export function containerViews(rendered: Rendered): { views: ContainerView[]; problems: string[] } {
  const views: ContainerView[] = [];
  const problems: string[] = [];
  for (const deployment of rendered.of<IDeployment>('Deployment')) {
    for (const container of deployment.spec?.template.spec?.containers ?? []) {
      const where = `Deployment ${deployment.metadata.name} container ${container.name}`;
      const { env, problems: broken } = environmentOf(rendered, container, where);
      problems.push(...broken);
      const app = appOf(container);
      if (app === undefined) {
        problems.push(`${where}: runs none of apps/{api,worker,dashboard}/dist/main.js`);
        views.push({ deployment, container, where, env });
        continue;
      }
      const allowed = new Set([...APP_VARIABLES[app], ...AWS_SDK_VARIABLES]);
      for (const name of Object.keys(env).filter((variable) => !allowed.has(variable)))
        problems.push(`${where}: ${name} is not read by the ${app}`);
      try {
        views.push({ deployment, container, where, env, app: loadAppConfig(app, env) });
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
        views.push({ deployment, container, where, env });
      }
    }
  }
  return { views, problems };
}

function probePort(container: IContainer, probe: IProbe): number | undefined {
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
  if (typeof port === 'number') return port;
  return container.ports?.find((entry) => entry.name === port)?.containerPort;
}

/** Where the app listens, as its own config says: the port its probes must use. */
function listening(app: AppConfig): { port: number | undefined; host: string } {
  if (app.app === 'worker') return { port: app.config.healthPort, host: app.config.healthHost };
  return { port: app.config.port, host: app.config.host };
}

export function probeProblems(view: ContainerView): string[] {
  const { container, where, app } = view;
  if (app === undefined) return [];
  const problems: string[] = [];
  const { port, host } = listening(app);
  const declared = container.ports?.map((entry) => entry.containerPort) ?? [];
  if (port === undefined || !declared.includes(port))
    problems.push(
      `${where}: the ${app.app} listens on port ${port}, not a declared containerPort (${declared.join(', ')})`,
    );
  if (isLoopbackHost(host))
    problems.push(`${where}: the ${app.app} listens on ${host}, which the kubelet cannot reach`);
  for (const kind of ['livenessProbe', 'readinessProbe'] as const) {
    const probe = container[kind];
    if (probe === undefined) problems.push(`${where}: no ${kind}`);
    else if (probePort(container, probe) !== port)
      problems.push(
        `${where}: ${kind} probes port ${probePort(container, probe)}, the ${app.app} listens on ${port}`,
      );
  }
  if (app.app === 'worker') {
    if (container.livenessProbe?.httpGet?.path !== '/healthz')
      problems.push(`${where}: livenessProbe must ask the worker's /healthz`);
    if (container.readinessProbe?.httpGet?.path !== '/readyz')
      problems.push(`${where}: readinessProbe must ask the worker's /readyz`);
  }
  return problems;
}

/** A worker's grace period covers its own shutdown bound; its data cache is private. */
export function workerProblems(view: ContainerView): string[] {
  const { deployment, container, where, app } = view;
  if (app?.app !== 'worker') return [];
  const problems: string[] = [];
  const pod = deployment.spec?.template.spec;
  const graceSeconds = pod?.terminationGracePeriodSeconds ?? 30;
  const neededMs = app.config.shutdownTimeoutMs + SHUTDOWN_MARGIN_MS;
  if (graceSeconds * 1000 < neededMs)
    problems.push(
      `${where}: terminationGracePeriodSeconds ${graceSeconds} is under the worker's shutdown bound (${app.config.shutdownTimeoutMs} ms) plus ${SHUTDOWN_MARGIN_MS} ms`,
    );
  const mount = container.volumeMounts?.find((entry) => entry.mountPath === app.config.dataDir);
  const volume = pod?.volumes?.find((entry) => entry.name === mount?.name);
  if (volume?.emptyDir === undefined)
    problems.push(`${where}: DATA_DIR (${app.config.dataDir}) is not an emptyDir volume`);
  return problems;
}

/** No process depends on a shared disk: artifacts in S3, no persistent or host volumes. */
export function storageProblems(view: ContainerView): string[] {
  const { deployment, where, app } = view;
  const problems: string[] = [];
  if (app !== undefined && !app.config.artifactsUrl?.startsWith('s3://'))
    problems.push(`${where}: ARTIFACTS_URL is not an s3:// URL (${app.config.artifactsUrl})`);
  for (const volume of deployment.spec?.template.spec?.volumes ?? []) {
    if (volume.emptyDir === undefined)
      problems.push(
        `${where}: volume ${volume.name} is not an emptyDir (no process may depend on a shared disk)`,
      );
  }
  return problems;
}

export function imageProblems(view: ContainerView): string[] {
  const image = view.container.image ?? '';
  return /^([a-z0-9.-]+(:\d+)?\/)*convoy\/(node|worker-gpu):[\w.-]+$/.test(image) &&
    !image.endsWith(':latest')
    ? []
    : [`${view.where}: image ${image} is not a tagged convoy/node or convoy/worker-gpu`];
}

export function serviceProblems(rendered: Rendered): string[] {
  const problems: string[] = [];
  for (const service of rendered.of<IService>('Service')) {
    const where = `Service ${service.metadata.name}`;
    if ((service.spec?.type ?? 'ClusterIP') !== 'ClusterIP')
      problems.push(
        `${where}: type ${service.spec?.type}; expose the API through an Ingress instead`,
      );
    const selector = Object.entries(service.spec?.selector ?? {});
    const targets = rendered
      .of<IDeployment>('Deployment')
      .filter((deployment) =>
        selector.every(
          ([key, value]) => deployment.spec?.template.metadata?.labels?.[key] === value,
        ),
      );
    if (selector.length === 0 || targets.length !== 1) {
      problems.push(`${where}: selects ${targets.length} Deployments, not one`);
      continue;
    }
    const containers = targets[0]?.spec?.template.spec?.containers ?? [];
    for (const port of service.spec?.ports ?? []) {
      const target = port.targetPort ?? port.port;
      const found = containers.some((container) =>
        (container.ports ?? []).some((entry) =>
          typeof target === 'number' ? entry.containerPort === target : entry.name === target,
        ),
      );
      if (!found) problems.push(`${where}: targetPort ${target} is no port of its pods`);
    }
  }
  return problems;
}

export function namespaceProblems(rendered: Rendered): string[] {
  const problems = rendered.manifests
    .filter(
      (manifest) => manifest.kind !== 'Namespace' && manifest.metadata.namespace !== NAMESPACE,
    )
    .map(
      (manifest) =>
        `${manifest.kind} ${manifest.metadata.name}: namespace ${manifest.metadata.namespace}, not ${NAMESPACE}`,
    );
  if (rendered.find('Namespace', NAMESPACE) === undefined)
    problems.push(`no Namespace ${NAMESPACE}`);
  return problems;
}

/** The Redis server and credentials KEDA uses are the ones the workers use. */
function redisAuthProblems(
  rendered: Rendered,
  auth: ITriggerAuthentication & Manifest,
  worker: ContainerView,
  cluster: boolean,
): string[] {
  const where = `TriggerAuthentication ${auth.metadata.name}`;
  const problems: string[] = [];
  const params: Record<string, string | undefined> = {};
  for (const ref of auth.spec?.secretTargetRef ?? []) {
    params[ref.parameter] = rendered.value('Secret', ref.name, ref.key);
    if (params[ref.parameter] === undefined)
      problems.push(
        `${where}: ${ref.parameter} refers to Secret ${ref.name} key ${ref.key}, which does not exist`,
      );
  }
  const url = new URL(worker.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  if (params.password !== decodeURIComponent(url.password))
    problems.push(`${where}: password differs from the one in the workers' REDIS_URL`);
  if (!cluster && params.address !== url.host)
    problems.push(
      `${where}: address ${params.address} is not the workers' REDIS_URL host ${url.host}`,
    );
  if (cluster && 'address' in params)
    problems.push(`${where}: an address parameter would override the cluster's seed nodes`);
  return problems;
}

/** KEDA scales the training workers on every unfinished job of Convoy's train queue. */
export function scalingProblems(rendered: Rendered, views: readonly ContainerView[]): string[] {
  const problems: string[] = [];
  for (const scaled of rendered.of<IScaledObject>('ScaledObject')) {
    const where = `ScaledObject ${scaled.metadata.name}`;
    const ref = scaled.spec?.scaleTargetRef;
    const worker = views.find(
      (view) => view.deployment.metadata.name === ref?.name && view.app?.app === 'worker',
    );
    if ((ref?.kind ?? 'Deployment') !== 'Deployment' || worker?.app?.app !== 'worker') {
      problems.push(
        `${where}: scaleTargetRef ${ref?.kind ?? 'Deployment'} ${ref?.name} is no worker Deployment`,
      );
      continue;
    }
    const config = worker.app.config;
    if (config.queues.join() !== 'train')
      problems.push(`${where}: its target consumes ${config.queues.join()}, not only train`);
    if (scaled.spec?.minReplicaCount !== 0) problems.push(`${where}: minReplicaCount is not 0`);
    if ((scaled.spec?.maxReplicaCount ?? 0) < 1) problems.push(`${where}: maxReplicaCount below 1`);

    const cluster = config.redisClusterNodes !== undefined;
    const prefix = redisKeyPrefixes(config.queuePrefix, cluster).queue;
    const keys = new QueueKeys(prefix).getKeys(QUEUE_NAMES.train);
    const expected = UNFINISHED_STATES.map((state) => keys[state]).sort();
    const triggers = scaled.spec?.triggers ?? [];
    const listNames = triggers.map((trigger) => trigger.metadata.listName ?? '').sort();
    if (listNames.join() !== expected.join())
      problems.push(
        `${where}: counts ${listNames.join(', ')}; the workers' unfinished train jobs are ${expected.join(', ')}`,
      );
    const type = cluster ? 'redis-cluster' : 'redis';
    for (const trigger of triggers) {
      if (trigger.type !== type)
        problems.push(`${where}: trigger ${trigger.name} is ${trigger.type}, not ${type}`);
      if (
        cluster &&
        worker.env[trigger.metadata.addressesFromEnv ?? ''] !== worker.env.REDIS_CLUSTER_NODES
      )
        problems.push(
          `${where}: trigger ${trigger.name} does not take the workers' REDIS_CLUSTER_NODES`,
        );
      const database =
        new URL(worker.env.REDIS_URL ?? 'redis://x').pathname.replace(/^\//, '') || '0';
      if ((trigger.metadata.databaseIndex ?? '0') !== database)
        problems.push(
          `${where}: trigger ${trigger.name} reads database ${trigger.metadata.databaseIndex ?? '0'}, the workers ${database}`,
        );
      const auth = rendered.find<ITriggerAuthentication>(
        'TriggerAuthentication',
        trigger.authenticationRef?.name ?? '',
      );
      if (auth === undefined)
        problems.push(`${where}: trigger ${trigger.name} has no TriggerAuthentication`);
      else problems.push(...redisAuthProblems(rendered, auth, worker, cluster));
    }

    const modifiers = scaled.spec?.advanced?.scalingModifiers;
    const terms = (modifiers?.formula ?? '')
      .split('+')
      .map((term) => term.trim())
      .sort();
    const names = triggers.map((trigger) => trigger.name ?? '').sort();
    if (terms.join() !== names.join())
      problems.push(
        `${where}: formula ${modifiers?.formula} does not sum its triggers (${names.join(', ')})`,
      );
    if (
      modifiers?.target !== String(config.concurrency) ||
      (modifiers.metricType ?? 'AverageValue') !== 'AverageValue'
    )
      problems.push(
        `${where}: target is not ${config.concurrency} job(s) per worker (WORKER_CONCURRENCY) on average`,
      );
  }
  return problems;
}

/** Everything Convoy's code requires of the rendered manifests; empty when all holds. */
export function contractProblems(manifests: readonly Manifest[]): string[] {
  const rendered = new Rendered(manifests);
  const { views, problems } = containerViews(rendered);
  for (const view of views) {
    problems.push(
      ...probeProblems(view),
      ...workerProblems(view),
      ...storageProblems(view),
      ...imageProblems(view),
    );
  }
  problems.push(
    ...serviceProblems(rendered),
    ...namespaceProblems(rendered),
    ...scalingProblems(rendered, views),
  );
  // One broken object can fail the same rule for each of its triggers or containers: once is enough.
  return [...new Set(problems)];
}
