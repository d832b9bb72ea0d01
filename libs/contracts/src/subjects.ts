import { isSubjectToken, type TenantId } from './ids';

/**
 * The one place that knows how subjects are spelled.
 *
 * - events:     `aether.evt.<tenant>.<aggregateType>.<aggregateId>` (one subject per aggregate instance)
 * - commands:   `aether.cmd.<tenant>.<commandType>`
 * - work:       `aether.work.<tenant>.pool.<pool>` or `aether.work.<tenant>.robot.<robotId>`
 * - control:    `aether.ctl.<tenant>.job.<jobId>.<verb>`, `aether.ctl.<tenant>.robot.<robotId>.<sessionId>.probe`
 * - quarantine: `aether.quarantine.<consumer>`
 */
export type AggregateType =
  | 'job'
  | 'workflow'
  | 'robot'
  | 'schedule'
  | 'selector'
  | 'proposal'
  | 'audit'
  /** An `Idempotency-Key` of a trigger: `aether.evt.<tenant>.trigger-key.<sha256 of the key>` (ADR 54). */
  | 'trigger-key'
  /** A work queue's policy and its trigger's fires. */
  | 'queue'
  /** The jobs a queue's trigger started (kept apart so reading a queue's policy stays short). */
  | 'queue-trigger'
  /** One item of a work queue; its id is derived from the queue and the item's reference. */
  | 'queue-item'
  /** A mail trigger's fires, one per new message (ADR 52). */
  | 'mail-trigger';

export const STREAMS = {
  events: 'EVENTS',
  work: 'WORK',
  commands: 'COMMANDS',
  quarantine: 'QUARANTINE',
} as const;
/** What an operator can ask of one running robot (`subjects.robotControl`). */
export type RobotControlVerb = 'drain' | 'stop';

export type StreamName = (typeof STREAMS)[keyof typeof STREAMS];

/** JetStream Object Store buckets. */
export const OBJECT_BUCKETS = {
  /**
   * The step artifacts of every tenant before ADR 76, referenced as `obj://aether-artifacts/<name>`:
   * no longer written, read by the gateway until its 30-day TTL has emptied it.
   */
  artifacts: 'aether-artifacts',
} as const;

/**
 * A tenant's step artifacts (failure screenshots, DOM snapshots, heal crops, downloads), written by
 * its robots and referenced from events as `obj://aether-artifacts-<tenant>/<name>`: one bucket per
 * tenant, so NATS permissions can keep each tenant's robots to their own (ADR 76).
 */
export function artifactsBucket(tenantId: TenantId): string {
  return `${OBJECT_BUCKETS.artifacts}-${tenantId}`;
}

/**
 * A tenant's element fingerprints, `<selectorKey>` → `FingerprintRecorded.data`: written by the
 * healer from the events (the truth), read by the tenant's robots before a heal. One bucket per
 * tenant, so NATS permissions can keep each tenant's robots to their own (ADR 78).
 */
export function fingerprintsBucket(tenantId: TenantId): string {
  return `aether-fingerprints-${tenantId}`;
}

