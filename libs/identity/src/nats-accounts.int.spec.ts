import { jetstream, jetstreamManager, AckPolicy } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { KV_BUCKETS, subjects } from '@aether/contracts';
import { DEFAULT_STREAM_SETTINGS, connectNats, ensureStreams } from '@aether/event-store';
import { ensureBuckets } from '@aether/kv-state';
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
}, 30_000);

afterAll(async () => {
  await service?.close();
  await server?.stop();
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

  it('cuts a revoked robot off within 2 s, and its credentials no longer connect', async () => {
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
    expect(await cutOff).toBeLessThan(2_000);
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
