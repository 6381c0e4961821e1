// deploy/kubernetes rendered by the real Kustomize (kubectl kustomize, as `kubectl apply -k`
// does), every object checked against Kubernetes' and KEDA's schemas (kubernetes-models) and
// against what Convoy's code reads. No cluster, KEDA or GPU runs here.
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { DEFAULT_JOB_OPTIONS } from '@convoy/queue';
import {
  contractProblems,
  kustomizeVersion,
  overlayNames,
  render,
  schemaProblems,
  workingCopy,
  type Manifest,
} from './support/kubernetes-manifests.js';
import { fieldProblems, type LabelledManifest } from './support/kubernetes-fields.js';
import { ROOT } from './support/processes.js';

const run = promisify(execFile);

const OVERLAYS = await overlayNames();
const rendered = new Map<string, Manifest[]>();
let copy: string;

/** A deep copy of an overlay's manifests, to break. */
function renderedCopy(overlay: string): Manifest[] {
  return structuredClone(rendered.get(overlay) ?? []);
}

function labelled(overlay: string, manifests: Manifest[]): LabelledManifest[] {
  return manifests.map((manifest) => ({
    label: `overlays/${overlay} ${manifest.kind} ${manifest.metadata.name}`,
    manifest,
  }));
}

function named<T>(manifests: Manifest[], kind: string, name: string): T & Manifest {
  const found = manifests.find((item) => item.kind === kind && item.metadata.name === name);
  if (found === undefined) throw new Error(`${kind} ${name} not rendered`);
  return found as T & Manifest;
}

function workerContainer(manifests: Manifest[], name = 'convoy-worker-train') {
  const container = named<IDeployment>(manifests, 'Deployment', name).spec?.template.spec
    ?.containers[0];
  if (container === undefined) throw new Error(`${name} has no container`);
  return container;
}

beforeAll(async () => {
  expect(await kustomizeVersion()).toMatch(/^v5\./);
  copy = await workingCopy();
  for (const overlay of OVERLAYS)
    rendered.set(overlay, await render(join(copy, 'overlays', overlay)));
});

afterAll(async () => {
  if (copy) await rm(dirname(copy), { recursive: true, force: true });
});

