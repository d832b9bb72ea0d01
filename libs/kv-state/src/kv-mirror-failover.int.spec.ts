import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from '@aether/event-store';
import { eventually, placeOffClient, startNatsCluster, type TestNatsCluster } from '@aether/testing';
import { KvMirror, type MirrorPosition } from './kv-mirror';

// Each try at watching again may land on the dead peer and time out after 5 s (ADR 11).
const RECOVERY_BOUND_MS = 45_000;

describe('a KV mirror whose watch node dies while its own connection survives', () => {
  let cluster: TestNatsCluster;
  const connections: NatsConnection[] = [];
  const mirrors: KvMirror<number>[] = [];

  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 60_000);
  afterAll(async () => {
    mirrors.forEach((mirror) => mirror.stop());
    await Promise.all(connections.map((nc) => nc.close()));
    await cluster?.stop();
  });

  const connectTo = async (servers: string) => {
    const nc = await connectNats({ servers, name: 'mirror-failover' });
    connections.push(nc);
    return nc;
  };

  it('notices the stuck watch and catches up within 45 s', async () => {
    const admin = await connectTo(cluster.servers);
    const jsm = await jetstreamManager(admin);
    await new Kvm(admin).create('MIRRORED', { replicas: 3 });

    const stuck: MirrorPosition[] = [];
    const {
      candidate: followed,
      host,
      others,
    } = await placeOffClient(
      cluster,
      () => jsm.consumers.list('KV_MIRRORED'),
      async (client) => {
        const kv = await new Kvm(await connectTo(client.url)).open('MIRRORED');
        const candidate = await KvMirror.start(kv, {
          parse: (value) => (typeof value === 'number' ? value : undefined),
          onStuck: (position) => stuck.push(position),
        });
        mirrors.push(candidate);
        return candidate;
      },
      (candidate) => candidate.stop(),
    );
    const survivors = await connectTo(others);
    const writer = await new Kvm(survivors).open('MIRRORED');
    await writer.put('before', '0');
    await eventually(() => (followed.get('before') === 0 ? true : undefined), { what: 'the first put' });

    await host.kill();
    const killedAt = Date.now();
    for (let n = 1; n <= 5; n++) {
      await eventually(async () => (await writer.put(`after${n}`, String(n))) || undefined, {
        timeoutMs: 20_000,
        what: `putting after${n}`,
      });
    }
    await eventually(() => (followed.get('after5') === 5 ? true : undefined), {
      timeoutMs: RECOVERY_BOUND_MS,
      what: 'the puts after the kill',
    });
    const recoveryMs = Date.now() - killedAt;
    console.log(`mirror caught up ${recoveryMs} ms after its watch's node was killed`);

    expect(followed.all().map((entry) => [entry.key, entry.value])).toEqual(
      expect.arrayContaining([['before', 0], ...[1, 2, 3, 4, 5].map((n) => [`after${n}`, n])]),
    );
    expect(followed.all()).toHaveLength(6);
    expect(stuck.length).toBeGreaterThanOrEqual(1);
    expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
  }, 100_000);
});
