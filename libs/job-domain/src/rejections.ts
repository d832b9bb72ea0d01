import type { JobLifecycle } from './job-state';

/**
 * Why a command was refused. A rejection is an answer, not an error: the caller maps it (the
 * gateway to 404 / 409, the dispatcher to "leave it", the robot to "this claim is over").
 */
export type RejectionCode =
  /** There is no such job. */
  | 'not_found'
  /** A job with this id was requested already. */
  | 'already_requested'
  /** The job is finished (completed, failed for good, rejected, cancelled). */
  | 'finished'
  /** The command answers `needs_attention`, and the job is not waiting for an operator. */
  | 'not_waiting_for_operator'
  /** The job waits for an operator; no robot may run it meanwhile. */
  | 'waiting_for_operator'
  /** Only a dead-lettered job can be requeued. */
  | 'not_dead_lettered'
  /** The command needs a robot running the job. */
  | 'not_running'
  /** The job is not waiting to be placed. */
  | 'not_waiting_for_a_robot'
  /** The retry's delay has not passed yet. */
  | 'retry_not_due'
  /** The step's outcome needs the step started (and not completed) first. */
  | 'step_not_started'
  | 'step_completed'
  /** No failed attempt waits for the retry policy. */
  | 'no_failure_to_settle'
  /** The failure is recorded already; the retry policy decides what follows. */
  | 'already_failed'
  /** The job carries no deadline. */
  | 'no_deadline'
  /** The job's deadline has not passed yet. */
  | 'deadline_not_passed';

export interface JobRejection {
  readonly code: RejectionCode;
  /** A sentence for a person (an API answer, a log line). */
  readonly reason: string;
  /** The job's status when it was refused. */
  readonly status: JobLifecycle;
}
