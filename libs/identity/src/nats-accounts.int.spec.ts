import { jetstream, jetstreamManager, AckPolicy } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import {
  JOB_EVENTS,
  JobCancelRequested,
  KV_BUCKETS,
  MessageRegistry,
  artifactsBucket,
  fingerprintsBucket,
  subjects,
  type JobEvent,
} from '@aether/contracts';
import {
  DEFAULT_STREAM_SETTINGS,
  EventStore,
  connectNats,
  ensureStreams,
  quarantine,
  serveEventReads,
} from '@aether/event-store';
import {
  SHARED_FINGERPRINTS_BUCKET,
  ensureArtifactsBucket,
  ensureBuckets,
  ensureFingerprintsBucket,
  openFingerprintsBucket,
  readObject,
} from '@aether/kv-state';
import { eventually, startNatsServer, type TestNatsServer } from '@aether/testing';
import {
  createNatsAuthority,
  createNatsUserSeed,
  encodeAetherAccount,
  formatNatsCreds,
  issueNatsSystemUser,
  issueNatsUser,
  natsServerAuthConfig,
  pushAccountJwt,
  robotInboxPrefix,
  robotNatsPermissions,
  SERVICE_NATS_PERMISSIONS,
} from './nats-accounts';

// Restarts a server and signs in many robots: 5 s is not enough on a loaded machine.
jest.setTimeout(30_000);

const authority = createNatsAuthority();
let server: TestNatsServer;
let service: NatsConnection;

async function robotCreds(tenantId: string, robotId: string): Promise<{ creds: string; publicKey: string }> {
  const own = createNatsUserSeed(); // made "on the robot's machine": only the public key is sent
  const user = await issueNatsUser(authority, {
    name: `robot-${robotId}`,
    publicKey: own.publicKey,
    permissions: robotNatsPermissions(tenantId, robotId),
  });
  return { creds: formatNatsCreds(user.jwt, own.seed), publicKey: user.publicKey };
}

function connectRobot(creds: string, tenantId: string, robotId: string) {
  return connect({
    servers: server.url,
    name: `robot-${robotId}`,
    authenticator: credsAuthenticator(new TextEncoder().encode(creds)),
    inboxPrefix: robotInboxPrefix(tenantId, robotId),
    maxReconnectAttempts: 0,
  });
}

/** The first error the server reported to this connection, or the refusal of `action`. */
async function refused(nc: NatsConnection, action: () => Promise<unknown>): Promise<string> {
  const statusError = (async () => {
    for await (const status of nc.status()) if (status.type === 'error') return String(status.error);
    return 'closed';
  })();
  const outcome = action().then(
    (value) => (value instanceof Error ? String(value) : 'allowed'),
    (error: unknown) => String(error),
  );
  const first = await Promise.race([statusError, outcome]);
  return first;
}

beforeAll(async () => {
  server = await startNatsServer({
    config: await natsServerAuthConfig(authority, '{{storeDir}}/resolver'),
  });
  const user = await issueNatsUser(authority, {
    name: 'test-service',
    permissions: SERVICE_NATS_PERMISSIONS,
  });
  service = await connectNats({ servers: server.url, name: 'test-service', creds: user.creds });
  const jsm = await jetstreamManager(service);
  await ensureStreams(jsm);
  await ensureBuckets(service, DEFAULT_STREAM_SETTINGS);
  for (const robot of ['r1', 'r2'])
    await jsm.consumers.add('WORK', {
      durable_name: `robot-${robot}`,
      filter_subject: subjects.robotWork('*', robot),
      ack_policy: AckPolicy.Explicit,
    });
  await new Kvm(service).open(KV_BUCKETS.secrets).then((kv) => kv.put('secret.t1.demo', 'sealed'));
  // What enrolment makes for each tenant's robots (ADR 76).
  await ensureArtifactsBucket(service, 't1');
  await ensureArtifactsBucket(service, 't2');
}, 30_000);

afterAll(async () => {
  await service?.close();
  await server?.stop();
});

