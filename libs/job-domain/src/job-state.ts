import {
  TERMINAL_JOB_STATUSES,
  type DeadlineConsequence,
  type ErrorInfo,
  type JobEvent,
  type JobStatus,
} from '@aether/contracts';

/** What the job's events say about one step (the shape the workflow engine's `StepHistory` holds). */
export type StepRecord =
  | { readonly status: 'started'; readonly attempt: number }
  | { readonly status: 'completed'; readonly output: unknown }
  | {
      readonly status: 'failed';
      readonly error: { readonly message: string; readonly code?: string; readonly retryable: boolean };
      readonly attempt: number;
    };

/** A job's status, or `new` before its first event (no such job yet). */
export type JobLifecycle = 'new' | JobStatus;

/** What a job's event history says about it; rebuilt by folding, never stored. */
export interface JobState {
  readonly status: JobLifecycle;
  readonly workflowId?: string;
  readonly workflowVersion?: number;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly steps: ReadonlyMap<string, StepRecord>;
  /** Highest attempt number started per step, kept when an operator clears a step for retry. */
  readonly attempts: ReadonlyMap<string, number>;
  readonly completedSteps: number;
  readonly cancelRequested: boolean;
  /** The job's attempt: 1, then one more per retry or requeue. */
  readonly attempt: number;
  /** The attempt the current retry schedule began at: 1, or a requeue's. */
  readonly firstAttempt: number;
  /** The robot that holds the job while it is `running`. */
  readonly robotId?: string;
  /** Why the last attempt failed (`failed`, `retry_scheduled`). */
  readonly error?: ErrorInfo;
  /**
   * A `failed` job the retry policy has not settled yet: it is retried or dead-lettered next,
   * so it is still open (and may be cancelled).
   */
  readonly failureUnsettled: boolean;
  /** The failure was settled for good: listed as a dead letter until an operator requeues it. */
  readonly deadLettered: boolean;
  /** The step an operator is asked about while `needs_attention`. */
  readonly attention?: { readonly stepKey: string; readonly nodeId: string };
  /** When a `retry_scheduled` job may be placed again (ms since the epoch). */
  readonly notBefore?: number;
  /** Finish by (ms since the epoch), and what missing it does (ADR 66). */
  readonly deadline?: number;
  readonly onDeadlineMissed?: DeadlineConsequence;
  /** `JobAtRisk` was recorded. */
  readonly atRisk?: boolean;
  /** `JobDeadlineMissed` was recorded. */
  readonly deadlineMissed?: boolean;
}

export const initialJobState: JobState = {
  status: 'new',
  variables: {},
  steps: new Map(),
  attempts: new Map(),
  completedSteps: 0,
  cancelRequested: false,
  attempt: 1,
  firstAttempt: 1,
  failureUnsettled: false,
  deadLettered: false,
};

/** The one definition of a finished job: its status is final and no retry decision is pending. */
export function isTerminal(state: Pick<JobState, 'status' | 'failureUnsettled'>): boolean {
  return (TERMINAL_JOB_STATUSES as readonly string[]).includes(state.status) && !state.failureUnsettled;
}

type Request = Pick<
  Extract<JobEvent, { type: 'JobRequested' }>['data'],
  'workflowId' | 'workflowVersion' | 'variables' | 'deadline' | 'onDeadlineMissed'
>;

/** What a job's `JobRequested` sets. */
function requested(request: Request) {
  return {
    status: 'pending',
    workflowId: request.workflowId,
    workflowVersion: request.workflowVersion,
    variables: request.variables,
    ...(request.deadline ? { deadline: Date.parse(request.deadline) } : {}),
    ...(request.onDeadlineMissed ? { onDeadlineMissed: request.onDeadlineMissed } : {}),
  } as const;
}

/** The state of a job whose history is its `JobRequested` alone: what a first placement's claim starts from. */
export function requestedJobState(request: Request): JobState {
  return { ...newJobState(), ...requested(request) };
}

export function evolveJob(state: JobState, event: JobEvent): JobState {
  return evolve(state, event, copied);
}

/**
 * `evolveJob` for a state only the caller holds (a robot's claim): the state's maps are written,
 * not copied, so each event costs O(1) however many steps the job has run. Any older state the
 * caller kept shares those maps and changes with them.
 */
export function evolveJobInPlace(state: JobState, event: JobEvent): JobState {
  return evolve(state, event, inPlace);
}

/** Folds a whole history in O(events): its intermediate states are never seen, so their maps are written in place. */
export function foldJob(events: readonly JobEvent[]): JobState {
  let state = newJobState();
  for (const event of events) state = evolve(state, event, inPlace);
  return state;
}

