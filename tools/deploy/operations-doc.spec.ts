import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadOrCreateSigningKey } from '@aether/identity';

const ROOT = join(__dirname, '..', '..');
const operations = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
/** Step 2 of "Deploying on Kubernetes": the secrets an operator creates before the first apply. */
const secretsStep = /^2\. Create the namespace[\s\S]*?(?=^3\. )/m.exec(operations)?.[0] ?? '';

interface K8sObject {
  kind: string;
  metadata: { name: string };
}

function secretsReferenced(overlay: string): string[] {
  const rendered = spawnSync('kubectl', ['kustomize', join(ROOT, 'k8s', 'overlays', overlay)], {
    encoding: 'utf8',
  });
  if (rendered.status !== 0) throw new Error(`kubectl kustomize ${overlay} failed: ${rendered.stderr}`);
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      const ref = record['secretKeyRef'] as { name?: string } | undefined;
      if (ref?.name) names.add(ref.name);
      const volume = record['secret'] as { secretName?: string } | undefined;
      if (volume?.secretName) names.add(volume.secretName);
      Object.values(record).forEach(visit);
    }
  };
  for (const document of parseAllDocuments(rendered.stdout)) visit(document.toJSON() as K8sObject);
  return [...names].sort();
}

describe('docs/operations.md, deploying on Kubernetes', () => {
  it.each(['production', 'dev'])(
    'names every secret the %s overlay mounts, before the first apply',
    (overlay) => {
      const secrets = secretsReferenced(overlay);
      expect(secrets.length).toBeGreaterThan(3);
      expect(secrets.filter((name) => !secretsStep.includes(`\`${name}\``))).toEqual([]);
    },
  );

  it('creates the namespace the secrets go in first', () => {
    const namespace = parse(readFileSync(join(ROOT, 'k8s', 'base', 'namespace.yaml'), 'utf8')) as K8sObject;
    const kustomization = parse(readFileSync(join(ROOT, 'k8s', 'base', 'kustomization.yaml'), 'utf8')) as {
      namespace: string;
    };
    expect(namespace).toMatchObject({ kind: 'Namespace', metadata: { name: kustomization.namespace } });
    expect(secretsStep).toContain('`kubectl apply -f k8s/base/namespace.yaml`');
    const commands = [...secretsStep.matchAll(/`(kubectl [^`]*create secret generic[^`]*)`/g)].map(
      (m) => m[1],
    );
    expect(commands.length).toBeGreaterThan(3);
    for (const command of commands)
      expect(command).toMatch(new RegExp(`^kubectl -n ${kustomization.namespace} `));
  });

  it('gives a command that makes a signing key the gateway loads', async () => {
    const command = /`(node -e "[^`]*") > signing-key\.json`/.exec(secretsStep)?.[1];
    expect(command).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'aether-signing-key-'));
    try {
      const file = join(dir, 'signing-key.json');
      writeFileSync(file, execFileSync('sh', ['-c', command!], { encoding: 'utf8' }));
      const key = await loadOrCreateSigningKey(file);
      expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key.publicJwk).not.toHaveProperty('d');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
