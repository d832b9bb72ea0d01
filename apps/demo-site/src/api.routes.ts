import { HttpError, jsonReply, readJsonObject } from './http';
import type { Route } from './routing';
import { DEMO_VARIANTS, isDemoVariant } from './variants';

export const apiRoutes: ReadonlyArray<Route> = [
  { method: 'GET', path: '/api/health', access: 'public', handle: () => jsonReply(200, { ok: true }) },
  {
    method: 'GET',
    path: '/api/orders',
    access: 'public',
    handle: ({ site }) => jsonReply(200, site.orders.all()),
  },
  {
    method: 'GET',
    path: '/api/side-effects',
    access: 'public',
    handle: ({ site }) => jsonReply(200, Object.fromEntries(site.sideEffects)),
  },
  {
    method: 'POST',
    path: '/api/side-effects',
    access: 'public',
    handle: async ({ req, site }) => {
      const { key, delayMs = 0, idempotencyKey } = await readJsonObject(req);
      if (typeof key !== 'string' || key === '' || key.length > 200) {
        throw new HttpError(400, '"key" must be a non-empty string of at most 200 characters');
      }
      if (
        idempotencyKey !== undefined &&
        (typeof idempotencyKey !== 'string' || idempotencyKey === '' || idempotencyKey.length > 200)
      ) {
        throw new HttpError(400, '"idempotencyKey" must be a non-empty string of at most 200 characters');
      }
      if (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0 || delayMs > 10_000) {
        throw new HttpError(400, '"delayMs" must be an integer from 0 to 10000');
      }
      const count = (site.sideEffects.get(key) ?? 0) + 1;
      site.sideEffects.set(key, count);
      const seen = idempotencyKey === undefined ? undefined : `${key} ${idempotencyKey}`;
      const applied = seen === undefined || !site.idempotencyKeys.has(seen);
      if (seen !== undefined) site.idempotencyKeys.add(seen);
      if (applied) site.appliedEffects.set(key, (site.appliedEffects.get(key) ?? 0) + 1);
      // The effect is counted before the answer is delayed: a caller killed while waiting
      // leaves an effect it never heard about, which is what exactly-once tests need.
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return jsonReply(200, { key, count, ...(seen === undefined ? {} : { applied }) });
    },
  },
  {
    method: 'POST',
    path: '/api/side-effects/reset',
    access: 'public',
    handle: ({ site }) => {
      site.sideEffects.clear();
      site.appliedEffects.clear();
      site.idempotencyKeys.clear();
      return jsonReply(200, { ok: true });
    },
  },
  {
    method: 'GET',
    path: '/__variant',
    access: 'public',
    handle: ({ site }) => jsonReply(200, { variant: site.variant }),
  },
  {
    method: 'POST',
    path: '/__variant',
    access: 'public',
    handle: async ({ req, site }) => {
      const { variant } = await readJsonObject(req);
      if (!isDemoVariant(variant)) {
        throw new HttpError(400, `"variant" must be one of ${DEMO_VARIANTS.join(', ')}`);
      }
      site.variant = variant;
      return jsonReply(200, { variant });
    },
  },
];
