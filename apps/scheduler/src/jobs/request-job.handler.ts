import {
  JOB_COMMANDS,
  JOB_EVENTS,
  MessageRegistry,
  STREAMS,
  subjects,
  type JobCommand as RequestJobMessage,
  type JobEvent,
} from '@aether/contracts';
import { CommandHandler, type EventStore } from '@aether/event-store';
import { jobDecider } from '@aether/job-domain';
import type { ConsumerRoute, Logger } from '@aether/service-kit';
import { VersionLookups } from '../workflows/published-versions';

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