// Before the revocation test, which restarts the server.
describe('artifacts: a robot reaches only its own tenant’s bucket (ADR 76)', () => {
  // Two chunks (128 KiB each by default), so a read has to find more than one.
  const screenshot = new Uint8Array(200 * 1024).map((_, i) => (i * 7) % 256);
  const name = 't1/job-a/step-1/screenshot.png';

  async function robot(tenantId: string, robotId: string) {
    const { creds, publicKey } = await robotCreds(tenantId, robotId);
    const nc = await connectRobot(creds, tenantId, robotId);
    return { nc, jsm: await jetstreamManager(nc), publicKey };
  }

  beforeAll(async () => {
    // Tenant t1's robot stores its artifact under its own credentials.
    const a = await robot('t1', 'ra');
    await new Objm(a.nc).open(artifactsBucket('t1')).then((bucket) => bucket.putBlob({ name }, screenshot));
    await a.nc.close();
  });

  it('lets each tenant’s robot write and read back its own artifacts, without a consumer', async () => {
    const a = await robot('t1', 'ra');
    expect(Buffer.from((await readObject(a.jsm, artifactsBucket('t1'), name))!)).toEqual(
      Buffer.from(screenshot),
    );
    await a.nc.close();

    const b = await robot('t2', 'rb');
    await new Objm(b.nc)
      .open(artifactsBucket('t2'))
      .then((bucket) => bucket.putBlob({ name: 'own.png' }, screenshot));
    expect(Buffer.from((await readObject(b.jsm, artifactsBucket('t2'), 'own.png'))!)).toEqual(
      Buffer.from(screenshot),
    );
    expect(server.log()).not.toContain(b.publicKey);
    await b.nc.close();
  });

  it.each([
    [
      'read it by name',
      (b: Awaited<ReturnType<typeof robot>>) => readObject(b.jsm, artifactsBucket('t1'), name),
    ],
    [
      'read a chunk by sequence',
      (b: Awaited<ReturnType<typeof robot>>) =>
        b.jsm.direct.getMessage(`OBJ_${artifactsBucket('t1')}`, { seq: 1 }),
    ],
    [
      'read a chunk through the stream API',
      (b: Awaited<ReturnType<typeof robot>>) =>
        b.jsm.streams.getMessage(`OBJ_${artifactsBucket('t1')}`, { seq: 1 }),
    ],
    [
      'read it through the object store (a consumer)',
      (b: Awaited<ReturnType<typeof robot>>) =>
        new Objm(b.nc).open(artifactsBucket('t1')).then((bucket) => bucket.getBlob(name)),
    ],
    [
      'overwrite it',
      (b: Awaited<ReturnType<typeof robot>>) =>
        jetstream(b.nc).publish(`$O.${artifactsBucket('t1')}.C.forged`, 'forged'),
    ],
    [
      'read the bucket every tenant shared before',
      (b: Awaited<ReturnType<typeof robot>>) =>
        b.jsm.direct.getMessage('OBJ_aether-artifacts', { last_by_subj: '$O.aether-artifacts.M.>' }),
    ],
  ])(
    'refuses tenant t2’s robot that tries to %s (tenant t1’s artifact), and the server logs it',
    async (_what, attempt) => {
      const b = await robot('t2', 'rb');
      expect(await refused(b.nc, () => attempt(b))).toMatch(/permission/i);
      await eventually(
        () => (server.log().includes(`Violation - Nkey "${b.publicKey}"`) ? true : undefined),
        {
          what: 'the violation in the server log',
        },
      );
      await b.nc.close();
    },
  );

  it('refuses a consumer even on its own bucket: its delivery subject could be anyone’s', async () => {
    const heard: string[] = [];
    const cancelNudge = service.subscribe(subjects.jobControl('t1', 'job-a', 'cancel'));
    void (async () => {
      for await (const message of cancelNudge) heard.push(message.string());
    })();
    const b = await robot('t2', 'rb');
    const bucket = artifactsBucket('t2');
    await jetstream(b.nc).publish(`$O.${bucket}.C.payload`, 'cancel it');
    const outcome = await refused(b.nc, () =>
      b.jsm.consumers.add(`OBJ_${bucket}`, {
        deliver_subject: subjects.jobControl('t1', 'job-a', 'cancel'),
        filter_subject: `$O.${bucket}.C.payload`,
        ack_policy: AckPolicy.None,
      }),
    );
    expect(outcome).toMatch(/permission/i);
    await service.flush();
    expect(heard).toEqual([]);
    cancelNudge.unsubscribe();
    await b.nc.close();
  });
});

