import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { FingerprintRecorded, STREAMS, fingerprintsBucket, subjects } from '@aether/contracts';
import { EventStore, connectNats, ensureStreams } from '@aether/event-store';
import { fingerprintFromHtml } from '@aether/healing';
import { SHARED_FINGERPRINTS_BUCKET } from '@aether/kv-state';
import { eventually, startNatsServer, type TestNatsServer } from '@aether/testing';
import { HealerModule } from '../app.module';
import { loadConfigFromEnv } from '../config';
import { RETIRED_SELECTORS_DURABLE } from './selector-knowledge';

jest.setTimeout(30_000);

const html =
  '<main><form><label for="q">Search</label><input id="q" name="q"><button>Go</button></form></main>';

function recorded(tenantId: string, selectorKey: string) {
  return FingerprintRecorded.create({
    tenantId,
    aggregateId: selectorKey,
    data: {
      selectorKey,
      workflowId: 'wf',
      nodeId: 'search',
      selector: 'button',
      fingerprint: fingerprintFromHtml(html, 'button') as unknown as Record<string, never>,
      jobId: 'job-1',
      stepKey: 'search',
      robotId: `robot-${tenantId}`,
    },
  });
}

async function value(nc: NatsConnection, tenantId: string, key: string) {
  const entry = await new Kvm(nc)
    .open(fingerprintsBucket(tenantId))
    .then((kv) => kv.get(key))
    .catch(() => null);
  return entry?.operation === 'PUT' ? (entry.json() as { robotId: string }) : undefined;
}

describe('the healer keeps each tenant’s fingerprints in its own bucket (ADR 78)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let store: EventStore;
  let healer: INestApplicationContext | undefined;
  const keyOf = (tenantId: string) => `${tenantId}${'0'.repeat(40)}`.slice(0, 40);

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connectNats({ servers: server.url, name: 'test' });
    jsm = await jetstreamManager(nc);
    await ensureStreams(jsm);
    store = new EventStore(jetstream(nc), jsm, STREAMS.events);
  });

  afterAll(async () => {
    await healer?.close();
    await nc?.close();
    await server?.stop();
  });

  it('replays fingerprints recorded before the upgrade into their tenants’ buckets and deletes the shared one', async () => {
    // Before the upgrade: both tenants' fingerprints recorded, projected into the shared bucket by the old durable.
    for (const tenantId of ['t1', 't2'])
      await store.append(
        subjects.event(tenantId, 'selector', keyOf(tenantId)),
        [recorded(tenantId, keyOf(tenantId))],
        0,
      );
    const shared = await new Kvm(nc).create(SHARED_FINGERPRINTS_BUCKET, { history: 1 });
    await shared.put(keyOf('t2'), JSON.stringify({ robotId: 'robot-t2' }));
    await jsm.consumers.add(STREAMS.events, {
      durable_name: RETIRED_SELECTORS_DURABLE,
      filter_subject: subjects.eventsOf('selector'),
      ack_policy: AckPolicy.Explicit,
    });
    const old = await jetstream(nc).consumers.get(STREAMS.events, RETIRED_SELECTORS_DURABLE);
    for (let i = 0; i < 2; i++) await old.next({ expires: 2_000 }).then((m) => m?.ackAck());
    expect((await old.info()).num_pending).toBe(0);

    healer = await NestFactory.createApplicationContext(
      HealerModule.forRoot(
        loadConfigFromEnv({ NATS_URL: server.url, LOG_LEVEL: 'silent' }),
        pino({ level: 'silent' }),
      ),
      { logger: false },
    );
    await healer.init();

    await eventually(async () => ((await value(nc, 't2', keyOf('t2'))) ? true : undefined), {
      what: 't2’s fingerprint in its own bucket',
    });
    expect(await value(nc, 't1', keyOf('t1'))).toMatchObject({ robotId: 'robot-t1' });
    expect(await value(nc, 't2', keyOf('t2'))).toMatchObject({ robotId: 'robot-t2' });
    // Each bucket holds its own tenant's keys only.
    expect(await value(nc, 't1', keyOf('t2'))).toBeUndefined();
    expect(await value(nc, 't2', keyOf('t1'))).toBeUndefined();
    const names: string[] = [];
    for await (const name of jsm.streams.names()) names.push(name);
    expect(names).not.toContain(`KV_${SHARED_FINGERPRINTS_BUCKET}`);
    const durables: string[] = [];
    for await (const info of jsm.consumers.list(STREAMS.events)) durables.push(info.name);
    expect(durables).not.toContain(RETIRED_SELECTORS_DURABLE);
  });

  it('projects a fingerprint recorded after start into its tenant’s bucket, making the bucket', async () => {
    await store.append(subjects.event('t3', 'selector', keyOf('t3')), [recorded('t3', keyOf('t3'))], 0);
    await eventually(async () => ((await value(nc, 't3', keyOf('t3'))) ? true : undefined), {
      what: 't3’s fingerprint in a new bucket',
    });
    expect((await jsm.streams.info(`KV_${fingerprintsBucket('t3')}`)).state.messages).toBe(1);
  });
});
