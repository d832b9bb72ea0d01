import type { DataSource } from 'typeorm';
import { DeadLetterRow } from './entities/dead-letter.entity';

export interface DeadLetterView {
  /** The dead letter's id is its job's id. */
  id: string;
  jobId: string;
  workflowId: string;
  attempts: number;
  error: Record<string, unknown>;
  deadLetteredAt: string;
}

/** Read-side queries for the fleet features; tenant-scoped by construction. */
export class FleetQueries {
  constructor(private readonly dataSource: DataSource) {}

  async deadLetters(
    tenantId: string,
    options: { workflowId?: string; limit?: number } = {},
  ): Promise<DeadLetterView[]> {
    const rows = await this.dataSource.getRepository(DeadLetterRow).find({
      where: { tenantId, ...(options.workflowId ? { workflowId: options.workflowId } : {}) },
      order: { deadLetteredAt: 'DESC' },
      take: Math.min(options.limit ?? 100, 1000),
    });
    return rows.map(toView);
  }

  async deadLetter(tenantId: string, jobId: string): Promise<DeadLetterView | undefined> {
    const row = await this.dataSource.getRepository(DeadLetterRow).findOneBy({ tenantId, jobId });
    return row ? toView(row) : undefined;
  }
}

function toView(row: DeadLetterRow): DeadLetterView {
  return {
    id: row.jobId,
    jobId: row.jobId,
    workflowId: row.workflowId,
    attempts: row.attempts,
    error: row.error,
    deadLetteredAt: row.deadLetteredAt.toISOString(),
  };
}
