import type { NodeHandler } from '@aether/nodes';

interface RunningStep {
  readonly key: string;
  readonly nodeType: string;
  readonly startedAt: string;
  readonly limitMs?: number;
  readonly idempotent?: boolean;
}

interface Progress {
  currentNode?: string;
  step?: RunningStep;
  completedSteps: number;
}

export type StepObserver = (nodeType: string, seconds: number, outcome: 'completed' | 'failed') => void;

/**
 * What each running job is doing, for the heartbeat: wraps the node handlers so every step
 * marks its job's current node while it runs, and tells an observer (the step duration
 * metric) how long each took. Memory only, and only for reporting.
 */
export class JobProgress {
  private readonly jobs = new Map<string, Progress>();
  private observer?: StepObserver;

  /** Told of every step's node type, duration and outcome as it ends. */
  observeSteps(observer: StepObserver): void {
    this.observer = observer;
  }

  track<T extends ReadonlyMap<string, NodeHandler>>(handlers: T): T {
    const wrapped = new Map<string, NodeHandler>();
    for (const [type, handler] of handlers) {
      wrapped.set(type, {
        type: handler.type,
        execute: async (params, context) => {
          const progress = this.jobs.get(context.jobId) ?? { completedSteps: 0 };
          const step = {
            key: context.stepKey,
            nodeType: handler.type,
            startedAt: new Date().toISOString(),
            ...(context.stall
              ? { limitMs: context.stall.limitMs, idempotent: context.stall.idempotent }
              : {}),
          };
          this.jobs.set(context.jobId, { ...progress, currentNode: context.stepKey, step });
          const started = performance.now();
          let outcome: 'completed' | 'failed' = 'failed';
          try {
            const output = await handler.execute(params, context);
            progress.completedSteps++;
            outcome = 'completed';
            return output;
          } finally {
            // A stalled step's handler may end long after its job moved on: only its own step is cleared.
            const now = this.jobs.get(context.jobId);
            if (now?.step === step) this.jobs.set(context.jobId, { completedSteps: progress.completedSteps });
            this.observer?.(handler.type, (performance.now() - started) / 1000, outcome);
          }
        },
      });
    }
    // Keep the table's own methods (e.g. `close`) while lookups see the wrapped handlers.
    return new Proxy(handlers, {
      get(target, property, receiver) {
        if (property === 'get') return (key: string) => wrapped.get(key);
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** The jobs in `active`, with their progress; forgets jobs no longer active. */
  report(
    active: readonly string[],
  ): { jobId: string; currentNode?: string; step?: RunningStep; completedSteps: number }[] {
    for (const jobId of this.jobs.keys()) if (!active.includes(jobId)) this.jobs.delete(jobId);
    return active.map((jobId) => {
      const progress = this.jobs.get(jobId);
      return {
        jobId,
        ...(progress?.currentNode ? { currentNode: progress.currentNode } : {}),
        ...(progress?.step ? { step: progress.step } : {}),
        completedSteps: progress?.completedSteps ?? 0,
      };
    });
  }
}
