import {
  JOB_EVENTS,
  MessageRegistry,
  PROPOSAL_EVENTS,
  STREAMS,
  SelectorPatchProposed,
  subjects,
  type JobEvent,
  type MessageOf,
  type ProposalEvent,
  type SelectorHealed,
} from '@aether/contracts';
import { ConcurrencyError, type EventStore } from '@aether/event-store';
import { RetryableError, type ConsumerRoute } from '@aether/service-kit';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);
export const proposalEvents = new MessageRegistry<ProposalEvent>(PROPOSAL_EVENTS);

/** One proposal per workflow version: `<workflowId>-v<version>` (workflow ids are subject-safe). */
export function proposalId(workflowId: string, workflowVersion: number): string {
  return `${workflowId}-v${workflowVersion}`;
}

/**
 * Turns heal telemetry into workflow patches: every `SelectorHealed` adds (or replaces) its
 * node's selector patch on the open proposal of the job's workflow version. A decided
 * proposal takes no more patches. Redelivery changes nothing: a patch names its heal event.
 */
export class ProposalWriter {
  constructor(private readonly store: EventStore) {}

  async handle(event: JobEvent): Promise<void> {
    if (event.type === 'SelectorHealed') await this.healed(event);
  }

  private async healed(event: MessageOf<typeof SelectorHealed>): Promise<void> {
    const { workflowId, workflowVersion } = event.data;
    const id = proposalId(workflowId, workflowVersion);
    const subject = subjects.event(event.tenantId, 'proposal', id);
    const history = await this.store.read(subject, proposalEvents);
    const decided = history.events.some((s) => s.event.type !== 'SelectorPatchProposed');
    const known = history.events.some(
      (s) => s.event.type === 'SelectorPatchProposed' && s.event.data.patch.healEventId === event.id,
    );
    if (decided || known) return;
    const proposed = SelectorPatchProposed.create({
      tenantId: event.tenantId,
      aggregateId: id,
      causedBy: event,
      id: `${event.id}:proposed`,
      data: {
        workflowId,
        workflowVersion,
        patch: {
          nodeId: event.data.nodeId,
          from: event.data.previousSelector,
          to: event.data.healedSelector,
          confidence: event.data.confidence,
          margin: event.data.margin,
          tier: event.data.tier,
          jobId: event.aggregateId,
          healEventId: event.id,
        },
      },
    });
    try {
      await this.store.append(subject, [proposed], history.lastSequence);
    } catch (error) {
      if (error instanceof ConcurrencyError) throw new RetryableError('proposal moved; re-reading', 200, { cause: error });
      throw error;
    }
  }
}

export function healTelemetryRoute(writer: ProposalWriter): ConsumerRoute<JobEvent> {
  return {
    durable: 'healer-heals',
    stream: STREAMS.events,
    filterSubject: subjects.eventsOf('job'),
    registry: jobEvents,
    // Every job event passes here; only heals make proposals.
    handles: new Set(['SelectorHealed']),
    handle: (event) => writer.handle(event),
  };
}
