import type { JobEvent } from '@aether/contracts';
import type { CommandMeta, JobCommand } from '../commands';
import { decide } from '../decide';
import { foldJob, type JobState } from '../job-state';
import type { RejectionCode } from '../rejections';

/** The events a decision appended, as `type` and `data` only (ids and times are the command's). */
export type Fact = { readonly type: string; readonly data: unknown };

export const AT = new Date('2026-12-06T00:00:00.000Z');
export const meta = (id = 'cmd-1', at = AT): CommandMeta => ({ tenantId: 'default', jobId: 'j1', id, at });

/**
 * The decider's specs read `given(history).when(command).then(events)`: `then` checks the events
 * decided (and that applying them to the history is a valid fold), `rejected` the refusal's code.
 */
export function given(...history: readonly JobEvent[]) {
  const state: JobState = foldJob(history);
  return {
    state,
    when(command: Omit<JobCommand, 'meta'> & { meta?: CommandMeta }) {
      const decision = decide({ meta: meta(), ...command } as JobCommand, state);
      return {
        decision,
        then(...expected: readonly Fact[]): void {
          if (!decision.ok) throw new Error(`expected events, was refused: ${decision.rejection.reason}`);
          expect(decision.events.map(({ type, data }) => ({ type, data }))).toEqual(expected);
        },
        rejected(code: RejectionCode): void {
          expect(decision.ok ? { events: decision.events.map((e) => e.type) } : decision.rejection.code).toBe(
            code,
          );
        },
      };
    },
  };
}
