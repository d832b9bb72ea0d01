import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a delivery is signed in: `t=<Unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = 'Aether-Signature';
/** `<subscriptionId>:<sequence>`: the same for every attempt of one message, so a subscriber can dedupe. */
export const DELIVERY_ID_HEADER = 'Aether-Delivery-Id';

const digest = (secret: string, timestamp: number, body: string | Uint8Array) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

/** The `Aether-Signature` value of `body` sent at `nowMs`. */
export function signDelivery(secret: string, body: string | Uint8Array, nowMs: number): string {
  const timestamp = Math.floor(nowMs / 1000);
  return `t=${timestamp},v1=${digest(secret, timestamp, body)}`;
}

/**
 * What a subscriber runs: whether `header` signs `body` (the exact bytes received) with `secret`,
 * at most `toleranceS` from `nowMs` (replays of old deliveries are refused). Default 300 s.
 */
export function verifyDelivery(
  secret: string,
  body: string | Uint8Array,
  header: string | undefined,
  nowMs: number,
  toleranceS = 300,
): boolean {
  const fields = new Map(
    (header ?? '').split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const timestamp = Number(fields.get('t'));
  const given = fields.get('v1') ?? '';
  if (!Number.isInteger(timestamp) || Math.abs(nowMs / 1000 - timestamp) > toleranceS) return false;
  const expected = digest(secret, timestamp, body);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
