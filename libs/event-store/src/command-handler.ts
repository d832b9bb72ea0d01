import type { Envelope, MessageRegistry } from '@aether/contracts';
import { ConcurrencyError } from './errors';
import type { EventStore } from './event-store';

/**
 * An aggregate's rules as pure functions (the functional deciders' shape): `decide` answers a
 * command with events or a refusal, `evolve` folds one event. `fold`, when given, folds a whole
 * history at once (faster than evolving event by event for large states).
 */
export interface Decider<TCommand, TState, TEvent extends Envelope, TRejection> {
  decide(command: TCommand, state: TState): DeciderResult<TEvent, TRejection>;
  evolve(state: TState, event: TEvent): TState;
  readonly initialState: TState;
  fold?(events: readonly TEvent[]): TState;
}

export type DeciderResult<TEvent, TRejection> =
  | { readonly ok: true; readonly events: readonly TEvent[] }
  | { readonly ok: false; readonly rejection: TRejection };

export type CommandOutcome<TState, TEvent, TRejection> =
  | {
      readonly kind: 'accepted';
      /** The events appended (none when the command asked for what was already true). */
      readonly events: readonly TEvent[];
      /** The aggregate after them. */
      readonly state: TState;
      /** The subject's last sequence after them. */
      readonly lastSequence: number;
    }
  | {
      readonly kind: 'rejected';
      readonly rejection: TRejection;
      readonly state: TState;
      readonly lastSequence: number;
    };

export interface HandleOptions {
  /**
   * The command creates the aggregate: decide on the initial state and append with expected
   * sequence 0 without reading first (one round trip); a conflict means it exists, so it is
   * read and decided again like any other.
   */
  readonly creates?: boolean;
}

/** Decisions made again after a concurrency conflict before the conflict is thrown to the caller. */
const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * The one way to change an aggregate: read its history, fold it, decide, and append the decided
 * events as one commit guarded by the sequence that was read. Another writer appending in
 * between makes the append conflict; the command is then read and decided again (the decision
 * may change, e.g. to a refusal), at most `maxAttempts` times.
 *
 * `command` is built for the sequence the decision is made at, so its message id can name that
 * position (e.g. `cancel:<jobId>:<sequence>`): a retried append of the same decision
 * de-duplicates in JetStream, a decision at a newer position does not.
 */
export class CommandHandler<TCommand, TState, TEvent extends Envelope, TRejection> {
  constructor(
    private readonly store: Pick<EventStore, 'read' | 'append'>,
    private readonly registry: MessageRegistry<TEvent>,
    private readonly decider: Decider<TCommand, TState, TEvent, TRejection>,
    private readonly maxAttempts = DEFAULT_MAX_ATTEMPTS,
  ) {}

  async handle(
    subject: string,
    command: (sequence: number) => TCommand,
    options: HandleOptions = {},
  ): Promise<CommandOutcome<TState, TEvent, TRejection>> {
    let position = options.creates
      ? { state: this.decider.initialState, sequence: 0 }
      : await this.load(subject);
    for (let attempt = 1; ; attempt++) {
      const decision = this.decider.decide(command(position.sequence), position.state);
      if (!decision.ok) return { kind: 'rejected', rejection: decision.rejection, ...this.at(position) };
      if (decision.events.length === 0) return { kind: 'accepted', events: [], ...this.at(position) };
      try {
        const { lastSequence } = await this.store.append(subject, decision.events, position.sequence);
        const state = decision.events.reduce((s, event) => this.decider.evolve(s, event), position.state);
        return { kind: 'accepted', events: decision.events, state, lastSequence };
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= this.maxAttempts) throw error;
      }
      position = await this.load(subject);
    }
  }

  /** The aggregate as its history says now, and the sequence the next append is guarded by. */
  async load(subject: string): Promise<{ state: TState; sequence: number }> {
    const history = await this.store.read(subject, this.registry);
    const events = history.events.map((stored) => stored.event);
    const state = this.decider.fold
      ? this.decider.fold(events)
      : events.reduce((s, event) => this.decider.evolve(s, event), this.decider.initialState);
    return { state, sequence: history.lastSequence };
  }

  private at(position: { state: TState; sequence: number }) {
    return { state: position.state, lastSequence: position.sequence };
  }
}
