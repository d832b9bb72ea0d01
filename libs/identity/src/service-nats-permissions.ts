import type { Permissions } from '@nats-io/jwt';
import { KV_BUCKETS, STREAMS, subjects, type AggregateType, type KvBucketName } from '@aether/contracts';

/**
 * What each service may do on NATS (ADR 85), derived from the calls its code makes. Each entry is
 * built from the helpers below, one per stream, bucket or request it uses; everything else is
 * refused by the server and logged as a `Permissions Violation` naming the service's user.
 *
 * NATS wildcards match whole tokens only: a per-tenant bucket (`aether-fingerprints-<tenant>`,
 * `aether-artifacts-<tenant>`) is one token of its subjects, so "every tenant's bucket" can only be
 * written as `*` (every stream) and the platform's own buckets taken out again with `deny`.
 */

const API = '$JS.API';
const PLATFORM_STREAMS = Object.values(STREAMS);
const kvStream = (bucket: string) => `KV_${bucket}`;
const PLATFORM_BUCKET_STREAMS = Object.values(KV_BUCKETS).map(kvStream);

interface Rights {
  readonly pub: readonly string[];
  readonly sub?: readonly string[];
  /** Publishes refused although an allow matches (deny wins in NATS). */
  readonly deny?: readonly string[];
}

/**
 * Start-up, for every service: `jetstreamManager` asks `$JS.API.INFO`; `ensureStreams` and
 * `ensureBuckets` look up, create or reconcile every platform stream and bucket (ADR 40); each
 * service answers robots' event reads (ADR 77) by direct gets on `EVENTS`; replies arrive on the
 * service's own inbox.
 */
function startUp(service: string): Rights {
  return {
    pub: [
      `${API}.INFO`,
      ...[...PLATFORM_STREAMS, ...PLATFORM_BUCKET_STREAMS].flatMap((stream) => [
        `${API}.STREAM.INFO.${stream}`,
        `${API}.STREAM.CREATE.${stream}`,
        `${API}.STREAM.UPDATE.${stream}`,
      ]),
      ...directReads(STREAMS.events),
    ],
    sub: [`${subjects.serviceInbox(service)}.>`, subjects.eventRead('*')],
  };
}

/** Direct gets by sequence, by subject and by a subject's last message. */
function directReads(stream: string): string[] {
  return [`${API}.DIRECT.GET.${stream}`, `${API}.DIRECT.GET.${stream}.>`];
}

/**
 * Ordered consumers (event feeds, histories longer than the direct-get limit, KV watches and key
 * listings, object reads): created under a random name, read, and deleted on a reset. The name is
 * random, so these rights cover every consumer name on the stream.
 */
function orderedReads(stream: string): string[] {
  return [
    `${API}.CONSUMER.CREATE.${stream}`,
    `${API}.CONSUMER.CREATE.${stream}.>`,
    `${API}.CONSUMER.INFO.${stream}.*`,
    `${API}.CONSUMER.MSG.NEXT.${stream}.*`,
    `${API}.CONSUMER.DELETE.${stream}.*`,
    // Push consumers' flow control (KV watches).
    `$JS.FC.${stream}.>`,
  ];
}

/** One aggregate's history: `EventStore.read` and `lastSequence`. */
function histories(): string[] {
  return [...directReads(STREAMS.events), ...orderedReads(STREAMS.events)];
}

/** Appends to the event subjects of these aggregates, any tenant. */
function appends(...aggregates: AggregateType[]): string[] {
  return aggregates.map((aggregate) => subjects.eventsOf(aggregate));
}

/**
 * A durable consumer the service owns: made or updated at start (`ensureConsumer`), pulled, its
 * messages settled, a message it cannot read quarantined under its name.
 */
function durable(stream: string, name: string): string[] {
  return [
    `${API}.CONSUMER.INFO.${stream}.${name}`,
    `${API}.CONSUMER.CREATE.${stream}.${name}`,
    `${API}.CONSUMER.CREATE.${stream}.${name}.>`,
    `${API}.CONSUMER.DURABLE.CREATE.${stream}.${name}`,
    `${API}.CONSUMER.MSG.NEXT.${stream}.${name}`,
    `$JS.ACK.${stream}.${name}.>`,
    subjects.quarantine(name),
  ];
}

