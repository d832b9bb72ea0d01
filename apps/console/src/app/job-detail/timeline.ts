import type { JobHistoryEvent, JobStatus } from '@aether/read-api';

export type AttemptOutcome = 'running' | 'completed' | 'failed' | 'skipped' | 'ambiguous';

/** One run of a step: which robot, when, how it ended. */
export interface StepAttempt {
  readonly attempt: number;
  readonly robotId: string;
  readonly startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  outcome: AttemptOutcome;
  output?: unknown;
  error?: { message: string; code?: string };
  /** What the robot stored when the attempt failed: `screenshot`, `dom`. */
  artifacts?: { kind: string; ref: string }[];
}

/** A heal of the step's selector: what the workflow said, what the healer found. */
export interface StepHeal {
  readonly at: string;
  readonly previousSelector: string;
  readonly healedSelector: string;
  readonly confidence: number;
  readonly applied: boolean;
  readonly screenshotRef?: string;
}

export interface TimelineStep {
  readonly stepKey: string;
  readonly nodeId: string;
  readonly nodeType: string;
  readonly attempts: StepAttempt[];
  readonly heals: StepHeal[];
}

export type TimelineEntry =
  | {
      readonly kind: 'job';
      readonly seq: number;
      readonly at: string;
      readonly title: string;
      readonly detail?: string;
      readonly tone?: 'ok' | 'warn' | 'bad';
    }
  | { readonly kind: 'step'; readonly seq: number; readonly at: string; readonly step: TimelineStep };

