import type { KV } from '@nats-io/kv';
import {
  MessageRegistry,
  SELECTOR_EVENTS,
  STREAMS,
  SelectorFragilityRated,
  newestFingerprintRecorded,
  subjects,
  type MessageOf,
  type SelectorEvent,
  type FingerprintRecorded,
  type TenantId,
} from '@aether/contracts';
import { ConcurrencyError, type EventStore } from '@aether/event-store';
import { InvalidFingerprintError, parseFingerprint, rateSelectorFragility } from '@aether/healing';
import { RetryableError, TerminalError, type ConsumerRoute } from '@aether/service-kit';

const selectorEvents = new MessageRegistry<SelectorEvent>(SELECTOR_EVENTS);

/**
 * The durable that filled the shared fingerprints bucket before ADR 78; deleted at start, the new
 * one replays every selector event into the tenants' own buckets.
 */
export const RETIRED_SELECTORS_DURABLE = 'healer-selectors';

/**
 * The healer's knowledge of recorded selectors: puts each selector's newest recorded fingerprint
 * into its tenant's fingerprints bucket (the tenant's robots read it before a heal, ADR 126) and
 * rates the selector's fragility once, as `SelectorFragilityRated` on the selector's subject (a
 * record in a newer format rates the same selector). The events stay the truth: the buckets can
 * be rebuilt by replaying them (a new durable starts from the beginning).
 */
export class SelectorKnowledge {
  constructor(
    private readonly store: EventStore,
    /** The tenant's fingerprints bucket, made on first use. */
    private readonly fingerprints: (tenantId: TenantId) => Promise<KV>,
  ) {}

  async handle(event: SelectorEvent): Promise<void> {
    switch (event.type) {
      case 'FingerprintRecorded':
        return this.recorded(event);
      case 'SelectorFragilityRated':
      case 'SelectorHealReported':
        return;
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  }

  private async recorded(event: MessageOf<typeof FingerprintRecorded>): Promise<void> {
    // The selector's newest record is its fingerprint (ADR 126): a redelivered older one puts it too.
    const subject = subjects.event(event.tenantId, 'selector', event.data.selectorKey);
    const history = await this.store.read(subject, selectorEvents);
    const newest = newestFingerprintRecorded(history.events) ?? event;
    let fingerprint;
    try {
      fingerprint = parseFingerprint(newest.data.fingerprint);
    } catch (error) {
      if (error instanceof InvalidFingerprintError) throw new TerminalError(error.message, { cause: error });
      throw error;
    }
    const bucket = await this.fingerprints(event.tenantId);
    await bucket.put(event.data.selectorKey, JSON.stringify(newest.data));

    if (history.events.some((stored) => stored.event.type === 'SelectorFragilityRated')) return;
    const rating = rateSelectorFragility(event.data.selector, { fingerprint });
    const rated = SelectorFragilityRated.create({
      tenantId: event.tenantId,
      aggregateId: event.aggregateId,
      causedBy: event,
      id: `${event.id}:rated`,
      data: {
        selectorKey: event.data.selectorKey,
        workflowId: event.data.workflowId,
        nodeId: event.data.nodeId,
        selector: event.data.selector,
        score: Math.round(rating.score * 1000) / 1000,
        reasons: rating.reasons.map((r) => ({ code: r.code, message: r.message })),
        ...(rating.suggestion ? { suggestion: rating.suggestion } : {}),
      },
    });
    try {
      await this.store.append(subject, [rated], history.lastSequence);
    } catch (error) {
      if (error instanceof ConcurrencyError)
        throw new RetryableError('selector subject moved; re-reading', 200, { cause: error });
      throw error;
    }
  }
}

export function selectorKnowledgeRoute(knowledge: SelectorKnowledge): ConsumerRoute<SelectorEvent> {
  return {
    durable: 'healer-selectors-by-tenant',
    stream: STREAMS.events,
    filterSubject: subjects.eventsOf('selector'),
    registry: selectorEvents,
    handles: new Set(['FingerprintRecorded']),
    handle: (event) => knowledge.handle(event),
  };
}
