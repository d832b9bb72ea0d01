import { Column, Entity, PrimaryColumn } from 'typeorm';

export interface StepStall {
  at: string;
  elapsedMs: number;
  limitMs: number;
  basis: 'timeout' | 'p99';
  detectedBy: 'robot' | 'service';
  outcome: 'retry' | 'park';
}

export type StepStatus = 'running' | 'completed' | 'failed' | 'skipped';

@Entity({ name: 'job_steps' })
export class JobStepRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @PrimaryColumn({ name: 'job_id', type: 'text' }) jobId!: string;
  @PrimaryColumn({ name: 'step_key', type: 'text' }) stepKey!: string;
  @Column({ name: 'node_id', type: 'text' }) nodeId!: string;
  @Column({ name: 'node_type', type: 'text' }) nodeType!: string;
  @Column({ type: 'text' }) status!: StepStatus;
  @Column({ type: 'int' }) attempt!: number;
  @Column({ name: 'robot_id', type: 'text', nullable: true }) robotId!: string | null;
  @Column({ name: 'started_at', type: 'timestamptz' }) startedAt!: Date;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
  @Column({ name: 'duration_ms', type: 'double precision', nullable: true }) durationMs!: number | null;
  @Column({ type: 'jsonb', nullable: true }) output!: unknown;
  @Column({ type: 'jsonb', nullable: true }) error!: Record<string, unknown> | null;
  @Column({ type: 'jsonb', nullable: true }) artifacts!: { kind: string; ref: string }[] | null;
  /** The step's `StepStalled`, when its last attempt was declared stalled (ADR 61). */
  @Column({ type: 'jsonb', nullable: true }) stall!: StepStall | null;
  /** Stream sequence of the StepStarted event: orders the timeline. */
  @Column({ name: 'first_sequence', type: 'bigint' }) firstSequence!: string;
}
