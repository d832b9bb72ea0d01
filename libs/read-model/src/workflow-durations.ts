import type { DataSource } from 'typeorm';
import { addInto, histogramQuantile, type Histogram } from './analytics-queries';

/**
 * What a workflow's jobs take, start to finish, from the hourly rollups (never the jobs table): per
 * `<tenant>/<workflowId>`, the `quantile` of the durations of the jobs that finished since `since`.
 * The dispatcher's deadline forecast reads it (ADR 66).
 */
export class WorkflowDurations {
  constructor(private readonly dataSource: DataSource) {}

  async quantiles(since: Date, quantile: number): Promise<Map<string, number>> {
    const rows: { tenant_id: string; workflow_id: string; duration_counts: Histogram }[] =
      await this.dataSource.query(
        `SELECT tenant_id, workflow_id, duration_counts FROM job_hourly WHERE hour >= utc_hour($1)`,
        [since],
      );
    const sums = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const key = `${row.tenant_id}/${row.workflow_id}`;
      const sum = sums.get(key) ?? {};
      addInto(sum, row.duration_counts);
      sums.set(key, sum);
    }
    const quantiles = new Map<string, number>();
    for (const [key, histogram] of sums) {
      const value = histogramQuantile(histogram, quantile);
      if (value > 0) quantiles.set(key, value);
    }
    return quantiles;
  }
}
