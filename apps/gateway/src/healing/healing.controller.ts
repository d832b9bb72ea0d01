import {
  Body,
  ConflictException,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { z } from 'zod';
import {
  AggregateIdSchema,
  HealProposalApproved,
  HealProposalRejected,
  MessageRegistry,
  PROPOSAL_EVENTS,
  subjects,
  type ProposalEvent,
  type SelectorPatch,
} from '@aether/contracts';
import { ConcurrencyError, type EventStore } from '@aether/event-store';
import { HealingQueries } from '@aether/read-model';
import { EVENT_STORE } from '@aether/service-kit';
import { parseWorkflow } from '@aether/workflow';
import { HealProposalListSchema, type HealProposal } from '@aether/read-api';
import { Tenant } from '../common/tenant';
import { NoteBody, parseOr400 } from '../common/validation';
import { publishWorkflowVersion, workflowEvents } from '../workflows/publish-workflow';
import { patchSelectors } from './patch-selectors';

const proposalEvents = new MessageRegistry<ProposalEvent>(PROPOSAL_EVENTS);
export const ProposalQuery = z
  .object({
    status: z.enum(['open', 'approved', 'rejected']).optional(),
    workflowId: AggregateIdSchema.optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();
export const SelectorQuery = z
  .object({
    workflowId: AggregateIdSchema.optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();
export const HealQuery = SelectorQuery.extend({ jobId: AggregateIdSchema.optional() }).strict();

/**
 * Self-healing for operators: proposals of healed selectors (approve publishes a new workflow
 * version), per-selector fragility and heal counts, and every heal of a job.
 */
@Controller('api/v1/healing')
export class HealingController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(HealingQueries) private readonly queries: HealingQueries,
  ) {}

  @Get('proposals')
  async proposals(@Tenant() tenantId: string, @Query() query: unknown): Promise<HealProposal[]> {
    return HealProposalListSchema.parse(
      await this.queries.proposals(tenantId, parseOr400(ProposalQuery, query, 'query')),
    );
  }

  @Get('proposals/:id')
  async proposal(@Tenant() tenantId: string, @Param('id') id: string) {
    const found = await this.queries.proposal(tenantId, parseOr400(AggregateIdSchema, id, 'id'));
    if (!found) throw new NotFoundException(`proposal ${id} not found`);
    return found;
  }

  /**
   * Publishes the latest version of the workflow with the proposal's selectors replaced (each
   * only where the node still holds the selector that broke) and records the approval.
   */
  @Post('proposals/:id/approve')
  async approve(@Tenant() tenantId: string, @Param('id') id: string, @Body() body: unknown) {
    const { note } = parseOr400(NoteBody, body ?? {}, 'body');
    const { subject, workflowId, patches, lastSequence } = await this.openProposal(tenantId, id);
    const workflowHistory = await this.store.read(
      subjects.event(tenantId, 'workflow', workflowId),
      workflowEvents,
    );
    const latest = workflowHistory.events.at(-1)?.event.data;
    if (!latest) throw new NotFoundException(`workflow ${workflowId} not found`);
    const { definition, applied, skipped } = patchSelectors(latest.definition, patches);
    if (applied.length === 0) {
      throw new ConflictException(
        `no patch of proposal ${id} applies to version ${latest.version} of ${workflowId}: its nodes no longer hold the broken selectors`,
      );
    }
    const { version } = await publishWorkflowVersion(this.store, tenantId, parseWorkflow(definition));
    await this.decide(subject, lastSequence, id, () =>
      HealProposalApproved.create({
        tenantId,
        aggregateId: id,
        data: { workflowId, newVersion: version, ...(note ? { note } : {}) },
      }),
    );
    return { id, status: 'approved', workflowId, newVersion: version, applied, skipped };
  }

  @Post('proposals/:id/reject')
  async reject(@Tenant() tenantId: string, @Param('id') id: string, @Body() body: unknown) {
    const { note } = parseOr400(NoteBody, body ?? {}, 'body');
    const { subject, workflowId, lastSequence } = await this.openProposal(tenantId, id);
    await this.decide(subject, lastSequence, id, () =>
      HealProposalRejected.create({
        tenantId,
        aggregateId: id,
        data: { workflowId, ...(note ? { note } : {}) },
      }),
    );
    return { id, status: 'rejected', workflowId };
  }

  /** Recorded selectors with their fragility (0 sturdy … 1 fragile), suggestion and heal count. */
  @Get('selectors')
  selectors(@Tenant() tenantId: string, @Query() query: unknown) {
    return this.queries.selectors(tenantId, parseOr400(SelectorQuery, query, 'query'));
  }

  /** Heals as recorded on jobs (`SelectorHealed`), newest first. */
  @Get('heals')
  heals(@Tenant() tenantId: string, @Query() query: unknown) {
    return this.queries.heals(tenantId, parseOr400(HealQuery, query, 'query'));
  }

  /** The proposal from its events (the truth, not the projection): 404 unknown, 409 decided. */
  private async openProposal(tenantId: string, id: string) {
    parseOr400(AggregateIdSchema, id, 'id');
    const subject = subjects.event(tenantId, 'proposal', id);
    const history = await this.store.read(subject, proposalEvents);
    if (history.events.length === 0) throw new NotFoundException(`proposal ${id} not found`);
    const byNode = new Map<string, SelectorPatch>();
    let workflowId = '';
    for (const { event } of history.events) {
      switch (event.type) {
        case 'SelectorPatchProposed':
          workflowId = event.data.workflowId;
          byNode.set(event.data.patch.nodeId, event.data.patch);
          break;
        case 'HealProposalApproved':
          throw new ConflictException(
            `proposal ${id} was already approved (version ${event.data.newVersion})`,
          );
        case 'HealProposalRejected':
          throw new ConflictException(`proposal ${id} was already rejected`);
        default: {
          const _exhaustive: never = event;
          return _exhaustive;
        }
      }
    }
    return { subject, workflowId, patches: [...byNode.values()], lastSequence: history.lastSequence };
  }

  private async decide(
    subject: string,
    expected: number,
    id: string,
    event: () => ProposalEvent,
  ): Promise<void> {
    try {
      await this.store.append(subject, [event()], expected);
    } catch (error) {
      if (error instanceof ConcurrencyError) {
        throw new ConflictException(
          `proposal ${id} changed meanwhile (a new heal or another decision); read it again`,
        );
      }
      throw error;
    }
  }
}
