import { REPLAY_WINDOW_S, sign, staleTimestamp, verify } from './hook-signature';

describe('webhook signatures with a replay window', () => {
  const body = Buffer.from('{"month":"2026-11"}');
  const now = Date.parse('2026-12-06T04:00:00Z');
  const ts = String(now / 1000);

  it('verifies the timestamp and the body together', () => {
    const signature = sign('s3cret', ts, body);
    expect(verify('s3cret', ts, body, signature)).toBe(true);
    expect(verify('s3cret', String(now / 1000 + 1), body, signature)).toBe(false); // a re-dated replay
    expect(verify('s3cret', ts, Buffer.from('{"month":"2026-12"}'), signature)).toBe(false);
    expect(verify('other', ts, body, signature)).toBe(false);
  });

  it(`refuses a timestamp more than ${REPLAY_WINDOW_S} s away, or none`, () => {
    expect(staleTimestamp(ts, now)).toBeUndefined();
    expect(staleTimestamp(String(now / 1000 - REPLAY_WINDOW_S), now)).toBeUndefined();
    expect(staleTimestamp(String(now / 1000 - REPLAY_WINDOW_S - 1), now)).toMatch(/more than 300 s/);
    expect(staleTimestamp(String(now / 1000 + REPLAY_WINDOW_S + 1), now)).toMatch(/more than 300 s/);
    for (const bad of [undefined, '', 'yesterday', '1.5', '-1', '1e9'])
      expect(staleTimestamp(bad, now)).toMatch(/missing or malformed/);
  });
});