describe('deploy/kubernetes', () => {
  it('has the GPU, CPU and Redis Cluster overlays', () => {
    expect(OVERLAYS).toEqual(['cpu', 'gpu', 'redis-cluster']);
  });

  it.each(OVERLAYS)('overlays/%s: every object passes its Kubernetes or KEDA schema', (overlay) => {
    const manifests = rendered.get(overlay) ?? [];
    expect(manifests.map((item) => item.kind).sort()).toEqual([
      'ConfigMap',
      ...(overlay === 'redis-cluster' ? ['ConfigMap'] : []),
      'Deployment',
      'Deployment',
      'Deployment',
      'Deployment',
      'Namespace',
      'ScaledObject',
      'Secret',
      'Secret',
      'Secret',
      'Service',
      'Service',
      'TriggerAuthentication',
    ]);
    expect(manifests.flatMap(schemaProblems)).toEqual([]);
  });

  it('no object has a field its kind does not define (TypeScript declarations of the schemas)', () => {
    const all = OVERLAYS.flatMap((overlay) => labelled(overlay, rendered.get(overlay) ?? []));
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(fieldProblems(all)).toEqual([]);
  });

  it.each(OVERLAYS)("overlays/%s: everything Convoy's code requires holds", (overlay) => {
    expect(contractProblems(rendered.get(overlay) ?? [])).toEqual([]);
  });

  it('overlays/gpu: KEDA scales GPU workers, one GPU each, tolerating the GPU taint', () => {
    const manifests = rendered.get('gpu') ?? [];
    const scaled = named<IScaledObject>(manifests, 'ScaledObject', 'convoy-worker-train');
    expect(scaled.spec?.scaleTargetRef.name).toBe('convoy-worker-train');
    const deployment = named<IDeployment>(manifests, 'Deployment', 'convoy-worker-train');
    const container = workerContainer(manifests);
    expect(Number(container.resources?.limits?.['nvidia.com/gpu'])).toBe(1);
    expect(container.image).toMatch(/^convoy\/worker-gpu:/);
    expect(container.env).toContainEqual({ name: 'CONVOY_BACKEND', value: 'tensorflow-gpu' });
    expect(deployment.spec?.template.spec?.tolerations).toContainEqual(
      expect.objectContaining({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }),
    );
    // KEDA owns the replica count.
    expect(deployment.spec?.replicas).toBeUndefined();
  });

  it('overlays/cpu: no GPU anywhere, and the same KEDA scaling', () => {
    const manifests = rendered.get('cpu') ?? [];
    expect(JSON.stringify(manifests)).not.toContain('nvidia.com/gpu');
    expect(workerContainer(manifests).image).toMatch(/^convoy\/node:/);
    expect(
      named<IScaledObject>(manifests, 'ScaledObject', 'convoy-worker-train').spec?.minReplicaCount,
    ).toBe(0);
  });

  it('overlays/redis-cluster: the redis-cluster trigger on hash-tagged keys', () => {
    const manifests = rendered.get('redis-cluster') ?? [];
    const triggers = named<IScaledObject>(manifests, 'ScaledObject', 'convoy-worker-train').spec
      ?.triggers;
    expect(triggers?.map((trigger) => [trigger.type, trigger.metadata.listName])).toEqual([
      ['redis-cluster', '{convoy}:convoy-train:wait'],
      ['redis-cluster', '{convoy}:convoy-train:active'],
      ['redis-cluster', '{convoy}:convoy-train:delayed'],
      ['redis-cluster', '{convoy}:convoy-train:prioritized'],
    ]);
  });

  it("sets only variables documented in docs/operations.md's environment table", async () => {
    const documented = await readFile(join(ROOT, 'docs/operations.md'), 'utf8');
    const names = new Set(
      [...rendered.values()]
        .flat()
        .flatMap((manifest) =>
          manifest.kind === 'Deployment'
            ? ((manifest as IDeployment & Manifest).spec?.template.spec?.containers ?? []).flatMap(
                (container) => (container.env ?? []).map((variable) => variable.name),
              )
            : [],
        ),
    );
    expect(names.size).toBeGreaterThan(10);
    expect([...names].filter((name) => !documented.includes(`| \`${name}\``))).toEqual([]);
  });

  it('counts prioritized jobs although Convoy sets no priority today', () => {
    // Should a priority ever be set, those jobs sit in `prioritized`, which KEDA already counts.
    expect(DEFAULT_JOB_OPTIONS.train.priority).toBeUndefined();
  });

  it('generates Secrets from files that are never committed', async () => {
    for (const overlay of OVERLAYS) {
      const secrets = (rendered.get(overlay) ?? []).filter((item) => item.kind === 'Secret');
      // Kustomize's generators add a content hash: a new secret rolls the pods that use it.
      for (const secret of secrets)
        expect(secret.metadata.name).toMatch(/^convoy-[a-z0-9]+-[a-z0-9]{10}$/);
    }
    // Real secret files are ignored by git, their templates are not.
    const ignored = async (file: string) =>
      run('git', ['check-ignore', '--quiet', `deploy/kubernetes/base/secrets/${file}`], {
        cwd: ROOT,
      }).then(
        () => true,
        () => false,
      );
    for (const name of ['api', 'redis', 's3']) {
      expect(await ignored(`${name}.env`), `${name}.env`).toBe(true);
      expect(await ignored(`${name}.env.example`), `${name}.env.example`).toBe(false);
    }
  });
});

