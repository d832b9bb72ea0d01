import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { KV_BUCKETS } from '@aether/contracts';
import { connectNats } from '@aether/event-store';
import { alongside, eventually, startNatsServer, type TestNatsServer } from '@aether/testing';
import { listKeys, openBucket } from './buckets';
import { KvMirror } from './kv-mirror';

describe('listKeys (real nats-server)', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let kv: KV;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ servers: nats.url, name: 'list-keys-test' });
    kv = await openBucket(nc, KV_BUCKETS.schedules);
    for (const key of ['acme.a', 'acme.b', 'acme.gone', 'globex.a']) await kv.put(key, '{}');
    await kv.delete('acme.gone');
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it("lists a filter's keys, deleted ones too (a read tells them apart)", async () => {
    expect((await listKeys(kv, 'acme.*')).sort()).toEqual(['acme.a', 'acme.b', 'acme.gone']);
    expect((await listKeys(kv)).sort()).toEqual(['acme.a', 'acme.b', 'acme.gone', 'globex.a']);
    expect(await listKeys(kv, 'initech.*')).toEqual([]);
  });

  it('answers every time while the keys it lists are written (a listing through a consumer could wait forever)', async () => {
    const listings = await alongside(
      (n) => kv.put(`acme.busy${n % 50}`, String(n)),
      async () => {
        const found: string[][] = [];
        for (let i = 0; i < 25; i++) found.push(await listKeys(kv, 'acme.*'));
        return found;
      },
    );
    for (const keys of listings) expect(keys).toEqual(expect.arrayContaining(['acme.a', 'acme.b']));
  });

  it('loads a mirror while the bucket is written, and keeps up with the writes', async () => {
    const mirror = await alongside(
      (n) => kv.put(`busy.${n % 50}`, JSON.stringify(n)),
      () => KvMirror.start(kv, { parse: (value) => value }),
    );
    try {
      expect(mirror.get('acme.a')).toEqual({});
      expect(mirror.get('acme.gone')).toBeUndefined();
      const last = (await kv.get('busy.0'))?.revision;
      await eventually(() => (mirror.entry('busy.0')?.revision === last ? true : undefined), {
        what: 'the last write mirrored',
      });
    } finally {
      mirror.stop();
    }
  });

  it('refuses a bucket it cannot read the stream of', async () => {
    const notABucket = { ...kv } as KV;
    await expect(listKeys(notABucket)).rejects.toThrow(TypeError);
  });
});
