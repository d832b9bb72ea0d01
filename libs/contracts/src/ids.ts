import { z } from 'zod';

/** A token safe to embed in a NATS subject: no dots, wildcards or white space. */
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]+$/;

export const TenantIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'tenant ids are lower-case letters, digits and dashes (max 63)');
export type TenantId = z.infer<typeof TenantIdSchema>;

export const AggregateIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(SUBJECT_TOKEN, 'aggregate ids are letters, digits, "_" and "-" (max 128)');

export const DEFAULT_TENANT: TenantId = 'default';

export function isSubjectToken(value: string): boolean {
  return SUBJECT_TOKEN.test(value);
}

export function newId(): string {
  return globalThis.crypto.randomUUID();
}
