import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@aether/contracts';
import { connectNats, ensureStreams } from '@aether/event-store';
import { startNatsServer, type TestNatsServer } from '@aether/testing';
import { AETHER_SERVICES } from '@aether/identity';
import { K8S_RESOLVER_DIR, secretCommands, writeNatsAccounts } from './nats-accounts';

jest.setTimeout(30_000);

/** What `npm run k8s:nats-accounts` writes, run on a real nats-server as the NATS pods run it. */
describe('k8s NATS accounts (ADR 85)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aether-k8s-nats-'));
  let server: TestNatsServer;
  const connections: NatsConnection[] = [];
  const connectAs = async (user: string) => {
    const nc = await connectNats({
      servers: server.url,
      name: user,
      creds: readFileSync(join(dir, `${user}.creds`), 'utf8'),
      ...(user === 'tools' ? {} : { inboxPrefix: subjects.serviceInbox(user) }),
    });
    connections.push(nc);
    return nc;
  };

  beforeAll(async () => {
    await writeNatsAccounts(dir);
    const conf = readFileSync(join(dir, 'auth.conf'), 'utf8').replace(
      K8S_RESOLVER_DIR,
      '{{storeDir}}/resolver',
    );
    server = await startNatsServer({ config: conf });
    await ensureStreams(await jetstreamManager(await connectAs('tools')));
  });
  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close()));
    await server?.stop();
  });

  it('writes every file only its owner may read', () => {
    for (const name of [
      'auth.conf',
      'authority.json',
      'tools.creds',
      ...AETHER_SERVICES.map((s) => `${s}.creds`),
    ])
      expect([name, statSync(join(dir, name)).mode & 0o777]).toEqual([name, 0o600]);
  });

  it.each(AETHER_SERVICES)('connects %s with its own user', async (service) => {
    const nc = await connectAs(service);
    await expect(jetstreamManager(nc).then((jsm) => jsm.getAccountInfo())).resolves.toBeDefined();
  });

  it('holds each service to its rights: the projector may not publish a command', async () => {
    const nc = await connectAs('metrics');
    await expect(
      jetstream(nc).publish(subjects.command('t1', 'RequestJob'), '{}', { timeout: 2_000 }),
    ).rejects.toThrow(/permission/i);
  });

  it('names the secrets the component mounts', () => {
    expect(secretCommands(dir).join('\n')).toMatch(
      /secret generic nats-accounts .*auth\.conf[\s\S]*aether-nats-creds .*healer\.creds[\s\S]*aether-nats-authority .*authority\.json/,
    );
  });
});
