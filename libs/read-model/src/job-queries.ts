import type { DataSource } from 'typeorm';
import { JobStepRow, type StepStall } from './entities/job-step.entity';
import type { JobStatus } from '@aether/contracts';
import { JobRow, type JobAttention } from './entities/job.entity';
import { WorkflowRow } from './entities/workflow.entity';

export interface StepView {
  stepKey: string;
  nodeId: string;
  nodeType: string;
  status: string;
  attempt: number;
  robotId: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  output: unknown;
  error: Record<string, unknown> | null;
  artifacts: { kind: string; ref: string }[] | null;
  stall: StepStall | null;
}

/** A job's deadline and what the dispatcher recorded about it (ADR 66). */
export interface JobDeadlineView {
  at: string;
  atRiskAt: string | null;
  predictedFinish: string | null;
  missedAt: string | null;
  consequence: string | null;
}

export interface JobView {
  jobId: string;
  tenantId: string;
  workflowId: string;
  workflowVersion: number | null;
  status: JobStatus;
  priority: number;
  robotId: string | null;
  requestedAt: string;
  dispatchedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  outputs: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
  /** Set while the job waits for an operator: which step is ambiguous and why. */
  attention: JobAttention | null;
  cancelRequestedAt: string | null;
  deadline: JobDeadlineView | null;
  steps: StepView[];
}

/** Read-side queries the gateway serves; tenant-scoped by construction. */
export class ReadModelQueries {
  constructor(private readonly dataSource: DataSource) {}

  async job(tenantId: string, jobId: string): Promise<JobView | undefined> {
    const job = await this.dataSource.getRepository(JobRow).findOneBy({ tenantId, jobId });
    if (!job) return undefined;
    const steps = await this.dataSource
      .getRepository(JobStepRow)
      .find({ where: { tenantId, jobId }, order: { firstSequence: 'ASC' } });
    return toJobView(job, steps);
  }

  async jobs(tenantId: string, options: { status?: JobStatus; limit?: number } = {}): Promise<JobView[]> {
    const rows = await this.dataSource.getRepository(JobRow).find({
      where: { tenantId, ...(options.status ? { status: options.status } : {}) },
      order: { requestedAt: 'DESC' },
      take: Math.min(options.limit ?? 50, 500),
    });
    return rows.map((row) => toJobView(row, []));
  }

  async latestWorkflow(tenantId: string, workflowId: string): Promise<WorkflowRow | undefined> {
    const row = await this.dataSource
      .getRepository(WorkflowRow)
      .findOne({ where: { tenantId, workflowId }, order: { version: 'DESC' } });
    return row ?? undefined;
  }

  async workflowVersion(
    tenantId: string,
    workflowId: string,
    version: number,
  ): Promise<WorkflowRow | undefined> {
    return (
      (await this.dataSource.getRepository(WorkflowRow).findOneBy({ tenantId, workflowId, version })) ??
      undefined
    );
  }

  /** Every version of one workflow, newest first. */
  async workflowVersions(tenantId: string, workflowId: string): Promise<WorkflowRow[]> {
    return this.dataSource
      .getRepository(WorkflowRow)
      .find({ where: { tenantId, workflowId }, order: { version: 'DESC' } });
  }

  async workflows(tenantId: string): Promise<WorkflowRow[]> {
    return this.dataSource
      .getRepository(WorkflowRow)
      .createQueryBuilder('w')
      .distinctOn(['w.workflow_id'])
      .where('w.tenant_id = :tenantId', { tenantId })
      .orderBy('w.workflow_id')
      .addOrderBy('w.version', 'DESC')
      .getMany();
  }
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

function toJobView(job: JobRow, steps: JobStepRow[]): JobView {
  return {
    jobId: job.jobId,
    tenantId: job.tenantId,
    workflowId: job.workflowId,
    workflowVersion: job.workflowVersion,
    status: job.status,
    priority: job.priority,
    robotId: job.robotId,
    requestedAt: job.requestedAt.toISOString(),
    dispatchedAt: iso(job.dispatchedAt),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    durationMs: job.startedAt && job.finishedAt ? job.finishedAt.getTime() - job.startedAt.getTime() : null,
    outputs: job.outputs,
    error: job.error,
    attention: job.attention,
    cancelRequestedAt: iso(job.cancelRequestedAt),
    deadline: job.deadline
      ? {
          at: job.deadline.toISOString(),
          atRiskAt: iso(job.atRiskAt),
          predictedFinish: iso(job.predictedFinish),
          missedAt: iso(job.deadlineMissedAt),
          consequence: job.deadlineConsequence,
        }
      : null,
    steps: steps.map((step) => ({
      stepKey: step.stepKey,
      nodeId: step.nodeId,
      nodeType: step.nodeType,
      status: step.status,
      attempt: step.attempt,
      robotId: step.robotId,
      startedAt: step.startedAt.toISOString(),
      finishedAt: iso(step.finishedAt),
      durationMs: step.durationMs,
      output: step.output,
      error: step.error,
      artifacts: step.artifacts,
      stall: step.stall,
    })),
  };
}
