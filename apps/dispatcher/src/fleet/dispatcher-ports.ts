import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import {
  DispatchPolicySchema,
  JOB_EVENTS,
  KV_BUCKETS,
  MessageRegistry,
  RobotPresenceSchema,
  STREAMS,
  WORKFLOW_EVENTS,
  subjects,
  type DispatchPolicy,
  type Envelope,
  type JobEvent,
  type RobotPresence,
  type WorkMessage,
  type WorkflowEvent,
} from '@aether/contracts';
import type { AggregateHistory, EventStore } from '@aether/event-store';
import { KvMirror, openBucket, type MirrorPosition } from '@aether/kv-state';
import type { Logger } from '@aether/service-kit';
import { TraceOrigins, withSpan } from '@aether/telemetry';
import { workflowNeeds, type FlowNodes } from '@aether/workflow';
import type { WorkflowNeeds } from '../placement/placement';
import type { WorkflowDurationCache } from '../placement/workflow-duration-cache';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);
const workflowEvents = new MessageRegistry<WorkflowEvent>(WORKFLOW_EVENTS);
const SessionBinding = z.object({ robotId: z.string().min(1) });
const encoder = new TextEncoder();
const REPLAY_KEY = 'replay-from';

/** Where the dispatcher's decisions go, and what it reads besides the job feed. */
export interface DispatcherPorts {
  append(subject: string, events: readonly Envelope[], expected: number): Promise<{ lastSequence: number }>;
  readJob(subject: string): Promise<AggregateHistory<JobEvent>>;
  publishWork(subject: string, work: WorkMessage): Promise<void>;
  /** Deletes every message queued for a robot (it is offline; its jobs are placed again elsewhere). */
  purgeRobotWork(robotId: string): Promise<void>;
  /** A workflow version's needs, for a job whose `JobRequested` predates carrying them (ADR 30). */
  workflowNeeds(tenantId: string, workflowId: string, version: number): Promise<WorkflowNeeds>;
  robots(): readonly RobotPresence[];
  /** The workflow's measured duration (p95, ms) for the deadline forecast; undefined: not known yet. */
  workflowDurationMs(tenantId: string, workflowId: string): number | undefined;
  /** Per node id, the workflow's k × p99 stall limits (ADR 65), ms; undefined: none measured. */
  stallLimitsMs(tenantId: string, workflowId: string): Readonly<Record<string, number>> | undefined;
  policy(tenantId: string, workflowId: string): DispatchPolicy | undefined;
  /** The robot a session is bound to, with the binding's revision for compare-and-set. */
  session(tenantId: string, key: string): { robotId: string; revision: number } | undefined;
  /** Compare-and-set a session binding; false when someone else bound it first. */
  bindSession(tenantId: string, key: string, robotId: string, revision: number | undefined): Promise<boolean>;
  now(): number;
  random(): number;
}

export interface FleetViewCallbacks {
  /**
   * A robot's presence changed. `gone`: it went offline, or it restarted under a new session
   * (the old process's jobs are as good as lost) — either way its jobs move at once.
   */
  robotsChanged(robotId: string, gone: boolean): void;
  /** Policies or session bindings changed. */
  somethingChanged(): void;
}

/** The KV-backed views the dispatcher reads: presence, policies, sessions, plus its replay checkpoint. */
export class FleetView {
  private constructor(
    readonly robots: KvMirror<RobotPresence>,
    readonly policies: KvMirror<DispatchPolicy>,
    readonly sessions: KvMirror<{ robotId: string }>,
    private readonly sessionsKv: KV,
    private readonly stateKv: KV,
  ) {}

