import { RequestMethod, type ExecutionContext } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { Reflector } from '@nestjs/core';
import type { Role } from '@aether/identity';

/** Anyone may call it: it authenticates itself (sign-in, a signed webhook) or tells nothing (health, public keys). */
export const PUBLIC = 'public';
export type Access = typeof PUBLIC | readonly Role[];

const READ: readonly Role[] = ['admin', 'operator', 'developer', 'viewer'];
/** Changes what runs: workflows, their schedules, hooks and dispatch policies. */
const BUILD: readonly Role[] = ['admin', 'developer'];
/** Decides about running work: cancel, resolve, requeue, pause. */
const OPERATE: readonly Role[] = ['admin', 'operator'];
const RUN: readonly Role[] = ['admin', 'operator', 'developer'];
const ADMIN: readonly Role[] = ['admin'];

/**
 * Every route the gateway serves and who may call it, keyed `<METHOD> <path as Nest declares it>`.
 * A route missing here is refused to everyone (deny by default); a test proves this table and
 * Nest's routes are the same set. Adding a route means adding its row.
 */
export const ROUTE_TABLE: Readonly<Record<string, Access>> = {
  'GET /health': PUBLIC,
  'GET /health/live': PUBLIC,
  // Process and consumer figures only: no tenant's data, no ids (bounded labels).
  'GET /metrics': PUBLIC,
  // The OpenAPI document and Swagger UI over it: what the API is, not what it holds.
  'GET /api/docs': PUBLIC,
  'GET /api/docs/openapi.json': PUBLIC,

  'POST /api/v1/auth/token': PUBLIC,
  'GET /api/v1/auth/jwks': PUBLIC,
  'GET /api/v1/auth/me': [...READ, 'robot'],
  'GET /api/v1/auth/api-keys': ADMIN,
  'POST /api/v1/auth/api-keys': ADMIN,
  'DELETE /api/v1/auth/api-keys/:keyId': ADMIN,

  'GET /api/v1/workflows': READ,
  'POST /api/v1/workflows': BUILD,
  'GET /api/v1/workflows/:workflowId': READ,
  'GET /api/v1/workflows/:workflowId/versions': READ,
  'POST /api/v1/workflows/:workflowId/trigger': RUN,
  'GET /api/v1/workflows/:workflowId/dispatch-policy': READ,
  'PUT /api/v1/workflows/:workflowId/dispatch-policy': BUILD,
  'DELETE /api/v1/workflows/:workflowId/dispatch-policy': BUILD,

  'GET /api/v1/jobs': READ,
  'GET /api/v1/jobs/:jobId': READ,
  'GET /api/v1/jobs/:jobId/events': READ,
  // Only an artifact one of the job's own events names.
  'GET /api/v1/jobs/:jobId/artifact': READ,
  'POST /api/v1/jobs/:jobId/cancel': RUN,
  'POST /api/v1/jobs/:jobId/retry-step': OPERATE,
  'POST /api/v1/jobs/:jobId/skip-step': OPERATE,
  'POST /api/v1/jobs/:jobId/fail': OPERATE,

  'GET /api/v1/robots': READ,
  'GET /api/v1/robots/:robotId': READ,
  // Asked of the robot's process itself; it finishes (drain) or releases (stop) its jobs first.
  'POST /api/v1/robots/:robotId/drain': OPERATE,
  'POST /api/v1/robots/:robotId/stop': OPERATE,
  // A robot's NATS credentials (ADR 38): the enrolment token authenticates the exchange.
  'POST /api/v1/robots/:robotId/enrolment': ADMIN,
  'POST /api/v1/robots/enrol': PUBLIC,
  'POST /api/v1/robots/:robotId/revoke': ADMIN,

  // The console's read API (issue 21).
  'GET /api/v1/metrics/fleet': READ,
  'GET /api/v1/metrics/jobs': READ,
  'GET /api/v1/metrics/robots/:robotId': READ,
  'GET /api/v1/metrics/analytics': READ,
  'GET /api/v1/metrics/queues': READ,
  'GET /api/v1/metrics/queues/:queue/items': READ,

  'GET /api/v1/dead-letters': READ,
  'GET /api/v1/dead-letters/:id': READ,
  'POST /api/v1/dead-letters/:id/requeue': OPERATE,

  'GET /api/v1/schedules': READ,
  'POST /api/v1/schedules': BUILD,
  'GET /api/v1/schedules/:scheduleId': READ,
  'POST /api/v1/schedules/:scheduleId/pause': [...OPERATE, 'developer'],
  'POST /api/v1/schedules/:scheduleId/resume': [...OPERATE, 'developer'],
  'DELETE /api/v1/schedules/:scheduleId': BUILD,

  'GET /api/v1/mail-triggers': READ,
  'POST /api/v1/mail-triggers': BUILD,
  'GET /api/v1/mail-triggers/:triggerId': READ,
  'POST /api/v1/mail-triggers/:triggerId/pause': [...OPERATE, 'developer'],
  'POST /api/v1/mail-triggers/:triggerId/resume': [...OPERATE, 'developer'],
  'DELETE /api/v1/mail-triggers/:triggerId': BUILD,
  'GET /api/v1/hooks': READ,
  'POST /api/v1/hooks': BUILD,
  'GET /api/v1/hooks/:hookId': READ,
  'POST /api/v1/hooks/:hookId/pause': [...OPERATE, 'developer'],
  'POST /api/v1/hooks/:hookId/resume': [...OPERATE, 'developer'],
  'DELETE /api/v1/hooks/:hookId': BUILD,
  // The delivery proves itself with the hook's HMAC signature.
  'POST /api/v1/hooks/:hookId': PUBLIC,

  'GET /api/v1/healing/proposals': READ,
  'GET /api/v1/healing/proposals/:id': READ,
  'POST /api/v1/healing/proposals/:id/approve': RUN,
  'POST /api/v1/healing/proposals/:id/reject': RUN,
  'GET /api/v1/healing/selectors': READ,
  'GET /api/v1/healing/heals': READ,

  // Secrets: names and metadata only; a value is written here and read only by robots (ADR 36).
  'GET /api/v1/secrets': BUILD,
  'PUT /api/v1/secrets/:name': BUILD,
  'DELETE /api/v1/secrets/:name': BUILD,
  // Crypto-shredding: every secret of the tenant becomes unreadable for good.
  'POST /api/v1/secrets/destroy-key': ADMIN,
  // Data-key rotation: every secret resealed under a new tenant key (ADR 70).
  'POST /api/v1/secrets/rotate-key': ADMIN,

  // Where each message came from and why it was set aside; never its body.
  'GET /api/v1/quarantine': READ,

  'GET /api/v1/queues/:queue': READ,
  'PUT /api/v1/queues/:queue': BUILD,
  'POST /api/v1/queues/:queue/items': RUN,
  'GET /api/v1/queues/:queue/items/:itemId': READ,

  // Outbound subscriptions (ADR 57): the secret is answered once, by the create call.
  'GET /api/v1/subscriptions': READ,
  'POST /api/v1/subscriptions': BUILD,
  'GET /api/v1/subscriptions/:subscriptionId': READ,
  'DELETE /api/v1/subscriptions/:subscriptionId': BUILD,
  'POST /api/v1/subscriptions/:subscriptionId/redeliver': [...OPERATE, 'developer'],
  'GET /api/v1/subscriptions/:subscriptionId/parked': READ,
  'GET /api/v1/subscriptions/:subscriptionId/deliveries': READ,
};

/**
 * Who may open the live feed, `GET /api/v1/live` upgraded to a WebSocket (not an HTTP route, so
 * not a row above; the gateway checks the handshake's token against this).
 */
export const LIVE_FEED_ACCESS: readonly Role[] = READ;

export function routeKey(method: string, path: string): string {
  const normalised = `/${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  return `${method.toUpperCase()} ${normalised}`;
}

/** The table key of the handler a request reached, from Nest's route metadata. */
export function routeOf(reflector: Reflector, context: ExecutionContext): string {
  const handler = context.getHandler();
  const classPath = reflector.get<string>(PATH_METADATA, context.getClass()) ?? '';
  const handlerPath = reflector.get<string>(PATH_METADATA, handler) ?? '';
  const method = reflector.get<RequestMethod>(METHOD_METADATA, handler);
  return routeKey(RequestMethod[method], `${classPath}/${handlerPath}`);
}
