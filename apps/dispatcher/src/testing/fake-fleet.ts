import {
  JobRequested,
  type DeadlineConsequence,
  type DispatchPolicy,
  type JobEvent,
  type JobNeeds,
  type RobotPresence,
  type WorkMessage,
} from '@aether/contracts';
import { InMemoryEventStore } from '@aether/event-store/test-support';
import type { DispatcherPorts } from '../fleet/dispatcher-ports';

/** A robot as the registry publishes it; `browser`/`desktop` say what it can run. */
export function robot(
  robotId: string,
  options: { browser?: boolean; desktop?: boolean; slots?: number; status?: RobotPresence['status'] } = {},
): RobotPresence {
  return {
    robotId,
    tenantId: 'default',
    pool: 'default',
    capabilities: {
      platform: 'linux',
      browsers: options.browser ? ['chromium'] : [],
      desktop: options.desktop ?? false,
      maxConcurrentJobs: options.slots ?? 1,
      cores: 2,
      memoryMb: 2048,
      tags: [],
    },
    status: options.status ?? 'online',
    sessionId: `${robotId}-session`,
    registeredAt: '2026-12-06T00:00:00.000Z',
    lastSeenAt: '2026-12-06T00:00:00.000Z',
  };
}

/**
 * The dispatcher's ports at the edge of the unit: an in-memory event store (with expected
 * sequences, as JetStream's), work messages recorded instead of published, robots and
 * policies the test sets, a clock the test moves. `deliver` plays the job feed: every event
 * appended since, in stream order, with its place in its commit.
 */
export class FakeFleet {
  readonly store = new InMemoryEventStore();
  readonly published: { subject: string; work: WorkMessage }[] = [];
  readonly purged: string[] = [];
  robots: RobotPresence[] = [];
  readonly policies = new Map<string, DispatchPolicy>();
  /** Workflow versions read for their needs (jobs requested before ADR 30), and the answer. */
  readonly needsReads: string[] = [];
  needsOfWorkflow: JobNeeds = { browser: false, desktop: false };
  clock = Date.parse('2026-12-06T00:00:00.000Z');
  /** Appends wait for this before they land, when set (to hold a decision in flight). */
  gate?: Promise<void>;
  private delivered = new Map<string, number>();
  /** Measured duration per workflow id, ms (the projection's p95). */
  durations: Record<string, number> = {};
  stallLimits: Record<string, Record<string, number>> = {};
  private readonly subjects = new Set<string>();

  readonly ports: DispatcherPorts = {
    append: async (subject, events, expected) => {
      await this.gate;
      this.subjects.add(subject);
      return this.store.append(subject, events, expected);
    },
    readJob: (subject) => this.store.read<JobEvent>(subject),
    publishWork: async (subject, work) => void this.published.push({ subject, work }),
    purgeRobotWork: async (robotId) => void this.purged.push(robotId),
    workflowNeeds: async (tenantId, workflowId, version) => {
      this.needsReads.push(`${tenantId}/${workflowId}@${version}`);
      return this.needsOfWorkflow;
    },
    robots: () => this.robots,
    workflowDurationMs: (_tenantId, workflowId) => this.durations[workflowId],
    stallLimitsMs: (_tenantId, workflowId) => this.stallLimits[workflowId],
    policy: (tenantId, workflowId) => this.policies.get(`${tenantId}.${workflowId}`),
    session: () => undefined,
    bindSession: async () => true,
    now: () => this.clock,
    random: () => 0.5,
  };

  /** A job requested (the scheduler's event), appended as its first. */
  async request(
    jobId: string,
    needs?: JobNeeds,
    workflowVersion = 1,
    timing: { deadline?: number; onDeadlineMissed?: DeadlineConsequence } = {},
  ): Promise<string> {
    const subject = `aether.evt.default.job.${jobId}`;
    const requested = JobRequested.create({
      tenantId: 'default',
      aggregateId: jobId,
      occurredAt: new Date(this.clock),
      data: {
        workflowId: 'wf',
        workflowVersion,
        variables: { n: 1 },
        priority: 10,
        trigger: { kind: 'api' },
        ...(needs ? { needs } : {}),
        ...(timing.deadline !== undefined ? { deadline: new Date(timing.deadline).toISOString() } : {}),
        ...(timing.onDeadlineMissed ? { onDeadlineMissed: timing.onDeadlineMissed } : {}),
      },
    });
    await this.ports.append(subject, [requested], 0);
    return subject;
  }

  /** Appends as another writer would (a robot, the gateway): the dispatcher learns of it by the feed. */
  async appendAs(subject: string, events: readonly JobEvent[]): Promise<number> {
    const last = await this.store.lastSequence(subject);
    return (await this.ports.append(subject, events, last)).lastSequence;
  }

  /** The job feed: hands the dispatcher what was appended since the last delivery. */
  async deliver(to: { onEvent(subject: string, sequence: number, event: JobEvent, part: number): void }) {
    const stored: { subject: string; sequence: number; event: JobEvent; part: number }[] = [];
    for (const subject of this.subjects) {
      const history = await this.store.read<JobEvent>(subject);
      let part = 0;
      history.events.forEach(({ sequence, event }, i) => {
        part = i > 0 && history.events[i - 1].sequence === sequence ? part + 1 : 0;
        if (sequence > (this.delivered.get(subject) ?? 0)) stored.push({ subject, sequence, event, part });
      });
      this.delivered.set(subject, history.lastSequence);
    }
    stored.sort((a, b) => a.sequence - b.sequence || a.part - b.part);
    for (const { subject, sequence, event, part } of stored) to.onEvent(subject, sequence, event, part);
  }

  /** The types of the events on a job's log. */
  types(subject: string): string[] {
    return this.store.events(subject).map((event) => event.type);
  }
}

/** Lets the dispatcher's scheduled rounds and in-flight decisions run (turns of the event loop, no timer). */
export async function turns(count = 20): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}
