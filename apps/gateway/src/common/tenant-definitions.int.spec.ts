import { ConflictException, NotFoundException } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { KV_BUCKETS } from '@aether/contracts';
import { connectNats } from '@aether/event-store';
import { openBucket } from '@aether/kv-state';
import { alongside, startNatsServer, type TestNatsServer } from '@aether/testing';
import { TenantDefinitions } from './tenant-definitions';

const Thing = z.object({ id: z.string(), paused: z.boolean() });
type Thing = z.infer<typeof Thing>;

describe('TenantDefinitions (real nats-server)', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let kv: KV;
  let things: TenantDefinitions<Thing>;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ servers: nats.url, name: 'tenant-definitions-test' });
    kv = await openBucket(nc, KV_BUCKETS.schedules);
    things = new TenantDefinitions(async () => kv, Thing, 'thing');
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it("keeps each tenant's definitions apart: created once, changed, removed, unreadable ones absent", async () => {
    await things.create('acme', 'a', { id: 'a', paused: false });
    await things.create('acme', 'b', { id: 'b', paused: false });
    await things.create('globex', 'a', { id: 'a', paused: true });
    await kv.put('acme.broken', '{"id":42}');
    await expect(things.create('acme', 'a', { id: 'a', paused: true })).rejects.toThrow(
      new ConflictException('thing a already exists'),
    );

    expect(await things.update('acme', 'b', (thing) => ({ ...thing, paused: true }))).toEqual({
      id: 'b',
      paused: true,
    });
    await things.remove('acme', 'a');
    await expect(things.remove('acme', 'a')).rejects.toThrow(new NotFoundException('thing a not found'));
    await expect(things.update('acme', 'broken', (thing) => thing)).rejects.toThrow(NotFoundException);

    expect(await things.list('acme')).toEqual([{ id: 'b', paused: true }]);
    expect(await things.get('globex', 'a')).toEqual({ id: 'a', paused: true });
    expect(await things.get('acme', 'a')).toBeUndefined();
  });

  it('lists while the bucket is written', async () => {
    await things.create('initech', 'n', { id: 'n', paused: false });
    const listings = await alongside(
      (n) => kv.put(`initech.busy${n % 20}`, JSON.stringify({ id: `busy${n % 20}`, paused: false })),
      async () => Promise.all(Array.from({ length: 10 }, () => things.list('initech'))),
    );
    for (const listing of listings) expect(listing).toContainEqual({ id: 'n', paused: false });
  });
});
