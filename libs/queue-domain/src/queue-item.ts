import type { ErrorInfo, JsonObject, QueueException, QueueItemEvent } from '@aether/contracts';

export type QueueItemStatus = 'new' | 'in-progress' | 'successful' | 'failed' | 'abandoned' | 'retried';

/** An item as its events leave it. `undefined` fields belong to statuses that have not happened. */
export interface QueueItemState {
  readonly status: QueueItemStatus | 'absent';
  readonly queue?: string;
  readonly reference?: string;
  readonly payload?: JsonObject;
  readonly priority?: number;
  readonly deadline?: string;
  readonly addedAt?: string;
  readonly maxRetries: number;
  /** Who added it: the API, or a workflow's job (`queue.add`). */
  readonly addedBy?: { readonly kind: 'api' | 'workflow'; readonly jobId?: string };
  /** Attempts started so far. */
  readonly attempts: number;
  /** The job and step holding the item while it is in progress, or that last held it. */
  readonly jobId?: string;
  readonly stepKey?: string;
  readonly robotId?: string;
  readonly output?: JsonObject;
  readonly error?: { readonly exception: QueueException | 'released' | 'deadline'; readonly message: string };
  /** When the current (or last) attempt started and when the item ended, from the events' times. */
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** `QueueItemAtRisk` was raised. */
  readonly atRisk?: boolean;
  /** `QueueItemDeadlineMissed` was raised. */
  readonly deadlineMissed?: boolean;
}

export const initialQueueItemState: QueueItemState = { status: 'absent', maxRetries: 0, attempts: 0 };

export type QueueItemCommand =
  | {
      readonly type: 'AddItem';
      readonly queue: string;
      readonly reference: string;
      readonly payload: JsonObject;
      readonly priority: number;
      readonly deadline?: string;
      readonly maxRetries: number;
      readonly addedBy: { readonly kind: 'api' | 'workflow'; readonly jobId?: string };
    }
  | { readonly type: 'StartItem'; readonly jobId: string; readonly stepKey: string; readonly robotId: string }
  | { readonly type: 'CompleteItem'; readonly jobId: string; readonly output: JsonObject }
  | {
      readonly type: 'FailItem';
      readonly jobId: string;
      readonly exception: QueueException;
      readonly message: string;
    }
  | { readonly type: 'ReleaseItem'; readonly jobId: string; readonly reason: string }
  | { readonly type: 'FlagAtRisk'; readonly predictedFinish: string; readonly ahead: number }
  | { readonly type: 'MissDeadline'; readonly now: string; readonly consequence: 'keep' | 'fail' };

/** The facts a command produces, as `{type, data}`; the shell wraps them in envelopes. */
export type QueueItemFact = {
  readonly [E in QueueItemEvent as E['type']]: { type: E['type']; data: E['data'] };
}[QueueItemEvent['type']];

/** A command the item's state refuses; terminal, never retried. */
export class QueueItemRejected extends Error {
  override readonly name = 'QueueItemRejected';
  readonly retryable = false;
  constructor(
    readonly code: 'DuplicateReference' | 'NotAvailable' | 'NotHeld',
    message: string,
  ) {
    super(message);
  }

  toErrorInfo(): ErrorInfo {
    return { message: this.message, code: this.code, retryable: false };
  }
}

const TAKEABLE: ReadonlySet<QueueItemState['status']> = new Set(['new', 'retried']);

export function isTakeable(state: QueueItemState): boolean {
  return TAKEABLE.has(state.status);
}

/** True when another attempt is allowed after the current one. */
function attemptsLeft(state: QueueItemState): boolean {
  return state.attempts < 1 + state.maxRetries;
}

/**
 * The item's rules. Every command that repeats what already happened (the same step taking its
 * item again, a completion sent twice) decides nothing, so shells may retry freely.
 * @throws QueueItemRejected when the state refuses the command.
 */
