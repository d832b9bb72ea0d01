import type { TriggerKeyEvent } from '@aether/contracts';

/** The live claim of an `Idempotency-Key`: the request it was first used with and its job. */
export interface TriggerKeyState {
  readonly requestHash: string;
  readonly jobId: string;
  readonly claimedAt: string;
}

/**
 * - `claim`: the key is free (never used, or its claim is older than the retention): start a
 *   new job and claim the key for it.
 * - `replay`: the same request was made with the key: answer with its job.
 * - `conflict`: the key was used with another request (409).
 */
export type TriggerKeyDecision =
  | { readonly kind: 'claim' }
  | { readonly kind: 'replay'; readonly jobId: string }
  | { readonly kind: 'conflict'; readonly jobId: string };

export function evolveTriggerKey(
  _state: TriggerKeyState | undefined,
  event: TriggerKeyEvent,
): TriggerKeyState {
  return { requestHash: event.data.requestHash, jobId: event.data.jobId, claimedAt: event.occurredAt };
}

export function foldTriggerKey(events: readonly TriggerKeyEvent[]): TriggerKeyState | undefined {
  return events.reduce<TriggerKeyState | undefined>(evolveTriggerKey, undefined);
}

/** What a trigger carrying a key does, given the key's state, `now` and the retention in ms. */
export function decideTriggerKey(
  state: TriggerKeyState | undefined,
  requestHash: string,
  now: Date,
  retentionMs: number,
): TriggerKeyDecision {
  if (!state || now.getTime() - Date.parse(state.claimedAt) >= retentionMs) return { kind: 'claim' };
  return state.requestHash === requestHash
    ? { kind: 'replay', jobId: state.jobId }
    : { kind: 'conflict', jobId: state.jobId };
}
