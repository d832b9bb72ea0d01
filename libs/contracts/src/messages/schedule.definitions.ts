import { z } from 'zod';
import { JsonObjectSchema, PrioritySchema } from './common';
import { PlacementSchema } from './dispatch.events';

/**
 * `skip`: occurrences missed while no scheduler ran are dropped; the next one fires on time.
 * `fire_once`: when any were missed, fire once at once, then continue on time.
 */
export const MisfirePolicySchema = z.enum(['skip', 'fire_once']);
export type MisfirePolicy = z.infer<typeof MisfirePolicySchema>;

/** An IANA time zone this runtime knows, e.g. `Europe/Berlin`, or `UTC`. */
export const TimeZoneSchema = z
  .string()
  .min(1)
  .max(100)
  .refine(isTimeZone, 'not an IANA time zone (e.g. "Europe/Berlin" or "UTC")');

/** Whether this runtime knows `name` as an IANA time zone. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** What a trigger starts: shared by cron schedules and webhooks. */
const JobTemplate = {
  workflowId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  /** Omitted: the latest published version when the trigger fires. */
  workflowVersion: z.number().int().positive().optional(),
  variables: JsonObjectSchema,
  priority: PrioritySchema,
  placement: PlacementSchema.optional(),
};

/** A cron schedule, in the `schedules` KV bucket under `<tenant>.<scheduleId>`. */
export const ScheduleDefinitionSchema = z.object({
  scheduleId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  tenantId: z.string().min(1),
  /** Five fields, or six with seconds first (croner syntax). */
  cron: z.string().min(1).max(200),
  /** IANA time zone the cron expression is read in, e.g. `Europe/Berlin`. Default `UTC`. */
  timezone: TimeZoneSchema,
  misfirePolicy: MisfirePolicySchema,
  paused: z.boolean(),
  createdAt: z.iso.datetime(),
  /** Occurrences at or before this instant are never fired (creation or resume time). */
  activeFrom: z.iso.datetime(),
  ...JobTemplate,
});
export type ScheduleDefinition = z.infer<typeof ScheduleDefinitionSchema>;

/** A webhook trigger, in the `hooks` KV bucket under its (unguessable) `hookId`. */
export const HookDefinitionSchema = z.object({
  hookId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  tenantId: z.string().min(1),
  /**
   * Only in hooks made before the key moved into the vault (`hookSecretName`): the HMAC-SHA256 key
   * in plain text. The gateway moves it to the vault at the hook's next delivery.
   */
  secret: z.string().min(32).max(200).optional(),
  paused: z.boolean(),
  createdAt: z.iso.datetime(),
  ...JobTemplate,
});
export type HookDefinition = z.infer<typeof HookDefinitionSchema>;
