import type { Logger } from '@aether/service-kit';

/**
 * The workflows' measured durations (p95, from the projection's hourly rollups) for the deadline
 * forecast, read again every `refreshMs`: a lookup is synchronous and never waits on PostgreSQL.
 * A cache, not truth: empty until the first read lands, and a failed read keeps the last figures.
 */
export class WorkflowDurationCache {
  private figures = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly load: () => Promise<Map<string, number>>,
    private readonly refreshMs: number,
    private readonly logger: Logger,
  ) {}

  durationMs(tenantId: string, workflowId: string): number | undefined {
    return this.figures.get(`${tenantId}/${workflowId}`);
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
