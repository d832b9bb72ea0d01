import { Cron } from 'croner';
import type { MisfirePolicy, ScheduleDefinition } from '@aether/contracts';

/** Occurrences strictly after `after` and at or before `until`, oldest first (at most `limit`). */
export function occurrences(
  definition: Pick<ScheduleDefinition, 'cron' | 'timezone'>,
  after: Date,
  until: Date,
  limit = 10_000,
): Date[] {
  const cron = new Cron(definition.cron, { timezone: definition.timezone, paused: true });
  const found: Date[] = [];
  let cursor: Date | null = after;
  while (found.length < limit) {
    cursor = cron.nextRun(cursor);
    if (!cursor || cursor.getTime() > until.getTime()) break;
    found.push(cursor);
  }
  return found;
}

export function nextOccurrence(
  definition: Pick<ScheduleDefinition, 'cron' | 'timezone'>,
  after: Date,
): Date | null {
  return new Cron(definition.cron, { timezone: definition.timezone, paused: true }).nextRun(after);
}

export type FirePlan =
  | { readonly kind: 'wait'; readonly at: Date }
  | { readonly kind: 'fire'; readonly fireAt: Date; readonly misfire: boolean; readonly skipped: number }
  | { readonly kind: 'skip-missed'; readonly until: Date; readonly skipped: number }
  | { readonly kind: 'never' };

/**
 * What to do now for one schedule, given the last occurrence already fired (or the instant it
 * became active). Of the occurrences missed since, only the latest matters: it fires as on time
 * within `graceMs`; later than that, `skip` drops it and `fire_once` fires it once, late.
 */
export function planFire(
  definition: Pick<ScheduleDefinition, 'cron' | 'timezone'> & { misfirePolicy: MisfirePolicy },
  since: Date,
  now: Date,
  graceMs: number,
): FirePlan {
  const missed = occurrences(definition, since, now);
  const latest = missed.at(-1);
  if (!latest) {
    const next = nextOccurrence(definition, now);
    return next ? { kind: 'wait', at: next } : { kind: 'never' };
  }
  const skipped = missed.length - 1;
  if (now.getTime() - latest.getTime() <= graceMs)
    return { kind: 'fire', fireAt: latest, misfire: false, skipped };
  if (definition.misfirePolicy === 'fire_once')
    return { kind: 'fire', fireAt: latest, misfire: true, skipped };
  return { kind: 'skip-missed', until: latest, skipped: missed.length };
}
