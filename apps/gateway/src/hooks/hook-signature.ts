import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { raw, type NextFunction, type Request, type Response } from 'express';

/** Header carrying `sha256=<hex HMAC-SHA256 of the raw body, keyed with the hook's secret>`. */
export const SIGNATURE_HEADER = 'x-aether-signature';
/** Optional header naming one delivery: a retried webhook with the same key starts one job. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

const RECEIVER = /^\/api\/v1\/hooks\/[A-Za-z0-9_-]+\/?$/;
const keepRaw = raw({ type: () => true, limit: '1mb' });

/** Keeps webhook bodies as the exact bytes that were signed (other routes parse JSON as usual). */
export function rawHookBodies(request: Request, response: Response, next: NextFunction): void {
  if (request.method === 'POST' && RECEIVER.test(request.path)) keepRaw(request, response, next);
  else next();
}

export function sign(secret: string, body: Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function verify(secret: string, body: Uint8Array, signature: string): boolean {
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(signature.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The job id of one delivery: the same hook and idempotency key (or, without one, the same signed body) give the same id. */
export function deliveryJobId(hookId: string, idempotencyKey: string): string {
  return `hook-${hookId.slice(0, 24)}-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}