/** JetStream KV buckets: state that is current-value, not history (presence, definitions). */
export const KV_BUCKETS = {
  /** Robot presence, `<tenant>.<robotId>` → `RobotPresence`; written by the registry only. */
  robots: 'robots',
  /**
   * Robots' vitals over the last 24 hours, `<tenant>.<robotId>` → `RobotVitalsTrend`; written by
   * the registry from heartbeats, read by the gateway's robot page.
   */
  robotVitals: 'robot-vitals',
  /** Cron schedules, `<tenant>.<scheduleId>` → `ScheduleDefinition`. */
  schedules: 'schedules',
  /** Webhook triggers, `<hookId>` → `HookDefinition`. */
  hooks: 'hooks',
  /** Mail triggers, `<tenant>.<triggerId>` → `MailTriggerDefinition` (ADR 52). */
  mailTriggers: 'mail-triggers',
  /** Per-workflow dispatch policy, `<tenant>.<workflowId>` → `DispatchPolicy`. */
  dispatchPolicies: 'dispatch-policies',
  /** Session affinity bindings, `<tenant>.<sessionKey>` → robot id. */
  dispatchSessions: 'dispatch-sessions',
  /** The dispatcher's replay start (an optimisation, never truth). */
  dispatcherState: 'dispatcher-state',
  /** People who sign in to the embedded issuer, `<username>` → user record (scrypt hash, tenant, role). */
  users: 'aether-users',
  /** Machines' API keys, `<keyId>` → key record (SHA-256 of the secret, tenant, role). */
  apiKeys: 'aether-api-keys',
  /**
   * The secrets vault: `dek.<tenant>` → the tenant's data key wrapped by a master key,
   * `secret.<tenant>.<name>` → the value sealed with it (ADR 36). No history: a replaced or
   * purged value is gone.
   */
  secrets: 'aether-secrets',
  /**
   * Robots' NATS credentials (ADR 38): `enrolment.<id>` → a one-time enrolment token's hash and
   * whom it enrols, `robot.<tenant>.<robotId>` → the public keys issued to it and whether it is
   * revoked. Public keys and hashes only: a robot's seed never leaves its machine.
   */
  robotCredentials: 'aether-robot-credentials',
  /** Outbound subscriptions, `<subscriptionId>` → `SubscriptionDefinition` (no secret: ADR 57). */
  subscriptions: 'aether-subscriptions',
  /**
   * Deliveries that kept failing: `delivery.<subscriptionId>.<sequence>` → `ParkedDelivery`, and
   * `job.<subscriptionId>.<jobId>` → the first parked sequence of that job (later ones wait behind it).
   */
  outboundParked: 'aether-outbound-parked',
} as const;
export type KvBucketName = (typeof KV_BUCKETS)[keyof typeof KV_BUCKETS];

const ROOT = 'aether';
const ANY = '*';

function token(value: string, what: string): string {
  if (value !== ANY && !isSubjectToken(value)) {
    throw new Error(`invalid ${what} "${value}": letters, digits, "_" and "-" only`);
  }
  return value;
}

