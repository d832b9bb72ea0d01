import type { JetStreamClient } from '@nats-io/jetstream';
import {
  JOB_EVENTS,
  JobDispatched,
  JobRequested,
  MessageRegistry,
  RunJob,
  STREAMS,
  subjects,
  type JobEvent,
  type MessageOf,
} from '@aether/contracts';
import { ConcurrencyError, type EventStore } from '@aether/event-store';
import type { ConsumerRoute, Logger } from '@aether/service-kit';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);
const encoder = new TextEncoder();

/**
 * JobRequested → a RunJob on WORK, recorded as JobDispatched. The event is appended
 * first, guarded by the JobRequested's own sequence, so an old or redelivered request
 * whose job has moved on is recognised and not dispatched twice.
 */
export function dispatchJobRoute(
  store: EventStore,
  js: JetStreamClient,
  logger: Logger,
  pool: string,
): ConsumerRoute<JobEvent> {
  return {
    durable: 'dispatcher-jobs',
    stream: STREAMS.events,
    filterSubject: subjects.eventsOf('job'),
    registry: jobEvents,
    concurrency: 32,
    async handle(event, meta) {
      if (event.type === 'StepResolved') {
        await redispatchAfterResolution(store, js, logger, pool, event, meta.subject, meta.sequence);
        return;
      }
      if (event.type !== 'JobRequested') return;
      const workSubject = subjects.poolWork(event.tenantId, pool);
      const dispatched = JobDispatched.create({
        tenantId: event.tenantId,
        aggregateId: event.aggregateId,
        id: `dispatched:${event.aggregateId}:1`,
        causedBy: event,
        data: { subject: workSubject, attempt: 1 },
      });
      try {
        await store.append(meta.subject, [dispatched], meta.sequence);
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        if (!(await stillWaitingForRobot(store, meta.subject))) return;
      }
      await publishWork(js, workSubject, event);
      logger.info({ jobId: event.aggregateId, subject: workSubject }, 'job dispatched');
    },
  };
}

/**
 * An operator cleared an ambiguous step: the parked job goes back on WORK. The message id
 * names the resolution's sequence, so a redelivered resolution publishes it once.
 */
async function redispatchAfterResolution(
  store: EventStore,
  js: JetStreamClient,
  logger: Logger,
  pool: string,
  resolution: JobEvent,
  subject: string,
  sequence: number,
) {
  const history = await store.read(subject, jobEvents);
  const requested = history.events.find((stored) => stored.event.type === 'JobRequested')?.event;
  if (requested?.type !== 'JobRequested') return;
  if (history.events.at(-1)?.sequence !== sequence) return; // the job moved on since; nothing to re-dispatch
  const workSubject = subjects.poolWork(resolution.tenantId, pool);
  await publishWork(js, workSubject, requested, `run:${resolution.aggregateId}:${sequence}`);
  logger.info({ jobId: resolution.aggregateId }, 'job re-dispatched after an operator resolution');
}

/** True when the job's last event is its dispatch: the work message may have been lost with a crash. */
async function stillWaitingForRobot(store: EventStore, subject: string): Promise<boolean> {
  const history = await store.read(subject, jobEvents);
  return history.events.at(-1)?.event.type === JobDispatched.type;
}

async function publishWork(
  js: JetStreamClient,
  subject: string,
  requested: MessageOf<typeof JobRequested>,
  id = `run:${requested.aggregateId}:1`,
) {
  const work = RunJob.create({
    tenantId: requested.tenantId,
    aggregateId: requested.aggregateId,
    id,
    causedBy: requested,
    data: {
      workflowId: requested.data.workflowId,
      workflowVersion: requested.data.workflowVersion,
      priority: requested.data.priority,
      attempt: 1,
    },
  });
  await js.publish(subject, encoder.encode(JSON.stringify(work)), { msgID: work.id });
}
