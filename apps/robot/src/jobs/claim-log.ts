import { randomBytes } from 'node:crypto';
import { JOB_EVENTS, MessageRegistry, type JobEvent, type WorkMessage } from '@aether/contracts';
import { ConcurrencyError, type EventStore } from '@aether/event-store';
import {
  decide,
  evolveJob,
  evolveJobInPlace,
  type JobCommand,
  type JobRejection,
  type JobState,
} from '@aether/job-domain';
import type { Logger } from '@aether/service-kit';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);

/** How long an append keeps retrying through a NATS outage before the claim is given up. */
const APPEND_RETRY_MS = 60_000;

/** A command of the claim as the runner asks it: the log adds who asks, when, and the position's id. */
export type ClaimCommand = {
  [T in JobCommand['type']]: Omit<Extract<JobCommand, { type: T }>, 'meta'>;
}[JobCommand['type']];

/** A job's state and the stream sequence it was read at: what the next append is guarded by. */
export interface JobPosition {
  readonly state: JobState;
  readonly sequence: number;
}

/** The decider refused a command of the claim: the claim's view of the job is wrong; it is redelivered. */
export class ClaimRefused extends Error {
  constructor(readonly rejection: JobRejection) {
    super(rejection.reason);
  }
}

/**
 * Another writer's commit took the position this claim's was guarded by: the claim is fenced.
 * `takenOverBy` says whose, as the log shows it (another robot, another claim of this one, a placement).
 */
export class ClaimFenced extends ConcurrencyError {
  constructor(
    conflict: ConcurrencyError,
    readonly takenOverBy: string,
  ) {
    super(conflict.subject, conflict.expected, conflict.actual, { cause: conflict });
  }
}

/** A cancel request reached the log before the claim's first commit, which cancelled the job instead. */
export class CancelledOnClaim extends Error {}

export interface ClaimLogDeps {
  readonly store: Pick<EventStore, 'read' | 'append'>;
  readonly robotId: string;
  readonly logger: Logger;
  readonly now: () => number;
  /** The claim's own part of its commit ids. Default: 8 random hex digits. */
  readonly claimNonce?: () => string;
}

/**
 * The log of one claim's fenced commits. Each commit is decided by the job's decider on the
 * state this claim holds and appended as one message guarded by the last sequence it saw (ADR 22,
 * 59); its ids name the claim (robot, delivery and a nonce of its own, ADR 103) and the position,
 * so a retried append de-duplicates while another claim's append at the same position cannot —
 * not even one of the same robot and delivery count, which a restarted nats-server can deliver
 * twice. Transport failures are retried with the same ids; a conflict is reconciled against the
 * log: our own commit that landed before its ack was lost is accepted, a cancel request is
 * absorbed and the commands decided again, anything else fences us.
 */
export class ClaimLog {
  private current: JobPosition;
  private released = false;
  /** The claim's `ClaimJob`, held back to lead the next commit, so claiming costs no round trip. */
  private held: ClaimCommand | undefined;
  private readonly token: string;
  readonly claimedAt: number;

  constructor(
    private readonly deps: ClaimLogDeps,
    private readonly claim: {
      readonly work: WorkMessage;
      readonly delivery: number;
      readonly abortStep: AbortSignal;
      readonly release?: () => void;
    },
    readonly subject: string,
    start: JobPosition,
  ) {
    this.current = start;
    this.claimedAt = start.sequence;
    this.token = `${deps.robotId}.${claim.delivery}.${deps.claimNonce?.() ?? randomBytes(4).toString('hex')}`;
  }

  get state(): JobState {
    return this.current.state;
  }

  get sequence(): number {
    return this.current.sequence;
  }

  /** Holds the claim back for the next commit; the decider's refusal, if it would refuse it now. */
  hold(command: ClaimCommand): JobRejection | undefined {
    const decision = decide(this.command(command, 'hold'), this.current.state);
    if (!decision.ok) return decision.rejection;
    this.held = command;
    return undefined;
  }

  /** Decides `command` (after the held claim, if any) and commits it. */
  append(command: ClaimCommand): Promise<void> {
    return this.commit([...this.takeHeld(), command], false);
  }

  /** Commits the command that ends the claim: its lease is released as it leaves (ADR 24). */
  finish(command: ClaimCommand): Promise<void> {
    return this.commit([...this.takeHeld(), command], true);
  }

  /** Before anything that waits: the claim is recorded at once, not when the wait is over. */
  async recordStart(): Promise<void> {
    const held = this.takeHeld();
    if (held.length > 0) await this.commit(held, false);
  }