/** A platform bucket read: opened (`Kvm.create` looks it up), got by direct get, watched, listed. */
function kvRead(bucket: KvBucketName): string[] {
  return [
    ...directReads(kvStream(bucket)),
    `${API}.STREAM.MSG.GET.${kvStream(bucket)}`,
    ...orderedReads(kvStream(bucket)),
  ];
}

/** A platform bucket read and written (put, create, update, delete: all publish on `$KV.<bucket>.<key>`). */
function kvWrite(bucket: KvBucketName): string[] {
  return [...kvRead(bucket), `$KV.${bucket}.>`];
}

function merge(...parts: Rights[]): Permissions {
  const pub = [...new Set(parts.flatMap((part) => part.pub))];
  const sub = [...new Set(parts.flatMap((part) => part.sub ?? []))];
  const deny = [...new Set(parts.flatMap((part) => part.deny ?? []))];
  return {
    pub: { allow: pub, ...(deny.length ? { deny } : {}) },
    sub: { allow: sub },
    // Answers to requests it serves (event reads, secret reads, queue steps) go to the asker's
    // inbox, one each: a right to respond, not to publish there.
    resp: { max: 1, ttl: 0 },
  };
}

/** The platform's services, in the order a stack starts them: the projector first. */
export const AETHER_SERVICES = [
  'metrics',
  'gateway',
  'scheduler',
  'dispatcher',
  'robot-registry',
  'healer',
] as const;

/** The users that connect to NATS: every service, and `tools`, the operator's and the test harness's own. */
export type AetherService = (typeof AETHER_SERVICES)[number] | 'tools';

/**
 * Each service's rights. Durable names are the ones in the apps (`healer-selectors-by-tenant`…):
 * a renamed durable must be renamed here too (the e2e suites with `natsAuth` fail otherwise).
 */
