import { NotFoundException } from '@nestjs/common';
import { subjects } from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import { versionToRun } from '@aether/job-domain';
import type { Workflow } from '@aether/workflow';
import { workflowEvents } from './publish-workflow';

// Published workflows are read where the scheduler reads them, in the workflow's events: the
// projection may not hold a version published a moment ago. Another tenant's workflow is unknown.

/** @throws NotFoundException naming the workflow when the tenant never published it. */
export async function requirePublishedWorkflow(
  store: Pick<EventStore, 'lastSequence'>,
  tenantId: string,
  workflowId: string,
): Promise<void> {
  if ((await store.lastSequence(subjects.event(tenantId, 'workflow', workflowId))) === 0)
    throw new NotFoundException(`workflow ${workflowId} not found`);
}

/**
 * The version a job asking for `version` runs, picked as the scheduler picks it (absent: the latest).
 * @throws NotFoundException naming the workflow (and the version asked for).
 */
export async function publishedVersionToRun(
  store: Pick<EventStore, 'read'>,
  tenantId: string,
  workflowId: string,
  version: number | undefined,
): Promise<{ readonly version: number; readonly definition: Workflow }> {
  const history = await store.read(subjects.event(tenantId, 'workflow', workflowId), workflowEvents);
  const published = history.events.map(({ event }) => ({
    version: event.data.version,
    definition: event.data.definition as unknown as Workflow,
  }));
  const pinned = versionToRun(published, version);
  if (!pinned)
    throw new NotFoundException(
      published.length > 0 && version !== undefined
        ? `workflow ${workflowId} has no version ${version}`
        : `workflow ${workflowId} not found`,
    );
  return pinned;
}
