import {
  JOB_COMMANDS,
  JobRejected,
  JobRequested,
  MessageRegistry,
  STREAMS,
  WORKFLOW_EVENTS,
  subjects,
  type JobCommand,
  type WorkflowEvent,
} from '@aether/contracts';
import { ConcurrencyError, type EventStore } from '@aether/event-store';
import type { ConsumerRoute, Logger } from '@aether/service-kit';

const workflowEvents = new MessageRegistry<WorkflowEvent>(WORKFLOW_EVENTS);

/**
 * RequestJob → JobRequested, pinned to a workflow version. The job's first event is
 * appended with expected sequence 0 and the command id as message id, so a redelivered
 * or retried command starts exactly one job.
 */
export function requestJobRoute(store: EventStore, logger: Logger): ConsumerRoute<JobCommand> {
  const lookups = new VersionLookups(store);
  return {
    durable: 'scheduler-request-job',
    stream: STREAMS.commands,
    filterSubject: subjects.commandsOf('RequestJob'),
    registry: new MessageRegistry<JobCommand>(JOB_COMMANDS),
    concurrency: 16,
    async handle(command) {
      const { tenantId, aggregateId: jobId, data } = command;
      const jobSubject = subjects.event(tenantId, 'job', jobId);
      const versions = await lookups.published(tenantId, data.workflowId);
      const version = data.workflowVersion ?? versions.at(-1);
      const event =
        version !== undefined && versions.includes(version)
          ? JobRequested.create({
              tenantId,
              aggregateId: jobId,
              id: command.id,
              causedBy: command,
              data: { ...data, workflowVersion: version },
            })
          : JobRejected.create({
              tenantId,
              aggregateId: jobId,
              id: command.id,
              causedBy: command,
              data: {
                workflowId: data.workflowId,
                reason:
                  version === undefined
                    ? `workflow ${data.workflowId} does not exist`
                    : `workflow ${data.workflowId} has no version ${version}`,
              },
            });
      try {
        await store.append(jobSubject, [event], 0);
        logger.info({ jobId, type: event.type, workflowId: data.workflowId, version }, 'job requested');
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        logger.warn({ jobId }, 'job already exists; command ignored');
      }
    },
  };
}

/**
 * A workflow's published versions, looked up once for all the commands that arrived before the
 * lookup was sent: a version published before any of those commands was, is in its answer. A
 * command that arrives while a lookup is on its way waits for the next one.
 */
export class VersionLookups {
  /** Per workflow subject: versions, valid while the subject's last sequence is unchanged. */
  private readonly cache = new Map<string, { lastSequence: number; versions: number[] }>();
  /** Per workflow subject: the lookup commands join until it is sent at the next turn of the event loop. */
  private readonly gathering = new Map<string, Promise<number[]>>();

  constructor(private readonly store: EventStore) {}

  published(tenantId: string, workflowId: string): Promise<number[]> {
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
   * still complete.
   */
  private async lookUp(subject: string): Promise<number[]> {
    const lastSequence = await this.store.lastSequence(subject);
    const cached = this.cache.get(subject);
    if (cached && cached.lastSequence === lastSequence) return cached.versions;
    const history = await this.store.read(subject, workflowEvents);
    const versions = history.events.map((stored) => stored.event.data.version);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(subject, { lastSequence: history.lastSequence, versions });
    return versions;
  }
}