describe('fingerprints: a robot reads only its own tenant’s bucket (ADR 78)', () => {
  const mine = 'a'.repeat(40);
  const theirs = 'b'.repeat(40);
  const t2Bucket = fingerprintsBucket('t2');

  async function robot(tenantId: string, robotId: string) {
    const { creds, publicKey } = await robotCreds(tenantId, robotId);
    const nc = await connectRobot(creds, tenantId, robotId);
    return { nc, jsm: await jetstreamManager(nc), publicKey };
  }

  beforeAll(async () => {
    // What the healer projects from each tenant's FingerprintRecorded events.
    const t1 = await ensureFingerprintsBucket(service, 't1');
    await t1.put(mine, JSON.stringify({ selector: '#mine' }));
    const t2 = await ensureFingerprintsBucket(service, 't2');
    await t2.put(theirs, JSON.stringify({ selector: '#theirs' }));
    // The bucket every tenant shared before, still there on a server not yet upgraded.
    const shared = await new Kvm(service).create(SHARED_FINGERPRINTS_BUCKET, { history: 1 });
    await shared.put(theirs, JSON.stringify({ selector: '#theirs' }));
  });

  it('lets tenant t1’s robot read its own tenant’s fingerprints, by key and by wildcard', async () => {
    const a = await robot('t1', 'ra');
    const kv = await openFingerprintsBucket(a.nc, 't1'); // as the robot reads it
    expect((await kv.get(mine))?.json()).toEqual({ selector: '#mine' });
    expect(await kv.get(theirs)).toBeNull();
    const newest = await a.jsm.direct.getMessage(`KV_${fingerprintsBucket('t1')}`, {
      last_by_subj: `$KV.${fingerprintsBucket('t1')}.>`,
    });
    expect(newest?.json()).toEqual({ selector: '#mine' });
    expect(server.log()).not.toContain(a.publicKey);
    await a.nc.close();
  });

  it.each([
    [
      'read t2’s fingerprint by opening t2’s bucket',
      (a: Awaited<ReturnType<typeof robot>>) =>
        openFingerprintsBucket(a.nc, 't2').then((kv) => kv.get(theirs)),
    ],
    [
      'read t2’s fingerprint by direct get',
      (a: Awaited<ReturnType<typeof robot>>) =>
        a.jsm.direct.getMessage(`KV_${t2Bucket}`, { last_by_subj: `$KV.${t2Bucket}.${theirs}` }),
    ],
    [
      'read t2’s newest fingerprint by a wildcard direct get',
      (a: Awaited<ReturnType<typeof robot>>) =>
        a.jsm.direct.getMessage(`KV_${t2Bucket}`, { last_by_subj: `$KV.${t2Bucket}.>` }),
    ],
    [
      'read t2’s fingerprints by sequence',
      (a: Awaited<ReturnType<typeof robot>>) => a.jsm.direct.getMessage(`KV_${t2Bucket}`, { seq: 1 }),
    ],
    [
      'read t2’s fingerprints through the stream API',
      (a: Awaited<ReturnType<typeof robot>>) => a.jsm.streams.getMessage(`KV_${t2Bucket}`, { seq: 1 }),
    ],
    [
      'list t2’s keys',
      (a: Awaited<ReturnType<typeof robot>>) =>
        a.jsm.streams.info(`KV_${t2Bucket}`, { subjects_filter: `$KV.${t2Bucket}.>` }),
    ],
    [
      'read the bucket every tenant shared before (t2’s keys in it) by a wildcard direct get',
      (a: Awaited<ReturnType<typeof robot>>) =>
        a.jsm.direct.getMessage(`KV_${SHARED_FINGERPRINTS_BUCKET}`, {
          last_by_subj: `$KV.${SHARED_FINGERPRINTS_BUCKET}.>`,
        }),
    ],
    [
      'write into its own tenant’s bucket (the healer projects it from the events)',
      (a: Awaited<ReturnType<typeof robot>>) =>
        jetstream(a.nc).publish(`$KV.${fingerprintsBucket('t1')}.${mine}`, JSON.stringify({ forged: true })),
    ],
  ])('refuses tenant t1’s robot that tries to %s, and the server logs it', async (_what, attempt) => {
    const a = await robot('t1', 'ra');
    expect(await refused(a.nc, () => attempt(a))).toMatch(/permission/i);
    await eventually(() => (server.log().includes(`Violation - Nkey "${a.publicKey}"`) ? true : undefined), {
      what: 'the violation in the server log',
    });
    await a.nc.close();
  });
});

