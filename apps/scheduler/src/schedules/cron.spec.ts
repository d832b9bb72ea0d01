import { occurrences, planFire } from './cron';

const at = (iso: string) => new Date(iso);
const everyMinute = { cron: '0 * * * * *', timezone: 'UTC', misfirePolicy: 'skip' as const };

describe('cron planning', () => {
  it('reads the expression in the schedule’s time zone, across a DST change', () => {
    const nineInBerlin = { cron: '0 0 9 * * *', timezone: 'Europe/Berlin' };
    expect(
      occurrences(nineInBerlin, at('2026-03-27T12:00:00Z'), at('2026-03-31T00:00:00Z')).map((d) =>
        d.toISOString(),
      ),
    ).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z', // summer time from 29 March
      '2026-03-30T07:00:00.000Z',
    ]);
  });

  it('waits for the next occurrence when none was missed', () => {
    expect(planFire(everyMinute, at('2026-01-01T10:00:00Z'), at('2026-01-01T10:00:30Z'), 5_000)).toEqual({
      kind: 'wait',
      at: at('2026-01-01T10:01:00Z'),
    });
  });

  it('fires an occurrence found within the grace as on time', () => {
    expect(planFire(everyMinute, at('2026-01-01T10:00:00Z'), at('2026-01-01T10:01:02Z'), 5_000)).toEqual({
      kind: 'fire',
      fireAt: at('2026-01-01T10:01:00Z'),
      misfire: false,
      skipped: 0,
    });
  });

  it('skips what was missed under `skip`, and fires the latest once, late, under `fire_once`', () => {
    const since = at('2026-01-01T10:00:00Z');
    const now = at('2026-01-01T10:05:30Z');
    expect(planFire(everyMinute, since, now, 5_000)).toEqual({
      kind: 'skip-missed',
      until: at('2026-01-01T10:05:00Z'),
      skipped: 5,
    });
    expect(planFire({ ...everyMinute, misfirePolicy: 'fire_once' }, since, now, 5_000)).toEqual({
      kind: 'fire',
      fireAt: at('2026-01-01T10:05:00Z'),
      misfire: true,
      skipped: 4,
    });
  });
});
