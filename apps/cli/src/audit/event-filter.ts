import { subjects } from '@aether/contracts';
import type { SubscriptionStart } from '@aether/event-store';

/** What `aether tail` selects: every option narrows; none selects every event. */
export interface EventFilterOptions {
  tenant?: string;
  job?: string;
  robot?: string;
  /** Event types, comma-separated. */
  type?: string;
  /** ISO times: events that occurred at or after `since` and before `until`. */
  since?: string;
  until?: string;
}

export interface EventFilter {
  /** The narrowest subject filter the options allow, for the consumer. */
  subject: string;
  /** The rest, checked per event. */
  matches(subject: string, event: unknown): boolean;
}

export function eventFilter(options: EventFilterOptions): EventFilter {
  const tenant = options.tenant ?? '*';
  const subject = options.job
    ? `aether.evt.${tenant}.job.${options.job}`
    : options.tenant
      ? `aether.evt.${options.tenant}.>`
      : subjects.allEvents;
  const types = options.type ? new Set(options.type.split(',').map((t) => t.trim())) : undefined;
  const since = options.since ? time(options.since, '--since') : undefined;
  const until = options.until ? time(options.until, '--until') : undefined;
  return {
    subject,
    matches(eventSubject, event) {
      const envelope = (event ?? {}) as { type?: string; occurredAt?: string; data?: { robotId?: string } };
      if (types && !types.has(envelope.type ?? '')) return false;
      if (
        options.robot &&
        envelope.data?.robotId !== options.robot &&
        !eventSubject.endsWith(`.robot.${options.robot}`)
      )
        return false;
      const at = envelope.occurredAt ? Date.parse(envelope.occurredAt) : NaN;
      if (since !== undefined && !(at >= since)) return false;
      if (until !== undefined && !(at < until)) return false;
      return true;
    },
  };
}

/** `--from`: a stream sequence (digits) or a time (ISO 8601). */
export function startOf(from: string | undefined): SubscriptionStart | undefined {
  if (from === undefined || from === '') return undefined;
  if (/^\d+$/.test(from)) return Number(from);
  return new Date(time(from, '--from'));
}

function time(value: string, option: string): number {
  const at = Date.parse(value);
  if (Number.isNaN(at))
    throw new Error(`${option} ${value}: not a time (use ISO 8601, e.g. 2026-12-06T01:00:00Z)`);
  return at;
}
