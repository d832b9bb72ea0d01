import { createHmac } from 'node:crypto';
import { signDelivery, verifyDelivery } from './signature';

describe('delivery signatures', () => {
  const secret = 'whsec_test';
  const body = '{"type":"aether.job.events"}';
  const now = Date.parse('2026-12-06T10:00:00Z');

  it('is the HMAC-SHA256 of "<t>.<body>" with the timestamp in seconds', () => {
    const t = now / 1000;
    const hex = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signDelivery(secret, body, now)).toBe(`t=${t},v1=${hex}`);
  });

  it('verifies its own signature, and refuses another body, secret, a stale time or garbage', () => {
    const header = signDelivery(secret, body, now);
    expect(verifyDelivery(secret, body, header, now + 1_000)).toBe(true);
    expect(verifyDelivery(secret, `${body} `, header, now)).toBe(false);
    expect(verifyDelivery('other', body, header, now)).toBe(false);
    expect(verifyDelivery(secret, body, header, now + 301_000)).toBe(false);
    expect(verifyDelivery(secret, body, 'v1=abc', now)).toBe(false);
    expect(verifyDelivery(secret, body, undefined, now)).toBe(false);
  });
});
