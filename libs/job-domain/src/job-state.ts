import type { JobEvent } from '@aether/contracts';

/** What the job's events say about one step (the shape the workflow engine's `StepHistory` holds). */
export type StepRecord =
  | { readonly status: 'started'; readonly attempt: number }
  | { readonly status: 'completed'; readonly output: unknown }
  | {
      readonly status: 'failed';
      readonly error: { readonly message: string; readonly code?: string; readonly retryable: boolean };
      readonly attempt: number;
    };

export type JobPhase =
  'new' | 'requested' | 'rejected' | 'running' | 'needs_attention' | 'completed' | 'failed' | 'cancelled';

/** What a job's event history says about it; rebuilt by folding, never stored. */
export interface JobState {
  readonly phase: JobPhase;
  readonly workflowId?: string;
  readonly workflowVersion?: number;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly steps: ReadonlyMap<string, StepRecord>;
  /** Highest attempt number started per step, kept when an operator clears a step for retry. */
  readonly attempts: ReadonlyMap<string, number>;
  readonly completedSteps: number;
  readonly cancelRequested: boolean;
}

export const initialJobState: JobState = {
  phase: 'new',
  variables: {},
  steps: new Map(),
  attempts: new Map(),
  completedSteps: 0,
  cancelRequested: false,
};

export function isTerminal(state: JobState): boolean {
  return ['completed', 'failed', 'rejected', 'cancelled'].includes(state.phase);
}

type Request = Pick<
  Extract<JobEvent, { type: 'JobRequested' }>['data'],
  'workflowId' | 'workflowVersion' | 'variables'
>;

/** What a job's `JobRequested` sets. */
function requested(request: Request) {
  return {
    phase: 'requested',
    workflowId: request.workflowId,
    workflowVersion: request.workflowVersion,
    variables: request.variables,
  } as const;
}

/** The state of a job whose history is its `JobRequested` and a dispatch: what `foldJob` gives for it. */
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

function evolve(state: JobState, event: JobEvent, writable: Writable): JobState {
  const withStep = (key: string, record: StepRecord): JobState => ({
    ...state,
    steps: writable(state.steps).set(key, record),
  });
  switch (event.type) {
    case 'JobRequested':
      return { ...state, ...requested(event.data) };
    case 'JobRejected':
      return { ...state, phase: 'rejected' };
    case 'JobDispatched':
      return state;
    case 'JobStarted':
      return { ...state, phase: 'running' };
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
      return { ...state, phase: 'completed' };
    case 'JobFailed':
      return { ...state, phase: 'failed' };
    case 'JobNeedsAttention':
      return { ...state, phase: 'needs_attention' };
    case 'StepResolved': {
      if (event.data.action === 'skip') {
        return {
          ...withStep(event.data.stepKey, { status: 'completed', output: { skipped: true } }),
          phase: 'requested',
          completedSteps: state.completedSteps + 1,
        };
      }
      const steps = writable(state.steps);
      steps.delete(event.data.stepKey);
      return { ...state, steps, phase: 'requested' };
    }
    case 'JobReleased':
      return state;
    case 'JobCancelRequested':
      return { ...state, cancelRequested: true };
    case 'JobCancelled':
      return { ...state, phase: 'cancelled' };
    case 'JobRetryScheduled':
    case 'JobRequeued':
      // Another attempt of a failed job: completed steps stay done, failed ones run again.
      return { ...state, steps: withoutFailedSteps(state.steps), phase: 'requested' };
    case 'JobDeadLettered':
      return state;
    case 'SelectorHealed':
      // Telemetry and audit: the step's outcome still comes from StepCompleted / StepFailed.
      return state;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

function withoutFailedSteps(steps: ReadonlyMap<string, StepRecord>): ReadonlyMap<string, StepRecord> {
  return new Map([...steps].filter(([, record]) => record.status !== 'failed'));
}
