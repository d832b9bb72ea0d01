import type { JobEvent } from '@aether/contracts';
import { decide, initialJobState } from '@aether/job-domain';

/**
 * A no-op job's `JobRequested`, decided as the scheduler decides it (version 1 of `workflowId`,
 * needing neither a browser nor a desktop): benchmarks build job events through the decider too.
 */
export function requestedBy(tenantId: string, jobId: string, workflowId: string): JobEvent {
  const decision = decide(
    {
      type: 'RequestJob',
      data: {
        workflowId,
        variables: {},
        priority: 10,
        trigger: { kind: 'api' },
        published: [{ version: 1, needs: { browser: false, desktop: false } }],
      },
      meta: { tenantId, jobId, id: globalThis.crypto.randomUUID(), at: new Date() },
    },
    initialJobState,
  );
  if (!decision.ok) throw new Error(decision.rejection.reason);
  return decision.events[0];
}
