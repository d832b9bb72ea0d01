import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'workflows' })
export class WorkflowRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @PrimaryColumn({ name: 'workflow_id', type: 'text' }) workflowId!: string;
  @PrimaryColumn({ type: 'int' }) version!: number;
  @Column({ type: 'text', nullable: true }) name!: string | null;
  @Column({ type: 'jsonb' }) definition!: Record<string, unknown>;
  @Column({ name: 'published_at', type: 'timestamptz' }) publishedAt!: Date;
}
