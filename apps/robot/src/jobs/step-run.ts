import type { ErrorInfo } from '@aether/contracts';
import { HealApprovalNeededError, NoHandlerError, type NodeContext, type NodeOutput } from '@aether/nodes';
import type { Logger } from '@aether/service-kit';
import { recordFailure, withSpan } from '@aether/telemetry';
import type { PlannedStep } from '@aether/workflow';
import { abortableDelay, type ClaimLog } from './claim-log';
import {
  stallLimit,
  stepEnding,
  watched,
  within,
  type HandlerAnswer,
  type StallLimit,
} from './stall-watchdog';
import type { BrowserSession, Claim, JobRunnerDeps, StepHooks } from './runner-ports';

/** Everything one step of a claim runs with. */
export interface StepScope {
  readonly step: PlannedStep;
  readonly claim: Claim;
  readonly log: ClaimLog;
  readonly browser: BrowserSession;
  readonly logger: Logger;
  readonly hooks: StepHooks;
}

type StepDeps = Pick<
  JobRunnerDeps,
  'handlers' | 'robotId' | 'storeArtifact' | 'readArtifact' | 'captureFailure' | 'captureStalled'
> & { readonly now: () => number };

/**
 * Runs one planned step: `StartStep`, the node's handler, then `CompleteStep` or `FailStep`, each
 * decided and committed through the claim's log. A heal waiting for approval parks the job instead.
 */
export function runStep(deps: StepDeps, scope: StepScope): Promise<'parked' | undefined> {
  const { step, claim, log } = scope;
  const attributes = {
    'aether.node.type': step.type,
    'aether.step.key': step.key,
    'aether.step.attempt': Math.max(step.previousAttempts + 1, (log.state.attempts.get(step.key) ?? 0) + 1),
    'aether.robot.id': deps.robotId,
  };
  return withSpan(`step ${step.type}`, { attributes }, async (span) => {
    if (step.retryDelayMs)
      await abortableDelay(step.retryDelayMs, AbortSignal.any([claim.cancelled, claim.stopping]));
    const { key: stepKey, nodeId } = step;
    await log.append({
      type: 'StartStep',
      data: {
        stepKey,
        nodeId,
        nodeType: step.type,
        robotId: deps.robotId,
        minAttempt: step.previousAttempts + 1,
      },
    });
    const started = deps.now();
    const handler = deps.handlers.get(step.type);
    const limit = stallLimit(step, claim.work.data.stallLimitsMs?.[nodeId]);
    const answer: HandlerAnswer<NodeOutput> = handler
      ? await watched(limit, (watchdog) =>
          handler.execute(step.params as Record<string, unknown>, {
            ...nodeContext(deps, scope, AbortSignal.any([watchdog, claim.abortStep, claim.cancelled])),
            stall: { limitMs: limit.ms, idempotent: step.idempotent },
          }),
        )
      : { kind: 'threw', error: new NoHandlerError(step.type) };
    const ending = stepEnding(answer);
    if (ending.kind === 'stall') return stall(deps, scope, limit, deps.now() - started);
    if (ending.kind === 'complete') {
      await log.append({
        type: 'CompleteStep',
        data: { stepKey, nodeId, output: toJson(ending.output), durationMs: deps.now() - started },
      });
      return undefined;
    }
    const { error } = ending;
    if (error instanceof HealApprovalNeededError) {
      // heal-and-pause: the proposed heal is recorded; the step waits for an operator, unfailed.
      await log.finish({
        type: 'ParkJob',
        data: { stepKey, nodeId, reason: error.message, robotId: deps.robotId },
      });
      scope.logger.warn(
        { step: stepKey, reason: error.message },
        'job needs attention: heal waits for approval',
      );
      return 'parked';
    }
    recordFailure(span, error);
    const artifacts = await failureArtifacts(deps, scope);
    await log.append({
      type: 'FailStep',
      data: {
        stepKey,
        nodeId,
        error: errorInfo(error instanceof Error ? error : new Error(String(error))),
        durationMs: deps.now() - started,
        ...(artifacts.length ? { artifacts } : {}),
      },
    });
    scope.logger.warn({ step: stepKey, error: (error as Error).message }, 'step failed');
    return undefined;
  });
}

/**
 * How long a stalled step's screenshot, then its teardown, may take before the robot commits the
 * stall without them (they go on in the background): with the watchdog's `LAST_WORD_MS`, detection
 * stays within limit + 5 s. The session forgets its context at once, so the next browser step opens
 * a fresh one either way.
 */
const SCREENSHOT_MS = 2_500;
const TEARDOWN_MS = 1_000;

/**
 * The step stalled (ADR 61, 82): its screenshot (a browser or desktop step) is kept, its
 * browser context torn down, and the decider records `StepStalled` with what follows — the step
 * fails retryably (idempotent: the plan runs it again) or the job waits for an operator.
 */
