import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  JOB_EVENTS,
  KV_BUCKETS,
  MessageRegistry,
  STREAMS,
  JobCancelRequested,
  fingerprintsBucket,
  subjects,
  type JobEvent,
} from '@aether/contracts';
import {
  DEFAULT_STREAM_SETTINGS,
  EventStore,
  connectNats,
  ensureConsumer,
  ensureStreams,
  serveEventReads,
} from '@aether/event-store';
import { ensureArtifactsBucket, ensureBuckets, ensureFingerprintsBucket } from '@aether/kv-state';
import { eventually, startNatsServer, type TestNatsServer } from '@aether/testing';
import { issueNatsUser, createNatsAuthority, natsServerAuthConfig } from './nats-accounts';
import { serviceNatsPermissions, type AetherService } from './service-nats-permissions';

jest.setTimeout(30_000);

const authority = createNatsAuthority();
const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);
let server: TestNatsServer;
let tools: NatsConnection;

interface Connected {
  nc: NatsConnection;
  publicKey: string;
  store: EventStore;
}

/** Connects as the service with its own rights and does what every service does at start. */
async function startAs(service: AetherService): Promise<Connected> {
  const user = await issueNatsUser(authority, {
    name: service,
    permissions: serviceNatsPermissions(service),
  });
  const nc = await connectNats({
    servers: server.url,
    name: service,
    creds: user.creds,
    inboxPrefix: subjects.serviceInbox(service),
  });
  const jsm = await jetstreamManager(nc);
  serveEventReads(nc, jsm, () => undefined);
  await ensureStreams(jsm);
  await ensureBuckets(nc, DEFAULT_STREAM_SETTINGS);
  return { nc, publicKey: user.publicKey, store: new EventStore(jetstream(nc), jsm) };
}

/** The server's refusal of `action` (a permissions error), or `allowed`. */
async function refused(nc: NatsConnection, action: () => Promise<unknown>): Promise<string> {
  const statusError = (async () => {
    for await (const status of nc.status()) if (status.type === 'error') return String(status.error);
    return 'closed';
  })();
  const outcome = action().then(
    () => 'allowed',
    (error: unknown) => String(error),
  );
  return Promise.race([statusError, outcome]);
}

async function violationLogged(service: Connected) {
  await eventually(
    () => (server.log().includes(`Violation - Nkey "${service.publicKey}"`) ? true : undefined),
    { what: 'the violation in the server log' },
  );
}

type Attempt = readonly [string, (nc: NatsConnection) => Promise<unknown>];

/** Connects as `service` for one describe block's tests; the getter answers once it has. */
function connectedAs(service: AetherService): () => Connected {
  let connected: Connected | undefined;
  beforeAll(async () => {
    connected = await startAs(service);
  });
  afterAll(() => connected?.nc.close());
  return () => {
    if (!connected) throw new Error(`${service} did not connect`);
    return connected;
  };
}

/** One test per attempt: the server refuses it and logs the service's violation. */
function itRefuses(who: () => Connected, attempts: readonly Attempt[]) {
  it.each(attempts)('is refused when it tries to %s, and the server logs it', async (_what, attempt) => {
    const { nc } = who();
    expect(await refused(nc, () => attempt(nc))).toMatch(/permission/i);
    await violationLogged(who());
  });
}

function cancelRequested(tenantId: string, jobId: string) {
  return JobCancelRequested.create({ tenantId, aggregateId: jobId, data: { reason: 'test' } });
}

beforeAll(async () => {
  server = await startNatsServer({ config: await natsServerAuthConfig(authority, '{{storeDir}}/resolver') });
  const user = await issueNatsUser(authority, {
    name: 'tools',
    permissions: serviceNatsPermissions('tools'),
  });
  tools = await connectNats({ servers: server.url, name: 'tools', creds: user.creds });
  const jsm = await jetstreamManager(tools);
  await ensureStreams(jsm);
  await ensureBuckets(tools, DEFAULT_STREAM_SETTINGS);
  await jsm.consumers.add(STREAMS.work, {
    durable_name: 'robot-r1',
    filter_subject: subjects.robotWork('*', 'r1'),
    ack_policy: AckPolicy.Explicit,
  });
  await jetstream(tools).publish(subjects.robotWork('t1', 'r1'), '{}');
});

afterAll(async () => {
  await tools?.close();
  await server?.stop();
});

