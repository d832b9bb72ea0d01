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
  return {
    durable: 'scheduler-request-job',
    stream: STREAMS.commands,
    filterSubject: subjects.commandsOf('RequestJob'),
    registry: new MessageRegistry<JobCommand>(JOB_COMMANDS),
    concurrency: 16,
    async handle(command) {
      const { tenantId, aggregateId: jobId, data } = command;
      const jobSubject = subjects.event(tenantId, 'job', jobId);
      const versions = await publishedVersions(store, tenantId, data.workflowId);
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

/** Published versions per workflow subject, valid while the subject's last sequence is unchanged. */
const versionCache = new Map<string, { lastSequence: number; versions: number[] }>();

/**
 * The workflow's published versions. Reading a whole history per job dominated this handler's
 * cost under load; a version is immutable once published, so one `last_by_subj` lookup tells
 * whether the cached list is still complete.
 */
async function publishedVersions(store: EventStore, tenantId: string, workflowId: string): Promise<number[]> {
  const subject = subjects.event(tenantId, 'workflow', workflowId);
  const lastSequence = await store.lastSequence(subject);
  const cached = versionCache.get(subject);
  if (cached && cached.lastSequence === lastSequence) return cached.versions;
  const history = await store.read(subject, workflowEvents);
  const versions = history.events.map((stored) => stored.event.data.version);
  if (versionCache.size > 10_000) versionCache.clear();
  versionCache.set(subject, { lastSequence: history.lastSequence, versions });
  return versions;
}