/** A job as its event log tells it: the timeline, and the state the controls and header need. */
export interface JobStory {
  readonly entries: TimelineEntry[];
  readonly status?: JobStatus;
  readonly workflowId?: string;
  readonly workflowVersion?: number;
  readonly priority?: number;
  readonly requestedAt?: string;
  readonly robotId?: string;
  readonly variables?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
  /** The step an operator must decide about, while the job needs attention. */
  readonly attention?: { stepKey: string; reason: string };
  readonly cancelRequested: boolean;
  /** Sequence of the last event: the live feed follows from here. */
  readonly lastSequence: number;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const record = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
const artifactsOf = (value: unknown): { kind: string; ref: string }[] =>
  (Array.isArray(value) ? value : []).flatMap((item) => {
    const artifact = record(item);
    const kind = text(artifact?.['kind']);
    const ref = text(artifact?.['ref']);
    return kind && ref ? [{ kind, ref }] : [];
  });

const errorOf = (value: unknown) => {
  const error = record(value);
  const message = text(error?.['message']);
  return message
    ? { message, ...(text(error?.['code']) ? { code: text(error?.['code']) as string } : {}) }
    : undefined;
};

/**
 * Folds a job's history into its story. Steps are grouped by step key with one attempt per
 * `StepStarted`; a `JobStarted` by another robot than the last one is a lease hand-over.
 */
export function buildStory(events: readonly JobHistoryEvent[]): JobStory {
  const entries: TimelineEntry[] = [];
  const steps = new Map<string, TimelineStep>();
  const story: {
    -readonly [K in keyof JobStory]: JobStory[K];
  } = { entries, cancelRequested: false, lastSequence: 0 };
  let holder: string | undefined;
  const job = (event: JobHistoryEvent, title: string, detail?: string, tone?: 'ok' | 'warn' | 'bad') =>
    entries.push({
      kind: 'job',
      seq: event.sequence,
      at: event.occurredAt,
      title,
      ...(detail ? { detail } : {}),
      ...(tone ? { tone } : {}),
    });
  const openAttempt = (stepKey: string) => steps.get(stepKey)?.attempts.at(-1);

  for (const event of events) {
    const data = event.data;
    story.lastSequence = event.sequence;
    if (event.status) story.status = event.status;
    const stepKey = text(data['stepKey']);
    switch (event.type) {
      case 'JobRequested':
        story.workflowId = text(data['workflowId']);
        story.workflowVersion = num(data['workflowVersion']);
        story.priority = num(data['priority']);
        story.requestedAt = event.occurredAt;
        story.variables = record(data['variables']);
        job(
          event,
          'Requested',
          `${text(data['workflowId'])} v${num(data['workflowVersion'])}, priority ${num(data['priority'])}`,
        );
        break;
      case 'JobRejected':
        job(event, 'Rejected', text(data['reason']), 'bad');
        break;
      case 'JobDispatched':
        job(event, 'Placed on a robot', `attempt ${num(data['attempt'])}`);
        break;
      case 'JobStarted': {
        const robotId = text(data['robotId']);
        const resumed = num(data['resumedAfterSteps']) ?? 0;
        const detail = `delivery ${num(data['delivery'])}${resumed ? `, resumed after ${resumed} completed steps` : ''}`;
        if (holder && robotId !== holder)
          job(event, `Lease handed over: ${holder} → ${robotId}`, detail, 'warn');
        else job(event, `Started on ${robotId}`, detail);
        holder = robotId;
        story.robotId = robotId;
        break;
      }
      case 'StepStarted': {
        const key = stepKey ?? '?';
        let step = steps.get(key);
        if (!step) {
          step = {
            stepKey: key,
            nodeId: text(data['nodeId']) ?? key,
            nodeType: text(data['nodeType']) ?? '',
            attempts: [],
            heals: [],
          };
          steps.set(key, step);
          entries.push({ kind: 'step', seq: event.sequence, at: event.occurredAt, step });
        }
        step.attempts.push({
          attempt: num(data['attempt']) ?? step.attempts.length + 1,
          robotId: text(data['robotId']) ?? '',
          startedAt: event.occurredAt,
          outcome: 'running',
        });
        break;
      }
      case 'StepCompleted':
      case 'StepFailed': {
        const attempt = stepKey ? openAttempt(stepKey) : undefined;
        if (!attempt) break;
        attempt.finishedAt = event.occurredAt;
        attempt.durationMs = num(data['durationMs']);
        attempt.outcome = event.type === 'StepCompleted' ? 'completed' : 'failed';
        if (event.type === 'StepCompleted') attempt.output = data['output'];
        else {
          attempt.error = errorOf(data['error']);
          attempt.artifacts = artifactsOf(data['artifacts']);
        }
        break;
      }
      case 'SelectorHealed': {
        const step = stepKey ? steps.get(stepKey) : undefined;
        step?.heals.push({
          at: event.occurredAt,
          previousSelector: text(data['previousSelector']) ?? '',
          healedSelector: text(data['healedSelector']) ?? '',
          confidence: num(data['confidence']) ?? 0,
          applied: data['applied'] === true,
          ...(text(data['screenshotRef']) ? { screenshotRef: text(data['screenshotRef']) } : {}),
        });
        break;
      }
      case 'JobNeedsAttention': {
        const attempt = stepKey ? openAttempt(stepKey) : undefined;
        if (attempt?.outcome === 'running') attempt.outcome = 'ambiguous';
        story.attention = { stepKey: stepKey ?? '', reason: text(data['reason']) ?? '' };
        job(event, `Needs attention at ${stepKey}`, text(data['reason']), 'warn');
        break;
      }
      case 'StepResolved': {
        const action = text(data['action']);
        const attempt = stepKey ? openAttempt(stepKey) : undefined;
        if (attempt && action === 'skip') attempt.outcome = 'skipped';
        story.attention = undefined;
        job(event, `Operator chose to ${action} ${stepKey}`, text(data['note']));
        break;
      }
      case 'JobReleased':
        job(
          event,
          `Released by ${text(data['robotId'])}`,
          `${text(data['reason'])}, after ${num(data['completedSteps'])} steps`,
        );
        holder = undefined;
        break;
      case 'JobRetryScheduled':
        job(event, `Retry ${num(data['attempt'])} scheduled`, errorOf(data['error'])?.message, 'warn');
        holder = undefined;
        break;
      case 'JobRequeued':
        job(event, 'Requeued by an operator', text(data['note']));
        break;
      case 'JobCancelRequested':
        story.cancelRequested = true;
        job(event, 'Cancel requested', text(data['reason']));
        break;
      case 'JobCancelled':
        story.attention = undefined;
        job(event, 'Cancelled', `after ${counted(num(data['completedSteps']), 'step')}`, 'warn');
        break;
      case 'JobCompleted':
        {
          // A workflow that declares no outputs ends with `{}`: no Outputs heading over nothing.
          const outputs = record(data['outputs']);
          if (outputs && Object.keys(outputs).length > 0) story.outputs = outputs;
        }
        job(event, 'Completed', undefined, 'ok');
        break;
      case 'JobFailed':
        story.attention = undefined;
        job(event, 'Failed', errorOf(data['error'])?.message, 'bad');
        break;
      case 'JobDeadLettered':
        job(event, 'Dead-lettered', `after ${counted(num(data['attempts']), 'attempt')}`, 'bad');
        break;
      default:
        job(event, event.type);
    }
  }
  return story;
}

const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|credential|authorization/i;

/** A value for display, with anything under a secret-sounding key masked (events hold references, never values; this is a second guard). */
export function redacted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redacted);
  const object = record(value);
  if (!object) return value;
  return Object.fromEntries(
    Object.entries(object).map(([key, v]) => [
      key,
      SECRET_KEY.test(key) && typeof v !== 'object' ? '••••' : redacted(v),
    ]),
  );
}

/** Which operator controls the job's state allows (the API decides; these are the ones worth offering). */
export function controlsFor(story: JobStory): { cancel: boolean; resolve: boolean } {
  const open =
    story.status !== undefined && !['completed', 'failed', 'cancelled', 'rejected'].includes(story.status);
  return { cancel: open && !story.cancelRequested, resolve: story.status === 'needs_attention' };
}

/** `1 attempt`, `3 attempts`. */
function counted(count: number | undefined, noun: string): string {
  return `${count ?? '?'} ${noun}${count === 1 ? '' : 's'}`;
}
