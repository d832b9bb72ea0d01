/** How a queue trigger's job ended, as far as backing off goes. */
export type TriggeredJobEnd = 'completed' | 'failed' | 'other';

/**
 * A queue trigger's restraint after its jobs fail (issue 26): a workflow that fails at once would
 * otherwise be started again every sweep while items wait. Each job that ends failed (dead-lettered
 * or rejected) doubles the pause before the trigger fires again, from `baseMs` up to `maxMs`; a
 * completed job ends the pause. Memory only: a restarted keeper starts without a pause, which
 * costs one more round of failing jobs at most.
 */
export class TriggerBackoff {
  private readonly queues = new Map<string, { failures: number; notBefore: number }>();

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  ended(queueKey: string, end: TriggeredJobEnd, now: number): void {
    if (end === 'completed') this.queues.delete(queueKey);
    if (end !== 'failed') return;
    const failures = (this.queues.get(queueKey)?.failures ?? 0) + 1;
    const pause = Math.min(this.maxMs, this.baseMs * 2 ** (failures - 1));
    this.queues.set(queueKey, { failures, notBefore: now + pause });
  }

  /** Whether the trigger may start jobs at `now`. */
  mayFire(queueKey: string, now: number): boolean {
    return (this.queues.get(queueKey)?.notBefore ?? 0) <= now;
  }
}

/** A job's final event type, as `TriggerBackoff` counts it. */
export function triggeredJobEnd(finalEventType: string): TriggeredJobEnd {
  if (finalEventType === 'JobCompleted') return 'completed';
  return finalEventType === 'JobDeadLettered' || finalEventType === 'JobRejected' ? 'failed' : 'other';
}
