import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
const ROOT = join(__dirname, '..', '..');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string } }[];
}
interface K8sObject {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { template?: { spec: { containers: Container[] } } };
}

/** The variables a service's configuration reads: the names its loader asks the environment for. */
function variablesRead(load: (source: NodeJS.ProcessEnv) => unknown): Set<string> {
  const read = new Set<string>();
  const recorder = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_target, key) => {
      if (typeof key === 'string') read.add(key);
      return undefined;
    },
  });
  load(recorder);
  return read;
}

/** Each service's configuration loader, by the name it is exported as from `apps/<service>/src/config.ts`. */
const LOADERS: Record<string, string> = {
  gateway: 'loadGatewayConfig',
  scheduler: 'loadSchedulerConfig',
  dispatcher: 'loadDispatcherConfig',
  'robot-registry': 'loadConfigFromEnv',
  healer: 'loadConfigFromEnv',
  metrics: 'loadMetricsConfig',
};
// Required by path: apps are no libraries to import, and this reads only their configuration.
const READ: Record<string, Set<string>> = Object.fromEntries(
  Object.entries(LOADERS).map(([service, loader]) => [
    service,
    variablesRead(
      (
        require(join(ROOT, 'apps', service, 'src', 'config.ts')) as Record<
          string,
          (env: NodeJS.ProcessEnv) => unknown
        >
      )[loader],
    ),
  ]),
);
/** Read by Node itself (the NATS servers' CA) and by the image's command (which app to run). */
const RUNTIME = new Set(['NODE_EXTRA_CA_CERTS', 'SERVICE']);

function render(overlay: string): K8sObject[] {
  const result = spawnSync('kubectl', ['kustomize', join(ROOT, 'k8s', 'overlays', overlay)], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${overlay} failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout).map((document) => document.toJSON() as K8sObject);
}

describe.each(['production', 'dev'])('the %s overlay sets what the services read', (overlay) => {
  const objects = render(overlay);
  const configMaps = new Map(
    objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o.data ?? {}]),
  );
  const services = objects
    .filter((o) => o.kind === 'Deployment')
    .map((deployment) => {
      const container = deployment.spec!.template!.spec.containers.find(
        (c) => c.name === deployment.metadata.name,
      )!;
      const fromConfigMaps = (container.envFrom ?? []).flatMap((source) =>
        Object.keys(configMaps.get(source.configMapRef?.name ?? '') ?? {}),
      );
      return { name: deployment.metadata.name, env: container.env ?? [], fromConfigMaps };
    });

  it('covers every service', () => {
    expect(services.map((s) => s.name).sort()).toEqual(Object.keys(READ).sort());
  });

  it('gives no service a variable it does not read', () => {
    const unread = services.flatMap(({ name, env }) =>
      env.filter((v) => !READ[name].has(v.name) && !RUNTIME.has(v.name)).map((v) => `${name}: ${v.name}`),
    );
    expect(unread).toEqual([]);
  });

  it('puts in the shared ConfigMap only variables some service reads', () => {
    const unread = [...new Set(services.flatMap((s) => s.fromConfigMaps))].filter(
      (key) => !RUNTIME.has(key) && !services.some((s) => READ[s.name].has(key)),
    );
    expect(unread).toEqual([]);
  });

  it('gives every service that reads the vault’s master key the one from the aether-vault secret', () => {
    const readers = services.filter((s) => READ[s.name].has('AETHER_MASTER_KEY'));
    expect(readers.map((s) => s.name).sort()).toEqual(['gateway', 'scheduler']);
    for (const service of readers)
      for (const key of ['AETHER_MASTER_KEY', 'AETHER_MASTER_KEY_OTHERS'])
        expect({
          service: service.name,
          ref: service.env.find((v) => v.name === key)?.valueFrom?.secretKeyRef,
        }).toEqual({
          service: service.name,
          ref: expect.objectContaining({ name: 'aether-vault', key }),
        });
  });
});