export function decideQueueItem(state: QueueItemState, command: QueueItemCommand): QueueItemFact[] {
  switch (command.type) {
    case 'AddItem': {
      // A `queue.add` step re-run after its robot died finds the item its own job added.
      if (
        state.status !== 'absent' &&
        command.addedBy.jobId !== undefined &&
        state.addedBy?.jobId === command.addedBy.jobId
      )
        return [];
      if (state.status !== 'absent')
        throw new QueueItemRejected(
          'DuplicateReference',
          `reference ${command.reference} is already in queue ${command.queue} (status ${state.status})`,
        );
      const { type: _type, ...data } = command;
      return [{ type: 'QueueItemAdded', data }];
    }
    case 'StartItem': {
      if (
        state.status === 'in-progress' &&
        state.jobId === command.jobId &&
        state.stepKey === command.stepKey
      )
        return [];
      if (!isTakeable(state))
        throw new QueueItemRejected('NotAvailable', `item is ${state.status}, not waiting`);
      return [
        {
          type: 'QueueItemStarted',
          data: {
            jobId: command.jobId,
            stepKey: command.stepKey,
            robotId: command.robotId,
            attempt: state.attempts + 1,
          },
        },
      ];
    }
    case 'CompleteItem': {
      if (state.status === 'successful' && state.jobId === command.jobId) return [];
      assertHeld(state, command.jobId);
      return [{ type: 'QueueItemCompleted', data: { jobId: command.jobId, output: command.output } }];
    }
    case 'FailItem': {
      if (
        (state.status === 'failed' || state.status === 'retried') &&
        state.jobId === command.jobId &&
        state.error?.exception === command.exception
      )
        return [];
      assertHeld(state, command.jobId);
      const retried = command.exception === 'application' && attemptsLeft(state);
      return [
        {
          type: 'QueueItemFailed',
          data: { jobId: command.jobId, exception: command.exception, message: command.message, retried },
        },
      ];
    }
    case 'FlagAtRisk': {
      if (state.atRisk || !state.deadline || isFinal(state)) return [];
      if (Date.parse(command.predictedFinish) <= Date.parse(state.deadline)) return [];
      return [
        {
          type: 'QueueItemAtRisk',
          data: { deadline: state.deadline, predictedFinish: command.predictedFinish, ahead: command.ahead },
        },
      ];
    }
    case 'MissDeadline': {
      if (state.deadlineMissed || !state.deadline || isFinal(state)) return [];
      if (Date.parse(command.now) <= Date.parse(state.deadline)) return [];
      return [
        {
          type: 'QueueItemDeadlineMissed',
          data: { deadline: state.deadline, consequence: command.consequence },
        },
      ];
    }
    case 'ReleaseItem': {
      if (state.status !== 'in-progress' || state.jobId !== command.jobId) return [];
      return [
        {
          type: 'QueueItemReleased',
          data: { jobId: command.jobId, reason: command.reason, retried: attemptsLeft(state) },
        },
      ];
    }
  }
}

const FINAL: ReadonlySet<QueueItemState['status']> = new Set(['successful', 'failed', 'abandoned', 'absent']);

function isFinal(state: QueueItemState): boolean {
  return FINAL.has(state.status);
}

function assertHeld(state: QueueItemState, jobId: string): void {
  if (state.status !== 'in-progress' || state.jobId !== jobId)
    throw new QueueItemRejected(
      'NotHeld',
      `item is ${state.status}${state.jobId ? ` (last held by job ${state.jobId})` : ''}, not held by job ${jobId}`,
    );
}

export function evolveQueueItem(state: QueueItemState, event: QueueItemEvent): QueueItemState {
  switch (event.type) {
    case 'QueueItemAdded': {
      const { queue, reference, payload, priority, deadline, maxRetries, addedBy } = event.data;
      return {
        ...initialQueueItemState,
        status: 'new',
        queue,
        reference,
        payload,
        priority,
        ...(deadline ? { deadline } : {}),
        addedAt: event.occurredAt,
        maxRetries,
        addedBy,
      };
    }
    case 'QueueItemStarted':
      return {
        ...state,
        status: 'in-progress',
        startedAt: event.occurredAt,
        attempts: event.data.attempt,
        jobId: event.data.jobId,
        stepKey: event.data.stepKey,
        robotId: event.data.robotId,
      };
    case 'QueueItemCompleted':
      return { ...state, status: 'successful', output: event.data.output, finishedAt: event.occurredAt };
    case 'QueueItemFailed':
      return {
        ...state,
        status: event.data.retried ? 'retried' : 'failed',
        error: { exception: event.data.exception, message: event.data.message },
      };
    case 'QueueItemAtRisk':
      return { ...state, atRisk: true };
    case 'QueueItemDeadlineMissed':
      return event.data.consequence === 'fail'
        ? {
            ...state,
            deadlineMissed: true,
            status: 'failed',
            finishedAt: event.occurredAt,
            error: { exception: 'deadline', message: `deadline ${event.data.deadline} missed` },
          }
        : { ...state, deadlineMissed: true };
    case 'QueueItemReleased':
      return {
        ...state,
        status: event.data.retried ? 'retried' : 'abandoned',
        error: { exception: 'released', message: `job ${event.data.jobId} ended (${event.data.reason})` },
      };
  }
}

export function foldQueueItem(events: readonly QueueItemEvent[]): QueueItemState {
  return events.reduce(evolveQueueItem, initialQueueItemState);
}
