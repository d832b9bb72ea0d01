import { BadRequestException } from '@nestjs/common';
import {
  AggregateIdSchema,
  MessageRegistry,
  WORKFLOW_EVENTS,
  WorkflowVersionPublished,
  subjects,
  type WorkflowEvent,
} from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import type { ParseWorkflowResult } from '@aether/workflow';
import { parseOr400 } from '../common/validation';

export const workflowEvents = new MessageRegistry<WorkflowEvent>(WORKFLOW_EVENTS);

/**
 * Appends a parsed workflow document as the next version (400 with every problem if it is
 * invalid): the one path by which versions are published (`POST /workflows`, an approved heal
 * proposal). A concurrent publish of the same workflow fails with `ConcurrencyError`.
 */
export async function publishWorkflowVersion(
  store: EventStore,
  tenantId: string,
  result: ParseWorkflowResult,
): Promise<{ workflowId: string; version: number }> {
  if (!result.ok) throw new BadRequestException({ problems: result.problems });
  const workflowId = parseOr400(AggregateIdSchema, result.workflow.id, 'id');
  const subject = subjects.event(tenantId, 'workflow', workflowId);
  // The last message holds the latest version: one get, however many versions there are (ADR 136).
  const last = await store.lastCommit(subject, workflowEvents);
  if (last?.invalid) throw new Error(`${subject} @${last.sequence} is unreadable: ${last.invalid.reason}`);
  const version = (last?.events.at(-1)?.event.data.version ?? 0) + 1;
  const event = WorkflowVersionPublished.create({
    tenantId,
    aggregateId: workflowId,
    data: { version, definition: result.workflow as unknown as Record<string, never> },
  });
  await store.append(subject, [event], last?.sequence ?? 0);
  return { workflowId, version };
}