/** `initialJobState` with maps of its own, for a fold to write in place. */
function newJobState(): JobState {
  return { ...initialJobState, steps: new Map(), attempts: new Map() };
}

/** How `evolve` gets a map it may write: a copy, or (folding, or a state only its caller holds) the state's own. */
type Writable = <K, V>(map: ReadonlyMap<K, V>) => Map<K, V>;
const copied: Writable = (map) => new Map(map);
const inPlace: Writable = (map) => map as Map<never, never>;

/** Leaving a robot: whatever held the job does not any more. */
const open = (state: JobState, status: JobStatus): JobState => ({
  ...state,
  status,
  robotId: undefined,
  attention: undefined,
  notBefore: undefined,
});

function evolve(state: JobState, event: JobEvent, writable: Writable): JobState {
  const withStep = (key: string, record: StepRecord): JobState => ({
    ...state,
    steps: writable(state.steps).set(key, record),
  });
  switch (event.type) {
    case 'JobRequested':
      return { ...state, ...requested(event.data) };
    case 'JobRejected':
      return { ...open(state, 'rejected'), workflowId: state.workflowId ?? event.data.workflowId };
    case 'JobDispatched':
      return { ...open(state, 'queued'), attempt: event.data.attempt };
    case 'JobStarted':
      return { ...state, status: 'running', robotId: event.data.robotId, attention: undefined };
    case 'StepStarted': {
      const attempts = writable(state.attempts);
      attempts.set(event.data.stepKey, Math.max(event.data.attempt, attempts.get(event.data.stepKey) ?? 0));
      return {
        ...withStep(event.data.stepKey, { status: 'started', attempt: event.data.attempt }),
        attempts,
      };
    }
    case 'StepCompleted': {
      const again = state.steps.get(event.data.stepKey)?.status === 'completed';
      return {
        ...withStep(event.data.stepKey, { status: 'completed', output: event.data.output }),
        completedSteps: state.completedSteps + (again ? 0 : 1),
      };
    }
    case 'StepFailed': {
      const previous = state.steps.get(event.data.stepKey);
      const attempt = previous && previous.status !== 'completed' ? previous.attempt : 1;
      return withStep(event.data.stepKey, { status: 'failed', error: event.data.error, attempt });
    }
    case 'JobCompleted':
      return open(state, 'completed');
    case 'JobFailed':
      return { ...open(state, 'failed'), error: event.data.error, failureUnsettled: true };
    case 'JobNeedsAttention':
      return {
        ...open(state, 'needs_attention'),
        attention: { stepKey: event.data.stepKey, nodeId: event.data.nodeId },
      };
    case 'StepResolved': {
      if (event.data.action === 'skip') {
        return {
          ...withStep(event.data.stepKey, { status: 'completed', output: { skipped: true } }),
          ...open(state, 'pending'),
          completedSteps: state.completedSteps + 1,
        };
      }
      const steps = writable(state.steps);
      steps.delete(event.data.stepKey);
      return { ...open(state, 'pending'), steps };
    }
    case 'JobReleased':
      return open(state, 'pending');
    case 'JobCancelRequested':
      return { ...state, cancelRequested: true };
    case 'JobCancelled':
      return { ...open(state, 'cancelled'), failureUnsettled: false };
    case 'JobRetryScheduled':
      // Another attempt of a failed job: completed steps stay done, failed ones run again.
      return {
        ...open(state, 'retry_scheduled'),
        steps: withoutFailedSteps(state.steps),
        attempt: event.data.attempt,
        error: event.data.error,
        failureUnsettled: false,
        notBefore: Date.parse(event.data.notBefore),
      };
    case 'JobRequeued':
      return {
        ...open(state, 'pending'),
        steps: withoutFailedSteps(state.steps),
        attempt: event.data.attempt,
        firstAttempt: event.data.attempt,
        failureUnsettled: false,
        deadLettered: false,
      };
    case 'JobDeadLettered':
      return {
        ...open(state, 'failed'),
        error: event.data.error,
        failureUnsettled: false,
        deadLettered: true,
      };
    case 'SelectorHealed':
    case 'StepStalled':
      // Telemetry and audit: the step's outcome comes from the StepFailed / JobNeedsAttention after it.
      return state;
    case 'JobAtRisk':
      return { ...state, atRisk: true };
    case 'JobDeadlineMissed':
      return { ...state, deadlineMissed: true };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

function withoutFailedSteps(steps: ReadonlyMap<string, StepRecord>): ReadonlyMap<string, StepRecord> {
  return new Map([...steps].filter(([, record]) => record.status !== 'failed'));
}
