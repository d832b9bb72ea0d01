import {
  MessageRegistry,
  PROPOSAL_EVENTS,
  SELECTOR_EVENTS,
  STREAMS,
  SelectorPatchProposed,
  subjects,
  type MessageOf,
  type ProposalEvent,
  type SelectorEvent,
  type SelectorHealReported,
} from '@aether/contracts';
import { ConcurrencyError, type EventStore } from '@aether/event-store';
import { RetryableError, type ConsumerRoute } from '@aether/service-kit';

const selectorEvents = new MessageRegistry<SelectorEvent>(SELECTOR_EVENTS);
export const proposalEvents = new MessageRegistry<ProposalEvent>(PROPOSAL_EVENTS);

/** One proposal per workflow version: `<workflowId>-v<version>` (workflow ids are subject-safe). */
export function proposalId(workflowId: string, workflowVersion: number): string {
  return `${workflowId}-v${workflowVersion}`;
}

/**
 * Turns heal reports into workflow patches: every `SelectorHealReported` adds (or replaces) its
 * node's selector patch on the open proposal of the job's workflow version. A decided
 * proposal takes no more patches. Redelivery changes nothing: a patch names its heal report.
 */
export class ProposalWriter {
  constructor(private readonly store: EventStore) {}

  async handle(event: SelectorEvent): Promise<void> {
    if (event.type === 'SelectorHealReported') await this.healed(event);
  }

  private async healed(event: MessageOf<typeof SelectorHealReported>): Promise<void> {
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
          ...(event.data.fragility === undefined ? {} : { fragility: event.data.fragility }),
          ...(event.data.structural === undefined ? {} : { structural: event.data.structural }),
          jobId: event.data.jobId,
          healEventId: event.id,
        },
      },
    });
    try {
      await this.store.append(subject, [proposed], history.lastSequence);
    } catch (error) {
      if (error instanceof ConcurrencyError)
        throw new RetryableError('proposal moved; re-reading', 200, { cause: error });
      throw error;
    }
  }
}

/** Replaced by `healer-heal-reports`: it followed every job event (ADR 0021). */
export const RETIRED_HEALS_DURABLE = 'healer-heals';

export function healReportsRoute(writer: ProposalWriter): ConsumerRoute<SelectorEvent> {
  return {
    durable: 'healer-heal-reports',
    stream: STREAMS.events,
    filterSubject: subjects.eventsOf('selector'),
    registry: selectorEvents,
    handles: new Set(['SelectorHealReported']),
    handle: (event) => writer.handle(event),
  };
}
