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

/** A node's measured step durations: the quantile asked for, in ms, and how many steps it rests on. */
export interface NodeDuration {
  readonly ms: number;
  readonly steps: number;
}

/**
 * What each workflow node's completed steps take, from the hourly rollups (`node_hourly`): per
 * `<tenant>/<workflowId>`, per node id, the `quantile` of the steps that completed since `since`,
 * for nodes with at least `minSteps` of them. The dispatcher's k × p99 stall limit reads it (ADR 65).
 */
export class NodeDurations {
  constructor(private readonly dataSource: DataSource) {}

  async quantiles(
    since: Date,
    quantile: number,
    minSteps: number,
  ): Promise<Map<string, Record<string, NodeDuration>>> {
    const rows: {
      tenant_id: string;
      workflow_id: string;
      node_id: string;
      steps: string;
      duration_counts: Histogram;
    }[] = await this.dataSource.query(
      `SELECT tenant_id, workflow_id, node_id, steps, duration_counts FROM node_hourly WHERE hour >= utc_hour($1)`,
      [since],
    );
    const sums = new Map<
      string,
      { key: string; node: string; steps: number; histogram: Record<string, number> }
    >();
    for (const row of rows) {
      const key = `${row.tenant_id}/${row.workflow_id}`;
      const id = `${key}\u0000${row.node_id}`;
      const sum = sums.get(id) ?? { key, node: row.node_id, steps: 0, histogram: {} };
      sum.steps += Number(row.steps);
      addInto(sum.histogram, row.duration_counts);
      sums.set(id, sum);
    }
    const result = new Map<string, Record<string, NodeDuration>>();
    for (const { key, node, steps, histogram } of sums.values()) {
      if (steps < minSteps) continue;
      const ms = histogramQuantile(histogram, quantile);
      if (ms <= 0) continue;
      const nodes = result.get(key) ?? {};
      nodes[node] = { ms, steps };
      result.set(key, nodes);
    }
    return result;
  }
}
