import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * How many of a tenant's jobs are in each status at each priority: a rollup that triggers on
 * `jobs` keep in the writing transaction (the projector's, with its checkpoint), so the console's
 * fleet view counts without scanning jobs (ADR 31).
 */
@Entity({ name: 'job_counts' })
export class JobCountRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @PrimaryColumn({ type: 'text' }) status!: string;
  @PrimaryColumn({ type: 'int' }) priority!: number;
  @Column({ type: 'bigint', default: 0 }) jobs!: string;
}