async function stall(
  deps: StepDeps,
  scope: StepScope,
  limit: StallLimit,
  elapsedMs: number,
): Promise<'parked' | undefined> {
  const { step, log } = scope;
  const artifacts = (await within(SCREENSHOT_MS, stallScreenshot(deps, scope))) ?? [];
  if (step.type.startsWith('browser.')) await within(TEARDOWN_MS, scope.browser.close());
  const command = {
    type: 'StallStep',
    data: {
      stepKey: step.key,
      nodeId: step.nodeId,
      nodeType: step.type,
      robotId: deps.robotId,
      elapsedMs,
      limitMs: limit.ms,
      basis: limit.basis,
      detectedBy: 'robot',
      idempotent: step.idempotent,
      ...(artifacts.length ? { artifacts } : {}),
    },
  } as const;
  scope.logger.warn({ step: step.key, elapsedMs, limit }, 'step stalled');
  if (step.idempotent) {
    await log.append(command);
    return undefined;
  }
  await log.finish(command);
  return 'parked';
}

async function stallScreenshot(deps: StepDeps, scope: StepScope): Promise<{ kind: string; ref: string }[]> {
  const { step, claim } = scope;
  try {
    if (step.type.startsWith('browser.') && deps.captureStalled) {
      const name = `${claim.work.tenantId}/${claim.work.aggregateId}/${attemptKey(scope)}/stalled`;
      return await deps.captureStalled(await scope.browser.page(), name);
    }
    const grab = step.type.startsWith('desktop.') ? deps.handlers.get('desktop.screenshot') : undefined;
    if (!grab) return [];
    const shot = await grab.execute(
      {},
      nodeContext(
        deps,
        { ...scope, step: { ...step, key: `${attemptKey(scope)}/stalled` } },
        AbortSignal.timeout(SCREENSHOT_MS),
      ),
    );
    const ref = (shot as { ref?: unknown } | undefined)?.ref;
    return typeof ref === 'string' ? [{ kind: 'screenshot', ref }] : [];
  } catch (error) {
    scope.logger.warn({ err: error }, 'could not capture the stalled step');
    return [];
  }
}

/**
 * Where a step attempt's artifacts are named (a node's, a failure's, a stall's): each attempt keeps
 * its own, as its events refer to them, and a robot may not purge an object's old chunks to
 * replace it (ADR 76, 88).
 */
function attemptKey({ step, log }: StepScope): string {
  return `${step.key}/attempt-${log.state.attempts.get(step.key) ?? 1}`;
}

function nodeContext(deps: StepDeps, scope: StepScope, signal: AbortSignal): NodeContext {
  const { step, browser } = scope;
  const { tenantId, aggregateId: jobId } = scope.claim.work;
  const stepLog = scope.logger.child({ step: step.key });
  return {
    tenantId,
    jobId,
    stepKey: step.key,
    ...(step.idempotencyKey !== undefined ? { idempotencyKey: step.idempotencyKey } : {}),
    signal,
    timeoutMs: step.timeoutMs,
    page: () => browser.page(),
    storeArtifact: (kind, name, bytes) =>
      deps.storeArtifact(kind, `${tenantId}/${jobId}/${attemptKey(scope)}/${name}`, bytes),
    ...(deps.readArtifact ? { readArtifact: deps.readArtifact } : {}),
    ...scope.hooks,
    log: {
      info: (message, fields) => stepLog.info(fields ?? {}, message),
      warn: (message, fields) => stepLog.warn(fields ?? {}, message),
    },
  };
}

async function failureArtifacts(deps: StepDeps, scope: StepScope) {
  const { step, browser, claim } = scope;
  if (!step.type.startsWith('browser.') || !deps.captureFailure) return [];
  try {
    return await deps.captureFailure(
      await browser.page(),
      `${claim.work.tenantId}/${claim.work.aggregateId}/${attemptKey(scope)}/failure`,
    );
  } catch (error) {
    scope.logger.warn({ err: error }, 'could not capture failure artifacts');
    return [];
  }
}

/**
 * A failure as the job records it. Handlers classify their failures where they arise
 * (`NodeError`: a code, retryable or not); anything unclassified — a plain `Error`, a crashed
 * browser — is retryable, since the robot cannot tell it would happen again (ADR 29).
 */
export function errorInfo(error: {
  message: string;
  name?: string;
  code?: unknown;
  retryable?: boolean;
}): ErrorInfo {
  const code =
    typeof error.code === 'string'
      ? error.code
      : error.name && error.name !== 'Error'
        ? error.name
        : undefined;
  return {
    message: String(error.message).slice(0, 4000),
    ...(code ? { code: code.slice(0, 100) } : {}),
    retryable: error.retryable ?? true,
  };
}

export function toJson(value: NodeOutput | Readonly<Record<string, unknown>>): never {
  return JSON.parse(JSON.stringify(value ?? null)) as never;
}
