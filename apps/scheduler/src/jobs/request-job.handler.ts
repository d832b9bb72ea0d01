import {
  JOB_COMMANDS,
  JOB_EVENTS,
  MessageRegistry,
  STREAMS,
  WORKFLOW_EVENTS,
  subjects,
  type JobCommand as RequestJobMessage,
  type JobEvent,
  type WorkflowEvent,
} from '@aether/contracts';
import { CommandHandler, type EventStore, type StoredEvent } from '@aether/event-store';
import { jobDecider, type PublishedVersion } from '@aether/job-domain';
import type { ConsumerRoute, Logger } from '@aether/service-kit';
import { workflowNeeds, type FlowNodes } from '@aether/workflow';

const workflowEvents = new MessageRegistry<WorkflowEvent>(WORKFLOW_EVENTS);
const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);

/**
 * RequestJob → the job decider's `RequestJob`: `JobRequested` pinned to a published workflow
 * version and carrying what it needs of a robot (ADR 30), or `JobRejected`. It is appended as the job's first event (expected sequence 0) with
 * the command id as message id, so a redelivered or retried command starts exactly one job.
 */
export function requestJobRoute(store: EventStore, logger: Logger): ConsumerRoute<RequestJobMessage> {
  const lookups = new VersionLookups(store);
  const jobs = new CommandHandler(store, jobEvents, jobDecider);
  return {
    durable: 'scheduler-request-job',
    stream: STREAMS.commands,
    filterSubject: subjects.commandsOf('RequestJob'),
    registry: new MessageRegistry<RequestJobMessage>(JOB_COMMANDS),
    concurrency: 16,
    async handle(command) {
      const { tenantId, aggregateId: jobId, data } = command;
      const published = await lookups.published(tenantId, data.workflowId);
      const outcome = await jobs.handle(
        subjects.event(tenantId, 'job', jobId),
        () => ({
          type: 'RequestJob',
          data: { ...data, published },
          meta: { tenantId, jobId, id: command.id, at: new Date(), causedBy: command },
        }),
        { creates: true },
      );
      if (outcome.kind === 'rejected') {
        logger.warn({ jobId, reason: outcome.rejection.reason }, 'job already exists; command ignored');
        return;
      }
      const [event] = outcome.events;
      logger.info(
        { jobId, type: event?.type, workflowId: data.workflowId, version: outcome.state.workflowVersion },
        'job requested',
      );
    },
  };
}

/**
 * A workflow's published versions and their needs, looked up once for all the commands that arrived before the
 * lookup was sent: a version published before any of those commands was, is in its answer. A
 * command that arrives while a lookup is on its way waits for the next one.
 */
export class VersionLookups {
  /** Per workflow subject: versions, valid while the subject's last sequence is unchanged. */
  private readonly cache = new Map<string, CachedVersions>();
  /** Per workflow subject: the lookup commands join until it is sent at the next turn of the event loop. */
  private readonly gathering = new Map<string, Promise<PublishedVersion[]>>();

  constructor(private readonly store: EventStore) {}

  published(tenantId: string, workflowId: string): Promise<PublishedVersion[]> {
    const subject = subjects.event(tenantId, 'workflow', workflowId);
    let lookup = this.gathering.get(subject);
    if (!lookup) {
      lookup = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.gathering.delete(subject);
        return this.lookUp(subject);
      });
      this.gathering.set(subject, lookup);
    }
    return lookup;
  }

  /**
   * Reading a whole history per job dominated this handler's cost under load; a version is
   * immutable once published, so one `last_by_subj` lookup tells whether the cached list is
   * still complete, and a version published since is read alone (ADR 136). A version's needs are
   * derived from the node catalog here, once per version.
   */
  private async lookUp(subject: string): Promise<PublishedVersion[]> {
    const lastSequence = await this.store.lastSequence(subject);
    const cached = this.cache.get(subject);
    if (cached && cached.lastSequence === lastSequence) return cached.versions;
    const found = (cached && (await this.since(subject, cached, lastSequence))) ?? (await this.all(subject));
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(subject, found);
    return found.versions;
  }

  private async all(subject: string): Promise<CachedVersions> {
    const history = await this.store.read(subject, workflowEvents);
    return { lastSequence: history.lastSequence, versions: history.events.map(publishedVersion) };
  }

  /** The cached versions and those published since, one get each; none past 16 or at an unreadable one. */
  private async since(
    subject: string,
    cached: CachedVersions,
    lastSequence: number,
  ): Promise<CachedVersions | undefined> {
    const versions = [...cached.versions];
    for (let from = cached.lastSequence + 1, gets = 0; gets < 16; gets++) {
      const commit = await this.store.nextCommit(subject, workflowEvents, from);
      if (!commit || commit.invalid) return undefined;
      versions.push(...commit.events.map(publishedVersion));
      if (commit.sequence >= lastSequence) return { lastSequence: commit.sequence, versions };
      from = commit.sequence + 1;
    }
    return undefined;
  }
}

interface CachedVersions {
  readonly lastSequence: number;
  readonly versions: PublishedVersion[];
}

const publishedVersion = ({ event: { data } }: StoredEvent<WorkflowEvent>): PublishedVersion => ({
  version: data.version,
  needs: workflowNeeds(data.definition as FlowNodes),
});
