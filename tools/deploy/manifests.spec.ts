import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { AETHER_SERVICES } from '@aether/identity';

const ROOT = join(__dirname, '..', '..');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  startupProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, unknown>;
  topologySpreadConstraints?: { topologyKey: string; maxSkew: number }[];
}

function render(overlay: string, k8s = join(ROOT, 'k8s')): { yaml: string; objects: K8sObject[] } {
  const result = spawnSync('kubectl', ['kustomize', join(k8s, 'overlays', overlay)], {
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`kubectl kustomize ${overlay} failed: ${result.stderr || result.error}`);
  return {
    yaml: result.stdout,
    objects: parseAllDocuments(result.stdout).map((document) => document.toJSON() as K8sObject),
  };
}

function validate(yaml: string): {
  objects: unknown[];
  errors: { kind: string; name: string; errors: string[] }[];
} {
  const result = spawnSync(process.execPath, [join(__dirname, 'validate-manifests.mjs')], {
    input: yaml,
    encoding: 'utf8',
  });
  return JSON.parse(result.stdout) as ReturnType<typeof validate>;
}

const workloads = (objects: K8sObject[]) =>
  objects.filter((object) => ['Deployment', 'StatefulSet', 'Job'].includes(object.kind));
const podSpec = (object: K8sObject) => (object.spec as { template: { spec: PodSpec } }).template.spec;
const byKind = (objects: K8sObject[], kind: string) => objects.filter((object) => object.kind === kind);

describe.each(['production', 'dev'])('the %s overlay', (overlay) => {
  const { yaml, objects } = render(overlay);

  it('renders objects that all validate against the Kubernetes schemas', () => {
    const { objects: checked, errors } = validate(yaml);
    expect(errors).toEqual([]);
    expect(checked).toHaveLength(objects.length);
  });

  it('pins every image to a tag', () => {
    for (const workload of workloads(objects))
      for (const container of [...podSpec(workload).containers, ...(podSpec(workload).initContainers ?? [])])
        expect(container.image).toMatch(/:(?!latest$)[\w.-]+$/);
  });

  it('runs every container non-root, on a read-only root filesystem, without capabilities, within limits', () => {
    for (const workload of workloads(objects)) {
      const pod = podSpec(workload);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(container.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
        expect(container.resources?.limits?.['memory']).toBeDefined();
      }
    }
  });

  it('probes every service on its real /health (liveness: /health/live), and has a disruption budget for every long-running workload', () => {
    const services = byKind(objects, 'Deployment');
    expect(services.map((d) => d.metadata.name).sort()).toEqual([
      'dispatcher',
      'gateway',
      'healer',
      'metrics',
      'robot-registry',
      'scheduler',
    ]);
    for (const deployment of services) {
      const [container] = podSpec(deployment).containers;
      for (const probe of [container.startupProbe, container.readinessProbe])
        expect(probe?.httpGet?.path).toBe('/health');
      // a dependency's outage (PostgreSQL) takes pods out of service; only a dead process is restarted
      expect(container.livenessProbe?.httpGet?.path).toBe('/health/live');
    }
    const budgets = byKind(objects, 'PodDisruptionBudget').map((pdb) => pdb.metadata.name);
    for (const workload of [...services, ...byKind(objects, 'StatefulSet')])
      expect(budgets).toContain(workload.metadata.name);
  });

  it('migrates the read model in a job the gateway and the projector wait for', () => {
    const [job] = byKind(objects, 'Job');
    expect(podSpec(job).containers[0].command).toEqual(['node', 'dist/apps/metrics/src/migrate.js']);
    for (const name of ['gateway', 'metrics']) {
      const deployment = byKind(objects, 'Deployment').find((d) => d.metadata.name === name)!;
      expect(podSpec(deployment).initContainers?.[0].command).toEqual([
        'node',
        'dist/apps/metrics/src/migrate.js',
        '--wait',
      ]);
    }
    const config = byKind(objects, 'ConfigMap').find((c) => c.metadata.name === 'aether-config')!;
    expect(config.data?.['MIGRATE_ON_START']).toBe('false');
  });

  it('mounts the CA file wherever NODE_EXTRA_CA_CERTS names it (Node warns at every start otherwise)', () => {
    interface Env {
      name: string;
      value?: string;
    }
    type Full = Container & {
      env?: Env[];
      envFrom?: { configMapRef?: { name: string } }[];
      volumeMounts?: { mountPath: string }[];
    };
    const configMaps = new Map(byKind(objects, 'ConfigMap').map((c) => [c.metadata.name, c.data ?? {}]));
    const unmounted: string[] = [];
    for (const workload of workloads(objects)) {
      const pod = podSpec(workload);
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])] as Full[]) {
        const fromMaps = Object.assign(
          {},
          ...(container.envFrom ?? []).map((source) => configMaps.get(source.configMapRef?.name ?? '') ?? {}),
        ) as Record<string, string>;
        const path =
          container.env?.find((e) => e.name === 'NODE_EXTRA_CA_CERTS')?.value ??
          fromMaps['NODE_EXTRA_CA_CERTS'];
        if (
          path &&
          !(container.volumeMounts ?? []).some(
            (m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`),
          )
        )
          unmounted.push(`${workload.metadata.name}/${container.name}: ${path}`);
      }
    }
    expect(unmounted).toEqual([]);
  });

  it('leaves an autoscaled Deployment’s replica count to its autoscaler (an apply would reset it)', () => {
    const scaled = byKind(objects, 'HorizontalPodAutoscaler').map(
      (hpa) => (hpa.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name,
    );
    expect(scaled).toEqual(['gateway']);
    for (const name of scaled)
      expect(byKind(objects, 'Deployment').find((d) => d.metadata.name === name)?.spec).not.toHaveProperty(
        'replicas',
      );
  });

  it('names the migrations job after the release, so a new tag alone runs a new one', () => {
    const tagOf = (objects: K8sObject[]) =>
      /:([^:]+)$/.exec(podSpec(byKind(objects, 'Job')[0]).containers[0].image)![1];
    expect(byKind(objects, 'Job')[0].metadata.name).toBe(`migrations-${tagOf(objects)}`);
    // the release after this one: the overlay's tag is the only edit
    const copy = mkdtempSync(join(tmpdir(), 'aether-k8s-'));
    try {
      cpSync(join(ROOT, 'k8s'), copy, { recursive: true });
      const kustomization = join(copy, 'overlays', overlay, 'kustomization.yaml');
      writeFileSync(
        kustomization,
        readFileSync(kustomization, 'utf8').replace(/newTag: .*/, 'newTag: 9.8.7-rc.1'),
      );
      const next = render(overlay, copy).objects;
      expect(tagOf(next)).toBe('9.8.7-rc.1');
      expect(byKind(next, 'Job').map((job) => job.metadata.name)).toEqual(['migrations-9.8.7-rc.1']);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('runs NATS 2.10 or later with sync_interval always, TLS and authentication', () => {
    const [nats] = byKind(objects, 'StatefulSet');
    const [major, minor] = /^nats:(\d+)\.(\d+)\./
      .exec(podSpec(nats).containers[0].image)!
      .slice(1)
      .map(Number);
    expect(major * 100 + minor).toBeGreaterThanOrEqual(210);
    const conf = byKind(objects, 'ConfigMap').find((c) => c.metadata.name === 'nats-config')!.data!;
    expect(conf['nats.conf']).toMatch(/sync_interval: always/);
    expect(conf['nats.conf']).toMatch(/tls \{[^}]*cert_file/);
    expect(conf['nats.conf']).toMatch(/include \.\/auth\.conf/);
    expect(conf['auth.conf']).toMatch(
      overlay === 'production' ? /^include \.\.\/nats-accounts\/auth\.conf$/m : /token: \$NATS_TOKEN/,
    );
  });
});

describe('the production overlay: every service its own NATS user (ADR 85)', () => {
  const { objects } = render('production');
  interface Env {
    name: string;
    value?: string;
  }
  interface Volume {
    name: string;
    secret?: { secretName: string; items?: { key: string; path: string }[] };
  }
  const deployments = byKind(objects, 'Deployment');
  const containerOf = (object: K8sObject) =>
    (podSpec(object).containers as (Container & { env?: Env[] })[]).find(
      (c) => c.name === object.metadata.name,
    )!;
  const volumesOf = (object: K8sObject) =>
    (podSpec(object) as PodSpec & { volumes?: Volume[] }).volumes ?? [];

  it('gives no workload the shared token', () => {
    const holders = workloads(objects).flatMap((workload) =>
      (podSpec(workload).containers as (Container & { env?: Env[] })[])
        .filter((container) => (container.env ?? []).some((e) => e.name === 'NATS_TOKEN'))
        .map((container) => `${workload.metadata.name}/${container.name}`),
    );
    expect(holders).toEqual([]);
  });

  it.each(AETHER_SERVICES)(
    'connects %s with its own credentials, and mounts no other service’s',
    (service) => {
      const deployment = deployments.find((d) => d.metadata.name === service)!;
      const env = containerOf(deployment).env ?? [];
      expect(env).toContainEqual({ name: 'NATS_CREDS_FILE', value: `/etc/aether-nats/${service}.creds` });
      const creds = volumesOf(deployment).filter((v) => v.secret?.secretName === 'aether-nats-creds');
      expect(creds.map((v) => v.secret?.items)).toEqual([
        [{ key: `${service}.creds`, path: `${service}.creds` }],
      ]);
    },
  );

  it('lets only the gateway hold the NATS authority (it enrols and revokes robots)', () => {
    const holders = deployments.filter((d) =>
      volumesOf(d).some((v) => v.secret?.secretName === 'aether-nats-authority'),
    );
    expect(holders.map((d) => d.metadata.name)).toEqual(['gateway']);
    expect(containerOf(holders[0]).env).toContainEqual({
      name: 'NATS_AUTHORITY_FILE',
      value: '/etc/aether-nats-authority/authority.json',
    });
  });

  it('mounts the accounts where the servers’ configuration includes them', () => {
    const [nats] = byKind(objects, 'StatefulSet');
    expect(volumesOf(nats)).toContainEqual(
      expect.objectContaining({
        name: 'accounts',
        secret: expect.objectContaining({ secretName: 'nats-accounts' }),
      }),
    );
    const mounts = (podSpec(nats).containers[0] as Container & { volumeMounts?: { mountPath: string }[] })
      .volumeMounts;
    expect(mounts).toContainEqual(expect.objectContaining({ mountPath: '/etc/nats-accounts' }));
  });
});

describe('the production overlay', () => {
  const { objects } = render('production');

  it('replicates the streams on a three-node NATS cluster', () => {
    const [nats] = byKind(objects, 'StatefulSet');
    expect(nats.spec?.['replicas']).toBe(3);
    const config = byKind(objects, 'ConfigMap').find((c) => c.metadata.name === 'aether-config')!;
    expect(config.data?.['STREAM_REPLICAS']).toBe('3');
    expect(config.data?.['NATS_URL']?.split(',')).toHaveLength(3);
  });

  it('runs two dispatchers and two projectors, spread over machines (ADR 80)', () => {
    const deployment = (name: string) => byKind(objects, 'Deployment').find((d) => d.metadata.name === name)!;
    for (const name of ['dispatcher', 'metrics']) {
      expect(deployment(name).spec?.['replicas']).toBe(2);
      expect(podSpec(deployment(name)).topologySpreadConstraints).toEqual([
        expect.objectContaining({ topologyKey: 'kubernetes.io/hostname', maxSkew: 1 }),
      ]);
    }
    // a rollout never leaves no dispatcher; the projector's versions never project side by side
    expect(deployment('dispatcher').spec?.['strategy']).toEqual({
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    expect(deployment('metrics').spec?.['strategy']).toEqual({ type: 'Recreate' });
  });

  it('scales the gateway horizontally from two replicas', () => {
    const [hpa] = byKind(objects, 'HorizontalPodAutoscaler');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'gateway' },
      minReplicas: 2,
    });
  });
});

describe('the schema check', () => {
  it('rejects an object that is not a valid Kubernetes object, naming the field', () => {
    const { errors } = validate(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: broken }\nspec: { replicas: two, template: {} }\n',
    );
    expect(errors).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'broken',
        errors: ['/spec must have required property selector', '/spec/replicas must be integer'],
      },
    ]);
  });

  it('rejects a kind it has no schema for', () => {
    expect(validate('apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n').errors).toHaveLength(
      1,
    );
  });
});
