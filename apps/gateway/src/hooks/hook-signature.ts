import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { raw, type NextFunction, type Request, type Response } from 'express';

/** Header carrying `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>", keyed with the hook's secret>`. */
export const SIGNATURE_HEADER = 'x-aether-signature';
/** Header carrying the delivery's time, Unix seconds; it is signed with the body. */
export const TIMESTAMP_HEADER = 'x-aether-timestamp';
/** A delivery older or newer than this (seconds) is refused: a captured one cannot be replayed later. */
export const REPLAY_WINDOW_S = 300;
/** Optional header naming one delivery: a retried webhook with the same key starts one job. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

const RECEIVER = /^\/api\/v1\/hooks\/[A-Za-z0-9_-]+\/?$/;
const keepRaw = raw({ type: () => true, limit: '1mb' });

/** Keeps webhook bodies as the exact bytes that were signed (other routes parse JSON as usual). */
export function rawHookBodies(request: Request, response: Response, next: NextFunction): void {
  if (request.method === 'POST' && RECEIVER.test(request.path)) keepRaw(request, response, next);
  else next();
}

export function sign(secret: string, timestamp: string, body: Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export function verify(secret: string, timestamp: string, body: Uint8Array, signature: string): boolean {
  const expected = Buffer.from(sign(secret, timestamp, body));
  const given = Buffer.from(signature.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Why a delivery's timestamp is refused, or undefined: it must be whole Unix seconds within
 * `REPLAY_WINDOW_S` of now. Inside the window a replay is the same delivery (same nonce: its
 * `Idempotency-Key`, or else its signature) and starts no second job.
 */
export function staleTimestamp(timestamp: string | undefined, nowMs: number): string | undefined {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp.trim()))
    return `missing or malformed ${TIMESTAMP_HEADER}: the delivery's Unix time in seconds, signed with the body`;
  const skew = Math.abs(nowMs / 1000 - Number(timestamp.trim()));
  return skew > REPLAY_WINDOW_S
    ? `${TIMESTAMP_HEADER} is more than ${REPLAY_WINDOW_S} s away from now`
    : undefined;
}

/** The job id of one delivery: the same hook and idempotency key (or, without one, the same signed body) give the same id. */
export function deliveryJobId(hookId: string, idempotencyKey: string): string {
  return `hook-${hookId.slice(0, 24)}-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}