describe('the healer', () => {
  const healer = connectedAs('healer');

  it('starts, keeps its durable, reads and appends selector events and fills a tenant’s fingerprints', async () => {
    const jsm = await jetstreamManager(healer().nc);
    await ensureConsumer(jsm, STREAMS.events, {
      durable_name: 'healer-heal-reports',
      filter_subject: subjects.eventsOf('selector'),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
    });
    const subject = subjects.event('t1', 'selector', 'sel-1');
    // Any envelope: the append is what is tried, not the event's meaning.
    await healer().store.append(subject, [cancelRequested('t1', 'sel-1')], 0);
    const proposal = subjects.event('t1', 'proposal', 'p-1');
    await healer().store.append(proposal, [cancelRequested('t1', 'p-1')], 0);
    expect((await healer().store.read(proposal, jobEvents)).lastSequence).toBeGreaterThan(0);
    const consumer = await jetstream(healer().nc).consumers.get(STREAMS.events, 'healer-heal-reports');
    const message = await consumer.next({ expires: 2_000 });
    expect(message?.subject).toBe(subject);
    message?.ack();
    const bucket = await ensureFingerprintsBucket(healer().nc, 't1');
    await bucket.put('sel-1', '{}');
    // Robots read it (by direct get); the healer only writes.
    const written = await new Kvm(tools).open(fingerprintsBucket('t1')).then((kv) => kv.get('sel-1'));
    expect(written?.string()).toBe('{}');
    expect(server.log()).not.toContain(healer().publicKey);
  });

  itRefuses(healer, [
    [
      'publish a job command',
      (nc: NatsConnection) => jetstream(nc).publish(subjects.command('t1', 'RequestJob'), '{}'),
    ],
    [
      'pull the robots’ work consumer',
      (nc: NatsConnection) =>
        jetstream(nc)
          .consumers.get(STREAMS.work, 'robot-r1')
          .then((c) => c.next({ expires: 1_000 })),
    ],
    [
      'append to a job',
      (nc: NatsConnection) => jetstream(nc).publish(subjects.event('t1', 'job', 'job-1'), '{}'),
    ],
    ['write the vault’s bucket', (nc: NatsConnection) => jetstream(nc).publish('$KV.aether-secrets.x', '{}')],
  ]);
});

describe('the metrics projector', () => {
  const metrics = connectedAs('metrics');

  it('starts and follows every event through an ordered consumer', async () => {
    await jetstream(tools).publish(
      subjects.event('t1', 'job', 'job-feed'),
      JSON.stringify(cancelRequested('t1', 'job-feed')),
    );
    const feed = await metrics().store.subscribe(subjects.allEvents, 1);
    const seen: string[] = [];
    for await (const message of feed) {
      seen.push(message.subject);
      if (message.subject === subjects.event('t1', 'job', 'job-feed')) break;
    }
    feed.stop();
    expect(seen).toContain(subjects.event('t1', 'job', 'job-feed'));
    expect(server.log()).not.toContain(metrics().publicKey);
  });

  itRefuses(metrics, [
    [
      'write a secret into the vault’s bucket',
      (nc: NatsConnection) =>
        new Kvm(nc).open(KV_BUCKETS.secrets).then((kv) => kv.put('secret.t1.x', 'forged')),
    ],
    [
      'append an event',
      (nc: NatsConnection) => jetstream(nc).publish(subjects.event('t1', 'job', 'j'), '{}'),
    ],
    ['publish work', (nc: NatsConnection) => jetstream(nc).publish(subjects.robotWork('t1', 'r1'), '{}')],
    [
      'delete a stream',
      (nc: NatsConnection) => jetstreamManager(nc).then((jsm) => jsm.streams.delete(STREAMS.events)),
    ],
  ]);
});

describe('the gateway', () => {
  const gateway = connectedAs('gateway');

  it('starts, writes the vault, requests jobs, reads a job, enrols a robot’s consumer and bucket', async () => {
    const secrets = await new Kvm(gateway().nc).open(KV_BUCKETS.secrets);
    await secrets.put('secret.t1.demo', 'sealed');
    await jetstream(gateway().nc).publish(subjects.command('t1', 'RequestJob'), '{}');
    const subject = subjects.event('t1', 'job', 'job-g');
    await gateway().store.append(subject, [cancelRequested('t1', 'job-g')], 'any');
    expect((await gateway().store.read(subject, jobEvents)).events).toHaveLength(1);
    await ensureConsumer(await jetstreamManager(gateway().nc), STREAMS.work, {
      durable_name: 'robot-r2',
      filter_subject: subjects.robotWork('*', 'r2'),
      ack_policy: AckPolicy.Explicit,
    });
    await ensureArtifactsBucket(gateway().nc, 't1');
    expect(server.log()).not.toContain(gateway().publicKey);
  });

  itRefuses(gateway, [
    [
      'pull a robot’s work',
      (nc: NatsConnection) =>
        jetstream(nc)
          .consumers.get(STREAMS.work, 'robot-r1')
          .then((c) => c.next({ expires: 1_000 })),
    ],
    ['publish work', (nc: NatsConnection) => jetstream(nc).publish(subjects.robotWork('t1', 'r1'), '{}')],
    [
      'write the dispatcher’s state',
      (nc: NatsConnection) => jetstream(nc).publish(`$KV.${KV_BUCKETS.dispatcherState}.replay`, '1'),
    ],
    [
      'publish a robot’s presence',
      (nc: NatsConnection) => jetstream(nc).publish(subjects.robotPresence('t1'), '{}'),
    ],
  ]);
});

