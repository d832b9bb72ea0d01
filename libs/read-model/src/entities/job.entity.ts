import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { JobStatus } from '@aether/contracts';

/** Why a job waits for an operator: the ambiguous step. */
export interface JobAttention {
  stepKey: string;
  nodeId: string;
  reason: string;
}

@Entity({ name: 'jobs' })
// (tenant_id, status, requested_at DESC) and (tenant_id, requested_at DESC): declared in the
// migrations; TypeORM cannot express DESC. The job list's keyset indexes, (tenant_id, <column>,
// requested_at, job_id), are built concurrently by their migration.
@Index('jobs_by_status', { synchronize: false })
@Index('jobs_by_time', { synchronize: false })
@Index('jobs_by_workflow', { synchronize: false })
@Index('jobs_by_robot', { synchronize: false })
@Index('jobs_by_priority', { synchronize: false })
@Index('jobs_with_deadline_flags', { synchronize: false })
export class JobRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @PrimaryColumn({ name: 'job_id', type: 'text' }) jobId!: string;
  @Column({ name: 'workflow_id', type: 'text' }) workflowId!: string;
  @Column({ name: 'workflow_version', type: 'int', nullable: true }) workflowVersion!: number | null;
  @Column({ type: 'text' }) status!: JobStatus;
  @Column({ type: 'int' }) priority!: number;
  @Column({ name: 'robot_id', type: 'text', nullable: true }) robotId!: string | null;
  @Column({ type: 'jsonb' }) variables!: Record<string, unknown>;
  @Column({ type: 'jsonb', nullable: true }) outputs!: Record<string, unknown> | null;
  @Column({ type: 'jsonb', nullable: true }) error!: Record<string, unknown> | null;
  @Column({ type: 'jsonb', nullable: true }) attention!: JobAttention | null;
  @Column({ name: 'cancel_requested_at', type: 'timestamptz', nullable: true })
  cancelRequestedAt!: Date | null;
  @Column({ name: 'requested_at', type: 'timestamptz' }) requestedAt!: Date;
  @Column({ name: 'dispatched_at', type: 'timestamptz', nullable: true }) dispatchedAt!: Date | null;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ type: 'timestamptz', nullable: true }) deadline!: Date | null;
  /** When `JobAtRisk` was raised, and the finish it predicted. */
  @Column({ name: 'at_risk_at', type: 'timestamptz', nullable: true }) atRiskAt!: Date | null;
  @Column({ name: 'predicted_finish', type: 'timestamptz', nullable: true }) predictedFinish!: Date | null;
  /** When `JobDeadlineMissed` was recorded, and its consequence (keep, fail, dead-letter). */
  @Column({ name: 'deadline_missed_at', type: 'timestamptz', nullable: true }) deadlineMissedAt!: Date | null;
  @Column({ name: 'deadline_consequence', type: 'text', nullable: true }) deadlineConsequence!: string | null;
  /** Stream sequence of the last event applied to this row. */
  @Column({ name: 'last_sequence', type: 'bigint' }) lastSequence!: string;
}