  static async open(nc: NatsConnection, logger: Logger, callbacks: FleetViewCallbacks): Promise<FleetView> {
    const invalid = (bucket: string) => (key: string) =>
      logger.warn({ bucket, key }, 'invalid KV value ignored');
    const stuck = (bucket: string) => (position: MirrorPosition) =>
      logger.warn({ bucket, ...position }, 'KV watch stuck: watching and loading again');
    const [robotsKv, policiesKv, sessionsKv, stateKv] = await Promise.all([
      openBucket(nc, KV_BUCKETS.robots),
      openBucket(nc, KV_BUCKETS.dispatchPolicies),
      openBucket(nc, KV_BUCKETS.dispatchSessions),
      openBucket(nc, KV_BUCKETS.dispatcherState),
    ]);
    const robots = await KvMirror.start(robotsKv, {
      parse: (value) => RobotPresenceSchema.safeParse(value).data,
      onInvalid: invalid(KV_BUCKETS.robots),
      onStuck: stuck(KV_BUCKETS.robots),
      onChange: (change) => {
        const before = change.previous?.value;
        const after = change.kind === 'put' ? change.entry.value : undefined;
        const robotId = after?.robotId ?? before?.robotId ?? change.kind;
        const offline = (!after || after.status === 'offline') && before?.status !== 'offline';
        const restarted = before !== undefined && after !== undefined && before.sessionId !== after.sessionId;
        callbacks.robotsChanged(robotId, offline || restarted);
      },
    });
    const policies = await KvMirror.start(policiesKv, {
      parse: (value) => DispatchPolicySchema.safeParse(value).data,
      onInvalid: invalid(KV_BUCKETS.dispatchPolicies),
      onStuck: stuck(KV_BUCKETS.dispatchPolicies),
      onChange: () => callbacks.somethingChanged(),
    });
    const sessions = await KvMirror.start(sessionsKv, {
      parse: (value) => SessionBinding.safeParse(value).data,
      onInvalid: invalid(KV_BUCKETS.dispatchSessions),
      onStuck: stuck(KV_BUCKETS.dispatchSessions),
      onChange: () => callbacks.somethingChanged(),
    });
    return new FleetView(robots, policies, sessions, sessionsKv, stateKv);
  }

  async replayFrom(): Promise<number> {
    const entry = await this.stateKv.get(REPLAY_KEY);
    const value = entry?.operation === 'PUT' ? Number(entry.string()) : NaN;
    return Number.isInteger(value) && value > 0 ? value : 1;
  }

  async saveReplayFrom(sequence: number): Promise<void> {
    await this.stateKv.put(REPLAY_KEY, String(sequence));
  }

  async bindSession(
    tenantId: string,
    key: string,
    robotId: string,
    revision: number | undefined,
  ): Promise<boolean> {
    const value = JSON.stringify({ robotId });
    try {
      if (revision === undefined) await this.sessionsKv.create(`${tenantId}.${key}`, value);
      else await this.sessionsKv.update(`${tenantId}.${key}`, value, revision);
      return true;
    } catch (error) {
      if (/wrong last sequence|key exists/i.test(String(error))) return false;
      throw error;
    }
  }

  async restart(): Promise<void> {
    await Promise.all([this.robots.restart(), this.policies.restart(), this.sessions.restart()]);
  }

  stop(): void {
    this.robots.stop();
    this.policies.stop();
    this.sessions.stop();
  }
}

export function dispatcherPorts(
  store: EventStore,
  js: JetStreamClient,
  jsm: JetStreamManager,
  view: FleetView,
  origins: TraceOrigins = new TraceOrigins(),
  durations?: Pick<WorkflowDurationCache, 'durationMs' | 'stallLimitsMs'>,
): DispatcherPorts {
  return {
    // A placement joins the trace its job began in, whatever woke the dispatcher up.
    append: (subject, events, expected) =>
      withSpan(
        `dispatch ${events.map((event) => event.type).join('+')}`,
        { parent: origins.of(subject), attributes: { 'aether.job.subject': subject } },
        () => store.append(subject, events, expected),
      ),
    readJob: (subject) => store.read(subject, jobEvents),
    publishWork: (subject, work) =>
      withSpan(
        'place job',
        {
          parent: origins.of(subjects.event(work.tenantId, 'job', work.aggregateId)),
          attributes: { 'aether.job.id': work.aggregateId, 'aether.work.subject': subject },
        },
        async () => {
          await js.publish(subject, encoder.encode(JSON.stringify(work)), { msgID: work.id });
        },
      ),
    async purgeRobotWork(robotId) {
      await jsm.streams.purge(STREAMS.work, { filter: subjects.robotWork('*', robotId) });
    },
    async workflowNeeds(tenantId, workflowId, version) {
      const history = await store.read(subjects.event(tenantId, 'workflow', workflowId), workflowEvents);
      const published = history.events.find((stored) => stored.event.data.version === version);
      return workflowNeeds((published?.event.data.definition ?? {}) as FlowNodes);
    },
    robots: () => view.robots.values(),
    workflowDurationMs: (tenantId, workflowId) => durations?.durationMs(tenantId, workflowId),
    stallLimitsMs: (tenantId, workflowId) => durations?.stallLimitsMs(tenantId, workflowId),
    policy: (tenantId, workflowId) => view.policies.get(`${tenantId}.${workflowId}`),
    session(tenantId, key) {
      const entry = view.sessions.entry(`${tenantId}.${key}`);
      return entry ? { robotId: entry.value.robotId, revision: entry.revision } : undefined;
    },
    bindSession: (tenantId, key, robotId, revision) => view.bindSession(tenantId, key, robotId, revision),
    now: Date.now,
    random: Math.random,
  };
}