describe('the checks reject broken manifests', () => {
  it('schemas: a port that is not a number, a Deployment without a selector, a ScaledObject without a target', () => {
    const manifests = renderedCopy('gpu');
    const deployment = named<IDeployment>(manifests, 'Deployment', 'convoy-api');
    const ports = deployment.spec?.template.spec?.containers[0]?.ports ?? [];
    (ports[0] as { containerPort: unknown }).containerPort = 'http';
    expect(schemaProblems(deployment).join()).toMatch(
      /containers\/0\/ports\/0\/containerPort must be integer/,
    );

    const unselected = renderedCopy('gpu').find((item) => item.kind === 'Deployment') as Manifest;
    delete (unselected.spec as { selector?: unknown }).selector;
    expect(schemaProblems(unselected).join()).toMatch(/must have required property selector/);

    const scaled = named<IScaledObject>(renderedCopy('gpu'), 'ScaledObject', 'convoy-worker-train');
    delete (scaled.spec as { scaleTargetRef?: unknown }).scaleTargetRef;
    expect(schemaProblems(scaled).join()).toMatch(/must have required property scaleTargetRef/);

    expect(
      schemaProblems({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }).join(),
    ).toMatch(/no schema/);
  });

  it('fields: a misspelt field, in Kubernetes and in KEDA objects', () => {
    const manifests = renderedCopy('gpu');
    const pod = named<IDeployment>(manifests, 'Deployment', 'convoy-worker-train').spec?.template
      .spec as unknown as Record<string, unknown>;
    pod.terminationGracePeriodSecond = pod.terminationGracePeriodSeconds;
    const scaled = named<IScaledObject>(manifests, 'ScaledObject', 'convoy-worker-train');
    (scaled.spec as unknown as Record<string, unknown>).minReplicas = 0;
    const problems = fieldProblems(labelled('gpu', manifests));
    expect(problems).toEqual([
      expect.stringMatching(
        /^overlays\/gpu Deployment convoy-worker-train: .*'"terminationGracePeriodSecond"' does not exist in type 'IPodSpec'/,
      ),
      expect.stringMatching(
        /^overlays\/gpu ScaledObject convoy-worker-train: .*'"minReplicas"' does not exist in type 'IScaledObjectSpec'/,
      ),
    ]);
  });

  it('environment: a variable no app reads, a reference to a missing key, a value the app refuses', () => {
    const manifests = renderedCopy('gpu');
    const env = workerContainer(manifests).env ?? [];
    env.push({ name: 'WORKER_CONCURENCY', value: '2' });
    const redis = env.find((variable) => variable.name === 'REDIS_URL');
    if (redis?.valueFrom?.secretKeyRef) redis.valueFrom.secretKeyRef.key = 'REDIS_URI';
    env.push({ name: 'WORKER_QUEUES', value: 'train,predict' });
    const problems = contractProblems(manifests).join('\n');
    expect(problems).toMatch(
      /convoy-worker-train container worker: WORKER_CONCURENCY is not read by the worker/,
    );
    expect(problems).toMatch(
      /REDIS_URL refers to Secret convoy-redis-\w+ key REDIS_URI, which does not exist/,
    );
    expect(problems).toMatch(/WORKER_QUEUES/);
  });

  it('workers: a grace period under the shutdown bound, a probe on the wrong port, a shared disk', () => {
    const manifests = renderedCopy('gpu');
    const deployment = named<IDeployment>(manifests, 'Deployment', 'convoy-worker-train');
    const pod = deployment.spec?.template.spec;
    if (pod === undefined) throw new Error('no pod');
    pod.terminationGracePeriodSeconds = 60;
    const container = workerContainer(manifests);
    if (container.livenessProbe?.httpGet) container.livenessProbe.httpGet.port = 3000;
    pod.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'shared' } }];
    const problems = contractProblems(manifests).join('\n');
    expect(problems).toMatch(
      /terminationGracePeriodSeconds 60 is under the worker's shutdown bound \(90000 ms\)/,
    );
    expect(problems).toMatch(/livenessProbe probes port 3000, the worker listens on 8081/);
    expect(problems).toMatch(/volume data is not an emptyDir/);
  });

  it('scaling: keys of another prefix, the wait list alone, a target that is not a worker', () => {
    const manifests = renderedCopy('redis-cluster');
    const scaled = named<IScaledObject>(manifests, 'ScaledObject', 'convoy-worker-train');
    const triggers = scaled.spec?.triggers ?? [];
    for (const trigger of triggers)
      trigger.metadata.listName = (trigger.metadata.listName ?? '').replace('{convoy}', 'bull');
    expect(contractProblems(manifests).join('\n')).toMatch(
      /counts bull:convoy-train:active, .*unfinished train jobs are \{convoy\}:convoy-train:active/,
    );

    const waitOnly = renderedCopy('gpu');
    const spec = named<IScaledObject>(waitOnly, 'ScaledObject', 'convoy-worker-train').spec;
    if (spec === undefined) throw new Error('no spec');
    spec.triggers = spec.triggers.filter((trigger) => trigger.name === 'waiting');
    const problems = contractProblems(waitOnly).join('\n');
    expect(problems).toMatch(/counts bull:convoy-train:wait;/);
    expect(problems).toMatch(/formula .* does not sum its triggers/);

    const wrongTarget = renderedCopy('gpu');
    const target = named<IScaledObject>(wrongTarget, 'ScaledObject', 'convoy-worker-train').spec;
    if (target) target.scaleTargetRef.name = 'convoy-api';
    expect(contractProblems(wrongTarget).join('\n')).toMatch(
      /scaleTargetRef Deployment convoy-api is no worker Deployment/,
    );
  });
});
