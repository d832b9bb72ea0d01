import { MessageRegistry, WORKFLOW_EVENTS, subjects, type WorkflowEvent } from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import { parseWorkflow, type Workflow } from '@aether/workflow';

const workflowEvents = new MessageRegistry<WorkflowEvent>(WORKFLOW_EVENTS);

export class WorkflowUnavailableError extends Error {
  override readonly name = 'WorkflowUnavailableError';
  readonly retryable = false;
}

/** Loads the workflow version a job is pinned to. Versions are immutable, so caching them is safe. */
export class WorkflowCatalog {
  private readonly cache = new Map<string, Promise<Workflow>>();

  constructor(private readonly store: EventStore) {}

  get(tenantId: string, workflowId: string, version: number): Promise<Workflow> {
    const key = `${tenantId}/${workflowId}@${version}`;
    let found = this.cache.get(key);
    if (!found) {
      found = this.load(tenantId, workflowId, version);
      found.catch(() => this.cache.delete(key));
      this.cache.set(key, found);
    }
    return found;
  }

  private async load(tenantId: string, workflowId: string, version: number): Promise<Workflow> {
    const history = await this.store.read(subjects.event(tenantId, 'workflow', workflowId), workflowEvents);
    const published = history.events.find((stored) => stored.event.data.version === version);
    if (!published) throw new WorkflowUnavailableError(`workflow ${workflowId} has no version ${version}`);
    const parsed = parseWorkflow(published.event.data.definition);
    if (!parsed.ok) {
      const problems = parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
      throw new WorkflowUnavailableError(`workflow ${workflowId}@${version} is invalid: ${problems}`);
    }
    return parsed.workflow;
  }
}
