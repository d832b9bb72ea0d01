import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { readQuarantine } from '@aether/event-store';
import { QuarantineListSchema, QuarantineQuerySchema, type QuarantineList } from '@aether/read-api';
import { JETSTREAM, JETSTREAM_MANAGER } from '@aether/service-kit';
import { Tenant } from '../common/tenant';
import { parseOr400 } from '../common/validation';

/** Quarantine is read whole up to this many messages a request; it keeps 30 days. */
export const QUARANTINE_SCAN = 10_000;

/** The tenant of a stored message's subject: `aether.<evt|cmd|work|…>.<tenant>.…`. */
export function tenantOfSubject(subject: string): string | undefined {
  const [root, , tenant] = subject.split('.');
  return root === 'aether' ? tenant : undefined;
}

/**
 * Messages consumers set aside because they failed validation or kept failing, with the reason:
 * read-only, the tenant's own (by the subject each came from), never their bodies.
 */
@Controller('api/v1/quarantine')
export class QuarantineController {
  constructor(
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
  ) {}

  @Get()
  async list(@Tenant() tenantId: string, @Query() query: unknown): Promise<QuarantineList> {
    const { consumer, limit } = parseOr400(QuarantineQuerySchema, query, 'query');
    const listing = await readQuarantine(this.js, this.jsm, {
      limit: QUARANTINE_SCAN,
      ...(consumer ? { consumer } : {}),
    });
    const own = listing.messages.filter((m) => tenantOfSubject(m.origin.subject) === tenantId);
    return QuarantineListSchema.parse({
      total: own.length,
      messages: own
        .slice(-limit)
        .reverse()
        .map(({ body: _body, quarantinedAt, ...message }) => ({
          ...message,
          quarantinedAt: quarantinedAt.toISOString(),
        })),
    });
  }
}
