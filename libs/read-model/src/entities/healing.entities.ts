import { Column, Entity, PrimaryColumn } from 'typeorm';

/** What the platform knows about one recorded selector: its fragility and how often it was healed. */
@Entity({ name: 'selectors' })
export class SelectorRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @PrimaryColumn({ name: 'selector_key', type: 'text' }) selectorKey!: string;
  @Column({ name: 'workflow_id', type: 'text' }) workflowId!: string;
  @Column({ name: 'node_id', type: 'text' }) nodeId!: string;
  @Column({ type: 'text' }) selector!: string;
  /** 0 sturdy … 1 breaks on the next deploy; null until the healer rated it. */
  @Column({ name: 'fragility_score', type: 'double precision', nullable: true }) fragilityScore!:
    number | null;
  @Column({ name: 'fragility_reasons', type: 'jsonb', nullable: true })
  fragilityReasons!: { code: string; message: string }[] | null;
  @Column({ type: 'text', nullable: true }) suggestion!: string | null;
  /** When the fingerprint in force was recorded: the selector's newest `FingerprintRecorded` (ADR 126). */
  @Column({ name: 'recorded_at', type: 'timestamptz' }) recordedAt!: Date;
  /** Heals of this selector in jobs, applied or proposed. */
  @Column({ name: 'heal_count', type: 'int' }) healCount!: number;
  @Column({ name: 'last_healed_at', type: 'timestamptz', nullable: true }) lastHealedAt!: Date | null;
  @Column({ name: 'last_healed_selector', type: 'text', nullable: true }) lastHealedSelector!: string | null;
}

/** One `SelectorHealed` event of a job. */
@Entity({ name: 'selector_heals' })
export class SelectorHealRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @PrimaryColumn({ name: 'job_id', type: 'text' }) jobId!: string;
  /** Stream sequence of the event: orders a job's heals. */
  @PrimaryColumn({ type: 'bigint' }) sequence!: string;
  @Column({ name: 'step_key', type: 'text' }) stepKey!: string;
  @Column({ name: 'node_id', type: 'text' }) nodeId!: string;
  @Column({ name: 'workflow_id', type: 'text' }) workflowId!: string;
  @Column({ name: 'workflow_version', type: 'int' }) workflowVersion!: number;
  @Column({ name: 'selector_key', type: 'text' }) selectorKey!: string;
  @Column({ name: 'previous_selector', type: 'text' }) previousSelector!: string;
  @Column({ name: 'healed_selector', type: 'text' }) healedSelector!: string;
  @Column({ type: 'text' }) problem!: string;
  @Column({ type: 'int' }) tier!: number;
  @Column({ type: 'double precision' }) confidence!: number;
  @Column({ type: 'double precision' }) margin!: number;
  @Column({ name: 'runner_up', type: 'jsonb', nullable: true }) runnerUp!: {
    selector: string;
    confidence: number;
  } | null;
  @Column({ name: 'elapsed_ms', type: 'double precision' }) elapsedMs!: number;
  @Column({ type: 'boolean' }) applied!: boolean;
  @Column({ name: 'screenshot_ref', type: 'text', nullable: true }) screenshotRef!: string | null;
  @Column({ name: 'healed_at', type: 'timestamptz' }) healedAt!: Date;
}

export type HealProposalStatus = 'open' | 'approved' | 'rejected';

/** A proposed patch of one workflow version: the healed selectors of its nodes. */
@Entity({ name: 'heal_proposals' })
export class HealProposalRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @PrimaryColumn({ name: 'proposal_id', type: 'text' }) proposalId!: string;
  @Column({ name: 'workflow_id', type: 'text' }) workflowId!: string;
  @Column({ name: 'workflow_version', type: 'int' }) workflowVersion!: number;
  @Column({ type: 'text' }) status!: HealProposalStatus;
  /** `SelectorPatch[]`, one per node (the latest heal of that node). */
  @Column({ type: 'jsonb' }) patches!: Record<string, unknown>[];
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true }) decidedAt!: Date | null;
  /** The workflow version an approval published. */
  @Column({ name: 'new_version', type: 'int', nullable: true }) newVersion!: number | null;
  @Column({ type: 'text', nullable: true }) note!: string | null;
  @Column({ name: 'last_sequence', type: 'bigint' }) lastSequence!: string;
}
