import { duration, localTime, utcTime } from './time-format';

describe('time format', () => {
  const now = new Date('2026-12-06T12:00:00Z');

  it("shows today's instants as a time in the viewer's zone, other days with their date", () => {
    expect(localTime('2026-12-06T09:05:07Z', now, 'UTC')).toBe('09:05:07');
    expect(localTime('2026-12-06T09:05:07Z', now, 'America/New_York')).toBe('04:05:07');
    expect(localTime('2026-12-05T23:30:00Z', now, 'Europe/Berlin')).toBe('00:30:00');
    expect(localTime('2026-12-04T23:30:00Z', now, 'UTC')).toBe('2026-12-04 23:30:00');
  });

  it('gives the UTC value for the hover title', () => {
    expect(utcTime('2026-12-06T09:05:07.123+02:00')).toBe('2026-12-06 07:05:07 UTC');
  });

  it('reads durations at the scale they have', () => {
    expect(duration(null)).toBe('—');
    expect(duration(850)).toBe('850 ms');
    expect(duration(12_400)).toBe('12.4 s');
    expect(duration(185_000)).toBe('3 min 05 s');
    expect(duration(7_440_000)).toBe('2 h 04 min');
  });
});