export const subjects = {
  allEvents: `${ROOT}.evt.>`,
  allCommands: `${ROOT}.cmd.>`,
  allWork: `${ROOT}.work.>`,
  allQuarantine: `${ROOT}.quarantine.>`,

  event(tenantId: TenantId, aggregate: AggregateType, aggregateId: string): string {
    return `${ROOT}.evt.${token(tenantId, 'tenant')}.${aggregate}.${token(aggregateId, 'aggregate id')}`;
  },
  /** Every instance of one aggregate type, for one tenant or (default) all of them. */
  eventsOf(aggregate: AggregateType, tenantId: TenantId | typeof ANY = ANY): string {
    return `${ROOT}.evt.${token(tenantId, 'tenant')}.${aggregate}.*`;
  },
  command(tenantId: TenantId, commandType: string): string {
    return `${ROOT}.cmd.${token(tenantId, 'tenant')}.${token(commandType, 'command type')}`;
  },
  commandsOf(commandType: string, tenantId: TenantId | typeof ANY = ANY): string {
    return `${ROOT}.cmd.${token(tenantId, 'tenant')}.${token(commandType, 'command type')}`;
  },
  /** A robot's registration, heartbeats and goodbye, in the order it sent them. */
  robotPresence(tenantId: TenantId | typeof ANY): string {
    return `${ROOT}.cmd.${token(tenantId, 'tenant')}.RobotPresence`;
  },
  poolWork(tenantId: TenantId | typeof ANY, pool: string): string {
    return `${ROOT}.work.${token(tenantId, 'tenant')}.pool.${token(pool, 'pool')}`;
  },
  robotWork(tenantId: TenantId | typeof ANY, robotId: string): string {
    return `${ROOT}.work.${token(tenantId, 'tenant')}.robot.${token(robotId, 'robot id')}`;
  },
  /**
   * Core-NATS control messages for a running job (not stored: the event log holds the
   * request, this only wakes the robot at once): `aether.ctl.<tenant>.job.<jobId>.<verb>`.
   */
  jobControl(tenantId: TenantId | typeof ANY, jobId: string, verb: 'cancel' | typeof ANY): string {
    return `${ROOT}.ctl.${token(tenantId, 'tenant')}.job.${token(jobId, 'job id')}.${token(verb, 'verb')}`;
  },
  /**
   * Core-NATS request the registry sends to one robot process to learn whether it is still
   * connected: `aether.ctl.<tenant>.robot.<robotId>.<sessionId>.probe`. The robot answers with
   * an empty reply; "no responders" means no process of that session holds a connection.
   */
  robotProbe(tenantId: TenantId, robotId: string, sessionId: string): string {
    return `${ROOT}.ctl.${token(tenantId, 'tenant')}.robot.${token(robotId, 'robot id')}.${token(sessionId, 'session id')}.probe`;
  },
  /**
   * Core-NATS request an operator sends (through the gateway) to one robot, whichever process
   * of it runs: `aether.ctl.<tenant>.robot.<robotId>.<verb>`. `drain`: take no new work, finish
   * what it runs, then exit; `stop`: release its jobs after their current step and exit. The
   * robot answers with `RobotControlReply` before it acts; "no responders" means it is not connected.
   */
  robotControl(
    tenantId: TenantId | typeof ANY,
    robotId: string,
    verb: RobotControlVerb | typeof ANY,
  ): string {
    return `${ROOT}.ctl.${token(tenantId, 'tenant')}.robot.${token(robotId, 'robot id')}.${token(verb, 'verb')}`;
  },
  /**
   * Core-NATS request a `queue.next` step sends for the next item of a queue:
   * `aether.ctl.<tenant>.queue.<queue>.take`; the scheduler's queue keeper answers (queue group).
   */
  queueTake(tenantId: TenantId | typeof ANY, queue: string): string {
    return `${ROOT}.ctl.${token(tenantId, 'tenant')}.queue.${token(queue, 'queue')}.take`;
  },
  /**
   * Core-NATS requests of the other queue steps (`queue.complete`, `queue.fail`, `queue.add`):
   * `aether.ctl.<tenant>.queue.<queue>.<verb>`, answered by the queue keeper (queue group).
   */
  queueItemOp(
    tenantId: TenantId | typeof ANY,
    queue: string,
    verb: 'complete' | 'fail' | 'add' | typeof ANY,
  ): string {
    return `${ROOT}.ctl.${token(tenantId, 'tenant')}.queue.${token(queue, 'queue')}.${token(verb, 'verb')}`;
  },
  /**
   * Core-NATS request a robot sends for the secrets of a job it holds:
   * `aether.ctl.<tenant>.secret.read`; the gateway answers (queue group), sealed to the robot.
   */
  secretRead(tenantId: TenantId | typeof ANY): string {
    return `${ROOT}.ctl.${token(tenantId, 'tenant')}.secret.read`;
  },
  /**
   * Core-NATS request a robot sends to read one aggregate's events of its own tenant:
   * `aether.ctl.<tenant>.events.read`; every service answers (queue group `event-readers`). A
   * robot may not direct-get `EVENTS` by sequence, which would reach every tenant (ADR 77).
   */
  eventRead(tenantId: TenantId | typeof ANY): string {
    return `${ROOT}.ctl.${token(tenantId, 'tenant')}.events.read`;
  },
  quarantine(consumer: string): string {
    return `${ROOT}.quarantine.${token(consumer, 'consumer')}`;
  },
  /**
   * The inbox prefix of a service's connection where NATS requires credentials (ADR 85):
   * `_INBOX_<service>`, a first token of its own, so a service's rights to its replies reach no
   * robot's inbox (`_INBOX.<tenant>.<robot>`) and no other service's.
   */
  serviceInbox(service: string): string {
    return `_INBOX_${token(service, 'service')}`;
  },
} as const;

/** Splits an event subject back into its parts; `undefined` when it is not one. */
export function parseEventSubject(
  subject: string,
): { tenantId: string; aggregate: string; aggregateId: string } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 5 || parts[0] !== ROOT || parts[1] !== 'evt') return undefined;
  return { tenantId: parts[2], aggregate: parts[3], aggregateId: parts[4] };
}
