import { join } from 'node:path';
import {
  AETHER_SERVICES,
  createNatsAuthority,
  issueNatsUser,
  natsServerAuthConfig,
  serviceNatsPermissions,
  type NatsAuthority,
  writeSecretFile,
} from '@aether/identity';

/** Where the NATS pods keep pushed account updates (revocations): on their volume. */
export const K8S_RESOLVER_DIR = '/data/resolver';

/**
 * Writes what `k8s/components/nats-accounts` mounts, each file mode 0600: `auth.conf` (the
 * servers' operator, accounts and resolver), `<service>.creds` for every service and `tools.creds`
 * for the operator's own CLI, and `authority.json` (the keys that sign them; only the gateway
 * mounts it, to enrol and revoke robots). Returns the files written.
 */
export async function writeNatsAccounts(
  dir: string,
  authority: NatsAuthority = createNatsAuthority(),
): Promise<string[]> {
  const files: [string, string][] = [
    ['auth.conf', await natsServerAuthConfig(authority, K8S_RESOLVER_DIR)],
    ['authority.json', JSON.stringify(authority)],
  ];
  for (const service of [...AETHER_SERVICES, 'tools' as const]) {
    const user = await issueNatsUser(authority, {
      name: service,
      permissions: serviceNatsPermissions(service),
    });
    files.push([`${service}.creds`, user.creds ?? '']);
  }
  return files.map(([name, text]) => {
    const file = join(dir, name);
    writeSecretFile(file, text);
    return file;
  });
}

/** The commands that turn the files into the secrets the component mounts. */
export function secretCommands(dir: string, namespace = 'aether'): string[] {
  const from = (names: string[]) => names.map((name) => `--from-file=${join(dir, name)}`).join(' ');
  return [
    `kubectl -n ${namespace} create secret generic nats-accounts ${from(['auth.conf'])}`,
    `kubectl -n ${namespace} create secret generic aether-nats-creds ${from(AETHER_SERVICES.map((s) => `${s}.creds`))}`,
    `kubectl -n ${namespace} create secret generic aether-nats-authority ${from(['authority.json'])}`,
  ];
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: npm run k8s:nats-accounts -- <dir>   (a new folder, kept secret)\n');
    process.exit(2);
  }
  await writeNatsAccounts(dir);
  process.stdout.write(
    `NATS operator, accounts and one user per service written to ${dir} (mode 0600).\n` +
      `Create the secrets k8s/components/nats-accounts mounts, then keep ${dir} offline:\n` +
      `${secretCommands(dir).join('\n')}\n` +
      `Your own CLI connects with --creds ${join(dir, 'tools.creds')}.\n`,
  );
}

if (require.main === module) void main();
