import {
  createPlanner,
  type NextAction,
  type RunContext,
  type StepError,
  type StepRecord,
  type Workflow,
} from '@aether/workflow';
import type { Page } from 'playwright-core';
import { InMemoryArtifacts, type ArtifactStore } from '../artifacts/artifact-store';
import type { BrowserLease, BrowserPool } from '../browser/browser-pool';
import { captureFailureArtifacts, type FailureArtifact } from '../browser/failure-artifacts';
import type { NodeContext, NodeHandler, NodeLogger } from '../contract';
import { NodeCancelledError, toNodeError } from '../errors';
import { LAST_WORD_MS } from '../shared/abort';

export interface RunLocallyOptions {
  /** A workflow that passed `parseWorkflow`. */
  readonly workflow: Workflow;
  readonly variables?: Readonly<Record<string, unknown>>;
  readonly secrets?: Readonly<Record<string, string>>;
  readonly handlers: ReadonlyMap<string, NodeHandler>;
  /** Where browser steps get their page (one lease for the run, released at the end). Absent: browser steps fail. */
  readonly browser?: BrowserPool;
  /** Default: a fresh `InMemoryArtifacts`. */
  readonly artifacts?: ArtifactStore;
  /** Default `local-<random>`. */
  readonly jobId?: string;
  readonly tenantId?: string;
  /** Cancels the run; the current step is aborted. */
  readonly signal?: AbortSignal;
  /** Steps run before the runner gives up on a workflow that never ends. Default `10000`. */
  readonly maxSteps?: number;
  readonly log?: NodeLogger;
}

/** One step as it ran, in order; `failureArtifacts` for failed browser steps. */
export interface LocalStepRun {
  readonly key: string;
  readonly nodeId: string;
  readonly type: string;
  readonly attempt: number;
  readonly outcome: StepRecord;
  readonly failureArtifacts?: readonly FailureArtifact[];
}

export type LocalRunResult = {
  readonly steps: readonly LocalStepRun[];
  readonly history: ReadonlyMap<string, StepRecord>;
} & (
  | { readonly status: 'completed'; readonly outputs: Readonly<Record<string, unknown>> }
  | { readonly status: 'failed'; readonly error: Extract<NextAction, { kind: 'fail' }>['error'] }
  | {
      readonly status: 'ambiguous';
      readonly stepKey: string;
      readonly nodeId: string;
      readonly reason: string;
    }
);

const quietLog: NodeLogger = { info: () => undefined, warn: () => undefined };

/**
 * Runs a workflow in this process the way a robot does — plan the next step, run it
 * through its handler, record the outcome, again — minus events, leases and heartbeats.
 * Step outputs go through JSON as they would through events.
 */
export async function runLocally(options: RunLocallyOptions): Promise<LocalRunResult> {
  const jobId = options.jobId ?? `local-${Math.random().toString(36).slice(2, 10)}`;
  const artifacts = options.artifacts ?? new InMemoryArtifacts();
  const secrets = options.secrets ?? {};
  const runContext: RunContext = { variables: options.variables ?? {}, secret: (name) => secrets[name] };
  const history = new Map<string, StepRecord>();
  const planner = createPlanner(options.workflow, runContext);
  const steps: LocalStepRun[] = [];
  const outer = options.signal ?? new AbortController().signal;
  const maxSteps = options.maxSteps ?? 10_000;
  let lease: BrowserLease | undefined;
  const page = async (): Promise<Page> => {
    if (options.browser === undefined) throw new Error('runLocally was given no browser pool');
    lease ??= await options.browser.acquire(jobId, { signal: outer });
    lease.renew();
    return lease.page();
  };

  try {
    for (let count = 0; ; count++) {
      const action = planner.next(history);
      switch (action.kind) {
        case 'complete':
          return { status: 'completed', outputs: action.outputs, steps, history };
        case 'fail':
          return { status: 'failed', error: action.error, steps, history };
        case 'ambiguous':
          return {
            status: 'ambiguous',
            stepKey: action.stepKey,
            nodeId: action.nodeId,
            reason: action.reason,
            steps,
            history,
          };
        case 'run':
          break;
        default: {
          const _exhaustive: never = action;
          return _exhaustive;
        }
      }
      if (count >= maxSteps)
        throw new Error(`runLocally stopped after ${maxSteps} steps; the workflow does not end`);
      if (outer.aborted) throw new NodeCancelledError('The local run was cancelled', { cause: outer.reason });

      const { step } = action;
      const attempt = step.previousAttempts + 1;
      history.set(step.key, { status: 'started', attempt });
      // As the robot's watchdog does, the handler's own finding is waited for a moment past the
      // step's time: a missing element reported late on a busy machine is still missing.
      const signals = [
        outer,
        ...(step.timeoutMs > 0 ? [AbortSignal.timeout(step.timeoutMs + LAST_WORD_MS)] : []),
      ];
      const context: NodeContext = {
        tenantId: options.tenantId ?? 'default',
        jobId,
        stepKey: step.key,
        ...(step.idempotencyKey !== undefined ? { idempotencyKey: step.idempotencyKey } : {}),
        signal: AbortSignal.any(signals),
        ...(step.timeoutMs > 0 ? { timeoutMs: step.timeoutMs } : {}),
        page,
        storeArtifact: (kind, name, bytes) =>
          artifacts.put(kind, `${jobId}/${step.key}/attempt-${attempt}/${name}`, bytes),
        readArtifact: (ref) => artifacts.get(ref),
        log: options.log ?? quietLog,
      };
      let outcome: StepRecord;
      let failureArtifacts: FailureArtifact[] | undefined;
      try {
        const handler = options.handlers.get(step.type);
        if (handler === undefined) throw new Error(`No handler for node type "${step.type}"`);
        outcome = {
          status: 'completed',
          output: JSON.parse(JSON.stringify(await handler.execute(step.params, context))) as unknown,
        };
      } catch (thrown) {
        const error = toNodeError(thrown);
        const stepError: StepError = { message: error.message, code: error.code, retryable: error.retryable };
        outcome = { status: 'failed', error: stepError, attempt };
        if (step.type.startsWith('browser.') && lease !== undefined) {
          failureArtifacts = await captureFailureArtifacts(await lease.page(), artifacts, {
            name: `${jobId}/${step.key}/attempt-${attempt}`,
          }).catch(() => []);
        }
      }
      history.set(step.key, outcome);
      steps.push({
        key: step.key,
        nodeId: step.nodeId,
        type: step.type,
        attempt,
        outcome,
        ...(failureArtifacts ? { failureArtifacts } : {}),
      });
    }
  } finally {
    await lease?.release();
  }
}
