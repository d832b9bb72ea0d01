import type { Logger } from '@aether/service-kit';

/** What the projection's hourly rollups measured, keyed by `<tenant>/<workflowId>`. */
export interface MeasuredDurations {
  /** Each workflow's p95 start-to-finish duration, in ms (the deadline forecast, ADR 66). */
  readonly workflows: ReadonlyMap<string, number>;
  /** Per workflow, per node id: the step stall limit, k × the node's p99, in ms (ADR 65). */
  readonly stallLimits: ReadonlyMap<string, Readonly<Record<string, number>>>;
}

const NONE: MeasuredDurations = { workflows: new Map(), stallLimits: new Map() };

/**
 * The measured durations, read again every `refreshMs`: a lookup is synchronous and never waits on
 * PostgreSQL. A cache, not truth: empty until the first read lands, and a failed read keeps the
 * last figures.
 */
export class WorkflowDurationCache {
  private figures = NONE;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly load: () => Promise<MeasuredDurations>,
    private readonly refreshMs: number,
    private readonly logger: Logger,
  ) {}

  durationMs(tenantId: string, workflowId: string): number | undefined {
    return this.figures.workflows.get(`${tenantId}/${workflowId}`);
  }

  stallLimitsMs(tenantId: string, workflowId: string): Readonly<Record<string, number>> | undefined {
    return this.figures.stallLimits.get(`${tenantId}/${workflowId}`);
  }

  async refresh(): Promise<void> {
    try {
      this.figures = await this.load();
    } catch (error) {
      this.logger.warn({ err: error }, 'reading workflow durations failed; the last ones are kept');
    }
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
