import type { NextAction, RunContext, StepError, StepHistory, StepRecord, Workflow } from '../contract';
import { planNext } from '../engine';
import { parseWorkflow } from '../validate';

/** One recorded fact about a step, as the robot folds it from the job's events. */
export type HistoryEntry = readonly [key: string, record: StepRecord];

export const completed = (key: string, output: unknown = {}): HistoryEntry => [
  key,
  { status: 'completed', output },
];
export const started = (key: string, attempt = 1): HistoryEntry => [key, { status: 'started', attempt }];
export const failed = (
  key: string,
  error: Partial<StepError> & { message: string },
  attempt = 1,
): HistoryEntry => [key, { status: 'failed', error: { retryable: false, ...error }, attempt }];

export type Decide = (history: StepHistory) => NextAction;

/** A decider bound to one workflow and run context: `given(history).when(plan(...)).then(action)`. */
export function plan(
  workflow: Workflow | unknown,
  context: Partial<RunContext> & { secrets?: Record<string, string> } = {},
): Decide {
  const parsed = parseWorkflow(workflow);
  if (!parsed.ok)
    throw new Error(
      `test workflow is invalid:\n${parsed.problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`,
    );
  const secrets = context.secrets ?? {};
  const run: RunContext = {
    variables: context.variables ?? {},
    secret: context.secret ?? ((name) => secrets[name]),
  };
  return (history) => planNext(parsed.workflow, run, history);
}

export function given(...entries: readonly HistoryEntry[]) {
  const history: StepHistory = new Map(entries);
  return {
    when(decide: Decide) {
      const action = decide(history);
      // The decider is pure: a replay of the same history must give the same answer.
      expect(decide(new Map(entries))).toEqual(action);
      return {
        then(expected: NextAction | ((action: NextAction) => void)): NextAction {
          if (typeof expected === 'function') expected(action);
          else expect(action).toEqual(expected);
          return action;
        },
      };
    },
  };
}

/** Asserts a `run` action and returns its step. */
export function runStep(action: NextAction) {
  if (action.kind !== 'run') throw new Error(`expected a run action, got ${JSON.stringify(action)}`);
  return action.step;
}

/**
 * A fake robot: plans and "runs" steps until the job completes, fails or needs an
 * operator, recording outputs from `outputFor`. Returns the keys run and the final action.
 */
export function drive(
  decide: Decide,
  outputFor: (
    key: string,
    type: string,
    params: Readonly<Record<string, unknown>>,
  ) => StepRecord | unknown = () => ({}),
  limit = 10_000,
) {
  const history = new Map<string, StepRecord>();
  const keys: string[] = [];
  for (let i = 0; i < limit; i++) {
    const action = decide(history);
    if (action.kind !== 'run') return { keys, action, history };
    keys.push(action.step.key);
    const result = outputFor(action.step.key, action.step.type, action.step.params);
    const isRecord = typeof result === 'object' && result !== null && 'status' in result;
    history.set(action.step.key, isRecord ? (result as StepRecord) : { status: 'completed', output: result });
  }
  throw new Error('drive: step limit reached');
}
