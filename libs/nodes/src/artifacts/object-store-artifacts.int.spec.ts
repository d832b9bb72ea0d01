import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type TestNatsServer } from '@aether/testing';
import { ArtifactNotFoundError, InMemoryArtifacts } from './artifact-store';
import { ObjectStoreArtifacts } from './object-store-artifacts';

jest.setTimeout(30_000);

describe('ObjectStoreArtifacts on a real nats-server', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it('stores bytes in the tenant’s bucket, obj://aether-artifacts-<tenant>/<name>, and reads them back', async () => {
    const store = await ObjectStoreArtifacts.open(nc, { tenantId: 'default' });
    const big = new Uint8Array(300 * 1024).map((_, i) => i % 251);
    const ref = await store.put('download', 'default/job-1/dl/orders.csv', big);
    expect(ref).toBe('obj://aether-artifacts-default/default/job-1/dl/orders.csv');
    expect(Buffer.from(await store.get(ref)).equals(Buffer.from(big))).toBe(true);
  });

  it('opens the existing bucket again and rejects unknown references', async () => {
    const first = await ObjectStoreArtifacts.open(nc, { tenantId: 'default' });
    const ref = await first.put('screenshot', 'x.png', new Uint8Array([1, 2, 3]));
    const second = await ObjectStoreArtifacts.open(nc, { tenantId: 'default', create: false });
    expect(Array.from(await second.get(ref))).toEqual([1, 2, 3]);
    await expect(second.get('obj://aether-artifacts-default/missing')).rejects.toBeInstanceOf(
      ArtifactNotFoundError,
    );
    await expect(second.get('obj://other-bucket/x.png')).rejects.toBeInstanceOf(ArtifactNotFoundError);
  });

  it('never reads another tenant’s reference, even where the connection could', async () => {
    const mine = await ObjectStoreArtifacts.open(nc, { tenantId: 'acme' });
    const theirs = await ObjectStoreArtifacts.open(nc, { tenantId: 'globex' });
    const ref = await theirs.put('screenshot', 'secret.png', new Uint8Array([4, 5, 6]));
    expect(ref).toBe('obj://aether-artifacts-globex/secret.png');
    await expect(mine.get(ref)).rejects.toBeInstanceOf(ArtifactNotFoundError);
    await expect(mine.get('obj://aether-artifacts/secret.png')).rejects.toBeInstanceOf(ArtifactNotFoundError);
  });
});

describe('InMemoryArtifacts', () => {
  it("keeps copies, so later changes to the caller's buffer do not leak in", async () => {
    const store = new InMemoryArtifacts();
    const bytes = new Uint8Array([1, 2]);
    const ref = await store.put('dom', 'a/dom.html', bytes);
    bytes[0] = 9;
    expect(Array.from(await store.get(ref))).toEqual([1, 2]);
    expect(store.list()).toEqual([{ ref: 'mem://a/dom.html', kind: 'dom', size: 2 }]);
    await expect(store.get('mem://nope')).rejects.toBeInstanceOf(ArtifactNotFoundError);
  });
});