describe('the scheduler', () => {
  const scheduler = connectedAs('scheduler');

  it('starts, takes RequestJob from its durable, reads the vault, answers queue steps', async () => {
    const jsm = await jetstreamManager(scheduler().nc);
    await ensureConsumer(jsm, STREAMS.commands, {
      durable_name: 'scheduler-request-job',
      filter_subject: subjects.commandsOf('RequestJob'),
      ack_policy: AckPolicy.Explicit,
    });
    await jetstream(scheduler().nc).publish(subjects.command('t1', 'RequestJob'), '{}');
    const consumer = await jetstream(scheduler().nc).consumers.get(STREAMS.commands, 'scheduler-request-job');
    const message = await consumer.next({ expires: 2_000 });
    expect(message?.subject).toBe(subjects.command('t1', 'RequestJob'));
    message?.ack();
    await new Kvm(tools).open(KV_BUCKETS.secrets).then((kv) => kv.put('secret.t1.mailbox', 'sealed'));
    const secrets = await new Kvm(scheduler().nc).open(KV_BUCKETS.secrets);
    expect((await secrets.get('secret.t1.mailbox'))?.string()).toBe('sealed');
    const steps = scheduler().nc.subscribe(subjects.queueItemOp('*', '*', '*'), {
      queue: 'queue-keepers',
      callback: (_error, request) => {
        request.respond('{}');
      },
    });
    await scheduler().nc.flush(); // the server holds the subscription before anyone asks
    expect((await tools.request(subjects.queueTake('t1', 'q1'), '{}', { timeout: 2_000 })).string()).toBe(
      '{}',
    );
    steps.unsubscribe();
    expect(server.log()).not.toContain(scheduler().publicKey);
  });

  itRefuses(scheduler, [
    [
      'write the vault',
      (nc: NatsConnection) =>
        new Kvm(nc).open(KV_BUCKETS.secrets).then((kv) => kv.put('secret.t1.x', 'forged')),
    ],
    ['publish work', (nc: NatsConnection) => jetstream(nc).publish(subjects.robotWork('t1', 'r1'), '{}')],
  ]);
});

describe('the dispatcher', () => {
  const dispatcher = connectedAs('dispatcher');

  it('starts, places work on a robot, purges a failed-over robot’s work, keeps a session binding', async () => {
    await jetstream(dispatcher().nc).publish(subjects.robotWork('t1', 'r9'), '{}');
    const jsm = await jetstreamManager(dispatcher().nc);
    await jsm.streams.purge(STREAMS.work, { filter: subjects.robotWork('*', 'r9') });
    const sessions = await new Kvm(dispatcher().nc).open(KV_BUCKETS.dispatchSessions);
    await sessions.put('t1.session-1', 'r1');
    expect(server.log()).not.toContain(dispatcher().publicKey);
  });

  itRefuses(dispatcher, [
    [
      'pull a robot’s work',
      (nc: NatsConnection) =>
        jetstream(nc)
          .consumers.get(STREAMS.work, 'robot-r1')
          .then((c) => c.next({ expires: 1_000 })),
    ],
    [
      'publish a command',
      (nc: NatsConnection) => jetstream(nc).publish(subjects.command('t1', 'RequestJob'), '{}'),
    ],
  ]);
});

describe('the robot registry', () => {
  const registry = connectedAs('robot-registry');

  it('starts, keeps presence, appends robot events, probes a session', async () => {
    const robots = await new Kvm(registry().nc).open(KV_BUCKETS.robots);
    await robots.put('t1.r1', '{}');
    await registry().store.append(subjects.event('t1', 'robot', 'r1'), [cancelRequested('t1', 'r1')], 'any');
    const probe = tools.subscribe(subjects.robotProbe('t1', 'r1', 's1'), {
      callback: (_error, request) => {
        request.respond();
      },
    });
    await tools.flush(); // the server holds the subscription before the registry asks
    await registry().nc.request(subjects.robotProbe('t1', 'r1', 's1'), undefined, { timeout: 2_000 });
    probe.unsubscribe();
    expect(server.log()).not.toContain(registry().publicKey);
  });

  itRefuses(registry, [
    ['publish work', (nc: NatsConnection) => jetstream(nc).publish(subjects.robotWork('t1', 'r1'), '{}')],
    [
      'append to a job',
      (nc: NatsConnection) => jetstream(nc).publish(subjects.event('t1', 'job', 'j'), '{}'),
    ],
  ]);
});
