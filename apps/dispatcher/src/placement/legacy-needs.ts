import type { Logger } from '@aether/service-kit';
import type { DispatcherPorts } from '../fleet/dispatcher-ports';
import { NO_NEEDS, type WorkflowNeeds } from './placement';

/**
 * The needs of a job whose `JobRequested` predates carrying them (ADR 30): its workflow version
 * is read once, whatever the number of its jobs. A read that fails places by the job alone.
 */
export class LegacyNeeds {
  private readonly loading = new Map<string, Promise<WorkflowNeeds>>();

  constructor(
    private readonly ports: Pick<DispatcherPorts, 'workflowNeeds'>,
    private readonly logger: Logger,
  ) {}

  of(tenantId: string, workflowId: string, version: number): Promise<WorkflowNeeds> {
    const key = `${tenantId}/${workflowId}@${version}`;
    let loading = this.loading.get(key);
    if (!loading) {
      loading = this.ports.workflowNeeds(tenantId, workflowId, version).catch((error: unknown) => {
        this.logger.warn(
          { err: error, workflow: key },
          'could not read the workflow; placing by the job alone',
        );
        return NO_NEEDS;
      });
      this.loading.set(key, loading);
    }
    return loading;
  }
}
