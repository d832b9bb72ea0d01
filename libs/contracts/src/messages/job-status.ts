/**
 * A job's lifecycle, in the words the decider folds it to, the projection stores and the API and
 * console show. Defined once, here, because the wire (the API) carries it.
 *
 * - `pending`: waiting to be placed on a robot (new, released, resolved or requeued).
 * - `queued`: placed on a robot's subject, not started yet.
 * - `running`: a robot holds the job's lease.
 * - `retry_scheduled`: an attempt failed; the next one is placed once its delay has passed.
 * - `needs_attention`: a step's outcome is unknown (or a heal waits for approval): an operator decides.
 * - `completed`, `rejected`, `cancelled`: final.
 * - `failed`: the last attempt failed. Final once the retry policy has decided it is not retried
 *   (dead-lettered); an operator may still requeue a dead-lettered job.
 */
export const JOB_STATUSES = [
  'pending',
  'rejected',
  'queued',
  'retry_scheduled',
  'running',
  'needs_attention',
  'completed',
  'failed',
  'cancelled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses no automatic step leaves (`failed`: once the retry policy has settled it). */
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'rejected', 'cancelled'];
