import { TimeZoneSchema } from './schedule.definitions';

describe('TimeZoneSchema', () => {
  it.each(['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])('takes %s', (zone) => {
    expect(TimeZoneSchema.safeParse(zone).success).toBe(true);
  });

  it.each(['Mars/Olympus', 'Europe/Berlinn', 'GMT+25', ''])('rejects %j with the reason', (zone) => {
    const result = TimeZoneSchema.safeParse(zone);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toMatch(zone ? /not an IANA time zone/ : /too small/i);
  });
});
