/**
 * The workflow engine's contract with the robot. The robot folds a job's events into
 * a `StepHistory`, asks `planNext` what to do, runs that step through a node handler
 * and appends the outcome. `planNext` is pure: same inputs, same answer, no IO, no clock.
 */

/** Where a validation problem is, e.g. `nodes[4].params.selector`, and what is wrong. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

export type ParseWorkflowResult =
  | { readonly ok: true; readonly workflow: Workflow }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** A validated workflow document (see workflow.schema.json). Opaque beyond these fields to the robot. */
export interface Workflow {
  readonly id: string;
  readonly name?: string;
  readonly nodes: readonly WorkflowNode[];
  readonly [key: string]: unknown;
}

export interface WorkflowNode {
  readonly id: string;
  readonly type: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/**
 * What a robot knows of one step from the job's events: its latest state. `attempt` is
 * 1-based and counts every start of the step, including one that left no outcome.
 */
export type StepRecord =
  | { readonly status: 'started'; readonly attempt: number }
  | { readonly status: 'completed'; readonly output: unknown }
  | { readonly status: 'failed'; readonly error: StepError; readonly attempt: number };

export interface StepError {
  readonly message: string;
  readonly code?: string;
  readonly retryable: boolean;
}

/** Step key → what happened to it. Step keys carry loop iterations: `enter-row[37]`. */
export type StepHistory = ReadonlyMap<string, StepRecord>;

export interface RunContext {
  /** The job's input variables (validated against the workflow's inputs before the job starts). */
  readonly variables: Readonly<Record<string, unknown>>;
  /** Resolves `secrets.<name>` in expressions; values never go into events or logs. */
  readonly secret: (name: string) => string | undefined;
}

export interface PlannedStep {
  readonly key: string;
  readonly nodeId: string;
  readonly type: string;
  /** Params with every expression evaluated. May hold secret values: never log or store them. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly timeoutMs: number;
  readonly idempotent: boolean;
  /** How many times this step has already been attempted. */
  readonly previousAttempts: number;
  /**
   * Wait this long before running the step, in milliseconds: the backoff of a retry
   * (`retryPolicy.backoffMs × backoffFactor^(failedAttempts-1)`, capped by `maxBackoffMs`).
   * Absent on a first attempt. The robot may add jitter.
   */
  readonly retryDelayMs?: number;
  /** The workflow node's `idempotencyKey`, evaluated: pass it to the target so it deduplicates. */
  readonly idempotencyKey?: string;
}

export type NextAction =
  | { readonly kind: 'run'; readonly step: PlannedStep }
  /** A step started but has no outcome and is not idempotent: an operator must decide. */
  | { readonly kind: 'ambiguous'; readonly stepKey: string; readonly nodeId: string; readonly reason: string }
  | { readonly kind: 'complete'; readonly outputs: Readonly<Record<string, unknown>> }
  /**
   * The job fails: a step failed terminally (its retries used up, no catch), `stopWithError` ran,
   * or the engine refused (codes in `engineErrorCodes`). `retryable` says whether another attempt
   * of the job may help: the failed step's own `retryable` (an application exception: a timeout,
   * the network), `stopWithError` of kind `application`; false for the engine's refusals and a
   * business exception, which replay would only repeat.
   */
  | {
      readonly kind: 'fail';
      readonly error: StepError & { readonly nodeId?: string };
      /**
       * Present when the failure is deterministic and the failed node's policy (its own, else the
       * workflow's `defaults`) is `onDeterministicFailure: 'park'`: the step an operator is asked about.
       */
      readonly park?: { readonly stepKey: string; readonly nodeId: string };
    };