  private takeHeld(): ClaimCommand[] {
    const held = this.held ? [this.held] : [];
    this.held = undefined;
    return held;
  }

  private async commit(commands: readonly ClaimCommand[], ends: boolean): Promise<void> {
    const events = this.decideAll(commands);
    const giveUpAt = this.deps.now() + APPEND_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        const appended = this.deps.store.append(this.subject, events, this.current.sequence);
        if (ends && !this.released) {
          this.released = true;
          this.claim.release?.();
        }
        this.advance((await appended).lastSequence, events);
        return;
      } catch (error) {
        if (error instanceof ConcurrencyError) return this.reconcile(commands, events, ends, error);
        // A released claim has no lease left to be redelivered by: only stopping ends its retries.
        if (this.released ? this.claim.abortStep.aborted : this.deps.now() > giveUpAt) throw error;
        this.deps.logger.warn({ err: error, attempt }, 'append failed; retrying with the same id');
        await abortableDelay(Math.min(2_000, 100 * 2 ** attempt), this.claim.abortStep);
      }
    }
  }

  /** The commands decided one after the other on the claim's state, ids naming this position. */
  private decideAll(commands: readonly ClaimCommand[]): JobEvent[] {
    const position = `${this.claim.work.aggregateId}:${this.token}:${this.current.sequence}`;
    const events: JobEvent[] = [];
    let state = this.current.state;
    for (const [i, command] of commands.entries()) {
      const decision = decide(this.command(command, position), state);
      if (!decision.ok) throw new ClaimRefused(decision.rejection);
      for (const event of decision.events)
        events.push({ ...event, id: events.length === 0 ? position : `${position}.${events.length}` });
      // Only a commit of several commands needs the state between them: a copy, the claim's own is untouched.
      if (i < commands.length - 1) for (const event of decision.events) state = evolveJob(state, event);
    }
    return events;
  }

  private async reconcile(
    commands: readonly ClaimCommand[],
    events: readonly JobEvent[],
    ends: boolean,
    conflict: ConcurrencyError,
  ): Promise<void> {
    const newer = (await this.deps.store.read(this.subject, jobEvents)).events.filter(
      (stored) => stored.sequence > this.current.sequence,
    );
    if (newer[0]?.event.id === events[0].id) {
      // Our commit landed and its acknowledgement was lost.
      this.advance(newer[0].sequence, events);
      if (newer.length === events.length) return;
      throw new ClaimFenced(conflict, this.takenOverBy(newer.slice(events.length)));
    }
    if (newer.length === 0 || newer.some(({ event }) => event.type !== 'JobCancelRequested'))
      throw new ClaimFenced(conflict, this.takenOverBy(newer));
    let state = this.current.state;
    for (const { event } of newer) state = evolveJobInPlace(state, event);
    this.current = { state, sequence: newer[newer.length - 1].sequence };
    const [first, second] = commands;
    if (first.type === 'ClaimJob' && second && second.type !== 'StopCancelledJob') {
      // The claim's first decision was made before the cancel request: it is not carried out.
      await this.commit([first, { type: 'StopCancelledJob', data: { robotId: this.deps.robotId } }], true);
      throw new CancelledOnClaim();
    }
    await this.commit(commands, ends);
  }

  /** Who wrote what fenced this claim, from the ids of robot commits (`<job>:<robot>.<delivery>.<nonce>:<seq>`). */
  private takenOverBy(newer: readonly { readonly event: JobEvent }[]): string {
    for (const { event } of newer) {
      const [robotId, delivery, nonce] = event.id.split(':')[1]?.split('.') ?? [];
      if (!nonce) continue;
      if (robotId !== this.deps.robotId) return `robot ${robotId} took over this job`;
      if (`${robotId}.${delivery}.${nonce}` === this.token) continue;
      return `another claim of this robot (delivery ${delivery}) took over this job`;
    }
    const types = [...new Set(newer.map(({ event }) => event.type))];
    return types.length > 0 ? `the job's log moved on (${types.join(', ')})` : "the job's log moved on";
  }

  private advance(sequence: number, events: readonly JobEvent[]): void {
    let state = this.current.state;
    for (const event of events) state = evolveJobInPlace(state, event);
    this.current = { state, sequence };
  }

  private command(command: ClaimCommand, id: string): JobCommand {
    const { work } = this.claim;
    return {
      ...command,
      meta: {
        tenantId: work.tenantId,
        jobId: work.aggregateId,
        id,
        at: new Date(this.deps.now()),
        causedBy: work,
      },
    } as JobCommand;
  }
}

export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