describe('NATS accounts: a robot holds only its own subjects (ADR 38)', () => {
  it('refuses a connection without credentials', async () => {
    await expect(connect({ servers: server.url, maxReconnectAttempts: 0 })).rejects.toThrow(/authorization/i);
  });

  it('lets a robot append to its tenant’s jobs, heartbeat as itself and pull its own work', async () => {
    const { creds } = await robotCreds('t1', 'r1');
    const nc = await connectRobot(creds, 't1', 'r1');
    const js = jetstream(nc);
    const ack = await js.publish(subjects.event('t1', 'job', 'j1'), '{}');
    expect(ack.stream).toBe('EVENTS');
    await js.publish(subjects.robotPresence('t1'), '{}');

    await jetstream(service).publish(subjects.robotWork('t1', 'r1'), 'run j1');
    const consumer = await js.consumers.get('WORK', 'robot-r1');
    const work = await consumer.next({ expires: 2_000 });
    expect(work?.string()).toBe('run j1');
    work?.ack();
    await nc.close();
  });

  it('lets a robot quarantine a work message it cannot take, as its own consumer', async () => {
    const { creds } = await robotCreds('t1', 'r1');
    const nc = await connectRobot(creds, 't1', 'r1');
    await jetstream(service).publish(subjects.robotWork('t1', 'r1'), 'not a work message');
    const work = await (await jetstream(nc).consumers.get('WORK', 'robot-r1')).next({ expires: 2_000 });
    if (!work) throw new Error('no work message');
    await quarantine(jetstream(nc), 'robot-r1', work, 'unreadable');
    work.term();
    const kept = await (
      await jetstreamManager(service)
    ).streams.getMessage('QUARANTINE', {
      last_by_subj: subjects.quarantine('robot-r1'),
    });
    expect(kept?.string()).toBe('not a work message');
    await nc.close();
  });

  it.each([
    [
      'pull another robot’s consumer',
      (nc: NatsConnection) => jetstream(nc).consumers.get('WORK', 'robot-r2'),
    ],
    [
      'append to another tenant’s job',
      (nc: NatsConnection) => jetstream(nc).publish(subjects.event('t2', 'job', 'j1'), '{}'),
    ],
    [
      'quarantine as another robot’s consumer',
      (nc: NatsConnection) => jetstream(nc).publish(subjects.quarantine('robot-r2'), '{}'),
    ],
    [
      'publish a command',
      (nc: NatsConnection) => jetstream(nc).publish(subjects.command('t1', 'RequestJob'), '{}'),
    ],
    [
      'heartbeat as another tenant',
      (nc: NatsConnection) => jetstream(nc).publish(subjects.robotPresence('t2'), '{}'),
    ],
    [
      'read the vault’s bucket',
      (nc: NatsConnection) => new Kvm(nc).open(KV_BUCKETS.secrets).then((kv) => kv.get('secret.t1.demo')),
    ],
    [
      'read a secret by direct get',
      (nc: NatsConnection) =>
        jetstreamManager(nc).then((jsm) =>
          jsm.direct.getMessage('KV_aether-secrets', { last_by_subj: '$KV.aether-secrets.secret.t1.demo' }),
        ),
    ],
    [
      'read any tenant’s event by sequence (a direct get with a payload)',
      (nc: NatsConnection) => jetstreamManager(nc).then((jsm) => jsm.direct.getMessage('EVENTS', { seq: 1 })),
    ],
    [
      'list the event stream’s subjects',
      (nc: NatsConnection) =>
        jetstreamManager(nc).then((jsm) => jsm.streams.info('EVENTS', { subjects_filter: 'aether.evt.>' })),
    ],
    [
      'ask the services for another tenant’s history',
      (nc: NatsConnection) =>
        nc.request(
          subjects.eventRead('t2'),
          JSON.stringify({ subject: subjects.event('t2', 'job', 'j1'), fromSequence: 1 }),
        ),
    ],
    [
      'listen on another robot’s inbox',
      (nc: NatsConnection) => {
        const sub = nc.subscribe('_INBOX.t1.r2.>');
        return sub.closed;
      },
    ],
    [
      'listen to all work',
      (nc: NatsConnection) => {
        const sub = nc.subscribe(subjects.allWork);
        return sub.closed;
      },
    ],
  ])('refuses a robot that tries to %s, and the server logs it', async (_what, attempt) => {
    const { creds, publicKey } = await robotCreds('t1', 'r1');
    const nc = await connectRobot(creds, 't1', 'r1');
    const outcome = await refused(nc, () => attempt(nc));
    expect(outcome).toMatch(/permission/i);
    const logged = new RegExp(`(Publish|Subscription) Violation - Nkey "${publicKey}"`);
    await eventually(() => (logged.test(server.log()) ? true : undefined), {
      what: 'the violation in the server log',
    });
    await nc.close();
  });

  it('reads its own tenant’s histories through the services, and only those (ADR 77)', async () => {
    const responder = serveEventReads(service, await jetstreamManager(service), (error) => {
      throw error;
    });
    const theirs = subjects.event('t2', 'job', 'history');
    await jetstream(service).publish(theirs, JSON.stringify({ not: 'yours' }));
    const { creds, publicKey } = await robotCreds('t1', 'r1');
    const nc = await connectRobot(creds, 't1', 'r1');
    const js = jetstream(nc);
    const store = new EventStore(js, await jetstreamManager(nc), 'EVENTS', { readThrough: nc });
    const mine = subjects.event('t1', 'job', 'history');
    const ack = await js.publish(
      mine,
      JSON.stringify(JobCancelRequested.create({ tenantId: 't1', aggregateId: 'history', data: {} })),
    );
    const history = await store.read(mine, new MessageRegistry<JobEvent>(JOB_EVENTS));
    expect(history.events.map(({ event }) => event.type)).toEqual(['JobCancelRequested']);
    expect(history.lastSequence).toBe(ack.seq);
    expect(await store.lastSequence(mine)).toBe(ack.seq);
    // Its own tenant's request subject, another tenant's aggregate: the services refuse it.
    await expect(
      nc
        .request(subjects.eventRead('t1'), JSON.stringify({ subject: theirs, fromSequence: 1 }))
        .then((m) => m.json()),
    ).resolves.toEqual({ refused: expect.stringMatching(/tenant t1/) });
    expect(server.log()).not.toContain(publicKey);
    // Another tenant's request subject: the server refuses it.
    await expect(store.read(theirs, new MessageRegistry<JobEvent>(JOB_EVENTS))).rejects.toThrow(
      /permissions/i,
    );
    await nc.close();
    responder.unsubscribe();
  });

  it('cuts a revoked robot off at once, and its credentials no longer connect', async () => {
    const { creds, publicKey } = await robotCreds('t1', 'r2');
    const nc = await connectRobot(creds, 't1', 'r2');
    const system = await connectNats({
      servers: server.url,
      name: 'account-pusher',
      creds: await issueNatsSystemUser(authority),
    });
    const started = Date.now();
    let reason = '';
    const cutOff = (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'error') reason = String(status.error);
        if (status.type === 'disconnect') return Date.now() - started;
      }
      return Date.now() - started;
    })();
    await pushAccountJwt(
      system,
      await encodeAetherAccount(authority, { [publicKey]: Math.floor(Date.now() / 1000) }),
    );
    expect(await cutOff).toBeLessThan(10_000); // ADR 38 aims at 2 s; a guard of liveness only
    expect(reason).toMatch(/Authentication Revoked/);
    await nc.closed();
    await expect(connectRobot(creds, 't1', 'r2')).rejects.toThrow(/authorization|revoked/i);
    await system.close();

    // The full resolver kept the revocation: a restarted server still refuses it.
    await server.kill();
    await server.restart();
    await expect(connectRobot(creds, 't1', 'r2')).rejects.toThrow(/authorization|revoked/i);

    // Another robot, enrolled with its own key, is untouched.
    const other = await robotCreds('t1', 'r1');
    const still = await connectRobot(other.creds, 't1', 'r1');
    await jetstream(still).publish(subjects.event('t1', 'job', 'j2'), '{}');
    await still.close();
  });
});
