import { z } from 'zod';
import { EnvelopeSchema } from '@aether/contracts';
import { JobStatusSchema } from './jobs';

/** One event of a job's history as the event store holds it, with its stream sequence. */
export const JobHistoryEventSchema = EnvelopeSchema.extend({
  sequence: z.number().int().positive(),
  data: z.record(z.string(), z.unknown()),
  /** The job's status after this event, when the event decides it (step events do not). */
  status: JobStatusSchema.optional(),
});
export type JobHistoryEvent = z.infer<typeof JobHistoryEventSchema>;

/** `GET /api/v1/jobs/{jobId}/events`: the job's history from the event store, oldest first. */
export const JobHistorySchema = z.object({
  jobId: z.string(),
  events: z.array(JobHistoryEventSchema),
  /** Stored messages on the job's subject that could not be read, with why (they are in quarantine). */
  invalid: z.array(z.object({ sequence: z.number().int(), subject: z.string(), reason: z.string() })),
});
export type JobHistory = z.infer<typeof JobHistorySchema>;
