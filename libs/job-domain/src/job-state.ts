import type { JobEvent } from '@aether/contracts';
import type { StepRecord } from '@aether/workflow';

export type JobPhase = 'new' | 'requested' | 'rejected' | 'running' | 'completed' | 'failed';

/** What a job's event history says about it; rebuilt by folding, never stored. */
export interface JobState {
  readonly phase: JobPhase;
  readonly workflowId?: string;
  readonly workflowVersion?: number;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly steps: ReadonlyMap<string, StepRecord>;
  readonly completedSteps: number;
}

export const initialJobState: JobState = { phase: 'new', variables: {}, steps: new Map(), completedSteps: 0 };

export function isTerminal(state: JobState): boolean {
  return state.phase === 'completed' || state.phase === 'failed' || state.phase === 'rejected';
}

export function evolveJob(state: JobState, event: JobEvent): JobState {
  switch (event.type) {
    case 'JobRequested':
      return {
        ...state,
        phase: 'requested',
        workflowId: event.data.workflowId,
        workflowVersion: event.data.workflowVersion,
        variables: event.data.variables,
      };
    case 'JobRejected':
      return { ...state, phase: 'rejected' };
    case 'JobDispatched':
      return state;
    case 'JobStarted':
      return { ...state, phase: 'running' };
    case 'StepStarted':
      return withStep(state, event.data.stepKey, { status: 'started', attempt: event.data.attempt });
    case 'StepCompleted':
      return {
        ...withStep(state, event.data.stepKey, { status: 'completed', output: event.data.output }),
        completedSteps: state.completedSteps + 1,
      };
    case 'StepFailed': {
      const previous = state.steps.get(event.data.stepKey);
      const attempt = previous && previous.status !== 'completed' ? previous.attempt : 1;
      return withStep(state, event.data.stepKey, { status: 'failed', error: event.data.error, attempt });
    }
    case 'JobCompleted':
      return { ...state, phase: 'completed' };
    case 'JobFailed':
      return { ...state, phase: 'failed' };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export function foldJob(events: readonly JobEvent[]): JobState {
  return events.reduce(evolveJob, initialJobState);
}

function withStep(state: JobState, key: string, record: StepRecord): JobState {
  const steps = new Map(state.steps);
  steps.set(key, record);
  return { ...state, steps };
}
