import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { FireRefusalSchema } from './common';

/**
 * One fire of a cron schedule, on `aether.evt.<tenant>.schedule.<scheduleId>`, appended with the
 * schedule's expected last sequence: of two scheduler replicas racing for the same fire time,
 * exactly one append succeeds. The job id is derived from the fire time, so the RequestJob that
 * follows starts one job even when it is sent twice.
 */
export const ScheduleFired = defineMessage({
  kind: 'event',
  aggregate: 'schedule',
  type: 'ScheduleFired',
  version: 1,
  schema: z.object({
    /** The cron occurrence this fire is for. */
    fireAt: z.iso.datetime(),
    jobId: z.string().min(1).max(128),
    /** True when the occurrence was missed (scheduler down) and fired late under `fire_once`. */
    misfire: z.boolean(),
    /** Occurrences skipped since the previous fire (missed while no scheduler ran). */
    skipped: z.number().int().nonnegative(),
    /** Which scheduler replica fired it. */
    firedBy: z.string().max(200),
    /** The workflow version checked and requested (absent on fires before ADR 135: the latest then). */
    workflowVersion: z.number().int().positive().optional(),
    /** Present when the fire started no job: `jobId` names the job it would have started. */
    refused: FireRefusalSchema.optional(),
  }),
});

export const SCHEDULE_EVENTS = [ScheduleFired] as const;
export type ScheduleEvent = MessageOf<typeof ScheduleFired>;
