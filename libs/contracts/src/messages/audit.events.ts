import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { SecretRead } from './secret.messages';

/**
 * One mutating API call, recorded on `aether.evt.<tenant>.audit.<yyyy-mm-dd>` (UTC day): who, in
 * which role, did what, from where, and how it ended. Never a body, a header's value or a secret.
 */
export const AuditRecorded = defineMessage({
  kind: 'event',
  aggregate: 'audit',
  type: 'AuditRecorded',
  version: 1,
  schema: z.object({
    actor: z.object({
      /** `user:<name>`, `key:<id>`, or an external issuer's `sub`. */
      subject: z.string(),
      name: z.string(),
      role: z.string(),
      via: z.enum(['token', 'api-key']),
    }),
    /** The route as the route table names it, e.g. `POST /api/v1/jobs/:jobId/cancel`. */
    action: z.string(),
    /** The path called, ids included (no query string). */
    path: z.string().max(2048),
    /** The HTTP status answered. */
    status: z.number().int(),
    /** The caller's address as the gateway saw it. */
    ip: z.string().max(64).optional(),
    userAgent: z.string().max(256).optional(),
  }),
});

export const AUDIT_EVENTS = [AuditRecorded, SecretRead] as const;
export type AuditEvent = MessageOf<typeof AuditRecorded> | MessageOf<typeof SecretRead>;
