import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A job whose last attempt failed; removed again when an operator requeues it. */
@Entity({ name: 'dead_letters' })
export class DeadLetterRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @PrimaryColumn({ name: 'job_id', type: 'text' }) jobId!: string;
  @Column({ name: 'workflow_id', type: 'text' }) workflowId!: string;
  @Column({ type: 'int' }) attempts!: number;
  @Column({ type: 'jsonb' }) error!: Record<string, unknown>;
  @Column({ name: 'dead_lettered_at', type: 'timestamptz' }) deadLetteredAt!: Date;
  /** Stream sequence of the JobDeadLettered event. */
  @Column({ name: 'last_sequence', type: 'bigint' }) lastSequence!: string;
}