export const SERVICE_NATS_RIGHTS: Readonly<Record<AetherService, Permissions>> = {
  /** Projects `EVENTS` into PostgreSQL through one ordered consumer; quarantines what it cannot read. */
  metrics: merge(startUp('metrics'), {
    pub: [...orderedReads(STREAMS.events), subjects.quarantine('projector')],
  }),

  /**
   * Projects selector events into each tenant's fingerprints bucket (made on first use) and
   * proposes patches from heal reports. Deletes the durables and the shared bucket of before ADR 78.
   */
  healer: merge(startUp('healer'), {
    pub: [
      ...durable(STREAMS.events, 'healer-selectors-by-tenant'),
      ...durable(STREAMS.events, 'healer-heal-reports'),
      `${API}.CONSUMER.DELETE.${STREAMS.events}.healer-selectors`,
      `${API}.CONSUMER.DELETE.${STREAMS.events}.healer-heals`,
      `${API}.STREAM.DELETE.KV_aether-fingerprints`,
      ...histories(),
      ...appends('selector', 'proposal'),
      // Every tenant's fingerprints bucket: `KV_aether-fingerprints-<tenant>` is one token.
      `${API}.STREAM.INFO.*`,
      `${API}.STREAM.CREATE.*`,
      '$KV.*.>',
    ],
    deny: Object.values(KV_BUCKETS).map((bucket) => `$KV.${bucket}.>`),
  }),

  /** Registers robots from their presence commands, keeps presence and vitals, probes sessions. */
  'robot-registry': merge(startUp('robot-registry'), {
    pub: [
      ...durable(STREAMS.commands, 'registry-robot-presence'),
      ...histories(),
      ...appends('robot'),
      ...kvWrite(KV_BUCKETS.robots),
      ...kvWrite(KV_BUCKETS.robotVitals),
      'aether.ctl.*.robot.*.*.probe',
    ],
  }),

  /**
   * Decides jobs on their log (feed of job events, appends through the decider), places work on
   * robots' subjects, purges a failed-over robot's work, keeps sessions and its replay start.
   */
  dispatcher: merge(startUp('dispatcher'), {
    pub: [
      ...histories(),
      ...appends('job'),
      subjects.quarantine('dispatcher-job-feed'),
      subjects.robotWork('*', '*'),
      `${API}.STREAM.PURGE.${STREAMS.work}`,
      ...kvRead(KV_BUCKETS.robots),
      ...kvRead(KV_BUCKETS.dispatchPolicies),
      ...kvWrite(KV_BUCKETS.dispatchSessions),
      ...kvWrite(KV_BUCKETS.dispatcherState),
    ],
  }),

  /**
   * Turns `RequestJob` commands into jobs; fires cron schedules, mail triggers and queue triggers
   * (each claimed on the event stream, then a `RequestJob`); keeps work-queue items and answers
   * queue steps; reads a mailbox URL from the vault.
   */
  scheduler: merge(startUp('scheduler'), {
    pub: [
      ...durable(STREAMS.commands, 'scheduler-request-job'),
      subjects.commandsOf('RequestJob'),
      ...histories(),
      ...appends('job', 'schedule', 'mail-trigger', 'queue-trigger', 'queue-item'),
      ...kvRead(KV_BUCKETS.schedules),
      ...kvRead(KV_BUCKETS.mailTriggers),
      ...kvRead(KV_BUCKETS.secrets),
    ],
    sub: [subjects.queueItemOp('*', '*', '*')],
  }),

  /**
   * The API: every aggregate's events (its routes publish workflows, decide on jobs and proposals,
   * define queues, claim trigger keys, and audit every change), `RequestJob`, cancel nudges and
   * robot control, the definitions' buckets, identity and the vault, outbound subscriptions (one
   * durable each on `EVENTS`), the live feed, quarantine listing, artifacts of every tenant, and a
   * robot's enrolment (its work consumers and its tenant's artifacts bucket). Not: pulling or
   * settling `WORK` or `COMMANDS`, publishing work, the dispatcher's and the registry's buckets.
   */
  gateway: merge(startUp('gateway'), {
    pub: [
      ...histories(),
      `${API}.STREAM.INFO.*`,
      `${API}.STREAM.CREATE.*`,
      // Artifacts of every tenant (`OBJ_aether-artifacts-<tenant>`), read by direct get only.
      `${API}.DIRECT.GET.*`,
      `${API}.DIRECT.GET.*.>`,
      ...appends('job', 'workflow', 'proposal', 'queue', 'queue-item', 'trigger-key', 'audit'),
      subjects.commandsOf('RequestJob'),
      subjects.jobControl('*', '*', 'cancel'),
      subjects.robotControl('*', '*', '*'),
      // Outbound subscriptions: a durable per subscription and generation, named by its id.
      `${API}.CONSUMER.DURABLE.CREATE.${STREAMS.events}.*`,
      `$JS.ACK.${STREAMS.events}.>`,
      ...orderedReads(STREAMS.quarantine),
      // Enrolment makes the robot's consumers (`robot-<id>`, `pool-<pool>`) and bucket.
      `${API}.CONSUMER.INFO.${STREAMS.work}.*`,
      `${API}.CONSUMER.CREATE.${STREAMS.work}.*`,
      `${API}.CONSUMER.CREATE.${STREAMS.work}.*.>`,
      `${API}.CONSUMER.DURABLE.CREATE.${STREAMS.work}.*`,
      `${API}.STREAM.PURGE.${kvStream(KV_BUCKETS.hooks)}`,
      ...kvRead(KV_BUCKETS.robots),
      ...kvRead(KV_BUCKETS.robotVitals),
      ...kvWrite(KV_BUCKETS.hooks),
      ...kvWrite(KV_BUCKETS.schedules),
      ...kvWrite(KV_BUCKETS.mailTriggers),
      ...kvWrite(KV_BUCKETS.dispatchPolicies),
      ...kvWrite(KV_BUCKETS.users),
      ...kvWrite(KV_BUCKETS.apiKeys),
      ...kvWrite(KV_BUCKETS.secrets),
      ...kvWrite(KV_BUCKETS.robotCredentials),
      ...kvWrite(KV_BUCKETS.subscriptions),
      ...kvWrite(KV_BUCKETS.outboundParked),
    ],
    sub: [subjects.secretRead('*')],
  }),

  /**
   * The operator's CLI and the test harness (`natsCredsFile`): inspection and repair across the
   * account (quarantine requeue, replay, tail). Not given to a running service.
   */
  tools: {},
};

/** A service's rights; `tools` keeps the whole account. */
export function serviceNatsPermissions(service: AetherService): Permissions {
  return SERVICE_NATS_RIGHTS[service];
}
