import { z } from 'zod';
import {
  FireRefusalSchema,
  HookDefinitionSchema,
  MailTriggerDefinitionSchema,
  ScheduleDefinitionSchema,
  SelectorPatchSchema,
} from '@aether/contracts';

/** A cron schedule with its next occurrence (null while paused) and its last fire. */
export const ScheduleViewSchema = ScheduleDefinitionSchema.extend({
  nextRunAt: z.iso.datetime().nullable(),
  /** Absent where a route does not read it; `refused` says why that fire started no job (ADR 135). */
  lastFire: z
    .object({
      fireAt: z.iso.datetime(),
      jobId: z.string(),
      firedAt: z.iso.datetime(),
      workflowVersion: z.number().int().optional(),
      refused: FireRefusalSchema.optional(),
    })
    .nullable()
    .optional(),
});
export type ScheduleView = z.infer<typeof ScheduleViewSchema>;
/** `GET /api/v1/schedules`. */
export const ScheduleListSchema = z.array(ScheduleViewSchema);

/** A webhook trigger as listed: never its secret; `url` is where deliveries go. */
export const HookViewSchema = HookDefinitionSchema.omit({ secret: true }).extend({ url: z.string() });
export type HookView = z.infer<typeof HookViewSchema>;
/** `GET /api/v1/hooks`. */
export const HookListSchema = z.array(HookViewSchema);

/**
 * A mail trigger (ADR 52) as listed, with the last message it fired for. `imapSecret` is the
 * secret's name; the mailbox URL itself is never read here.
 */
export const MailTriggerViewSchema = MailTriggerDefinitionSchema.extend({
  lastFire: z
    .object({
      uid: z.number().int(),
      uidValidity: z.string(),
      messageId: z.string().optional(),
      jobId: z.string(),
      firedAt: z.iso.datetime(),
      workflowVersion: z.number().int().optional(),
      /** Why that message started no job (ADR 135). */
      refused: FireRefusalSchema.optional(),
    })
    .nullable(),
});
export type MailTriggerView = z.infer<typeof MailTriggerViewSchema>;
/** `GET /api/v1/mail-triggers`. */
export const MailTriggerListSchema = z.array(MailTriggerViewSchema);

export const HEAL_PROPOSAL_STATUSES = ['open', 'approved', 'rejected'] as const;

/** A proposal of healed selectors: each patch replaces `from` by `to` in one node of the workflow. */
export const HealProposalSchema = z.object({
  id: z.string(),
  workflowId: z.string(),
  /** The version whose selectors broke. */
  workflowVersion: z.number().int(),
  status: z.enum(HEAL_PROPOSAL_STATUSES),
  patches: z.array(SelectorPatchSchema),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  decidedAt: z.iso.datetime().nullable(),
  /** The version an approval published. */
  newVersion: z.number().int().nullable(),
  note: z.string().nullable(),
});
export type HealProposal = z.infer<typeof HealProposalSchema>;
/** `GET /api/v1/healing/proposals`: most recently changed first. */
export const HealProposalListSchema = z.array(HealProposalSchema);

/** A message a consumer set aside because it could not take it, as an operator reads it (never its body). */
export const QuarantinedMessageSchema = z.object({
  /** Sequence in the QUARANTINE stream (`npx aether quarantine --requeue <#>`). */
  sequence: z.number().int(),
  quarantinedAt: z.iso.datetime(),
  /** The durable consumer that could not take it. */
  consumer: z.string(),
  reason: z.string(),
  origin: z.object({ stream: z.string(), subject: z.string(), sequence: z.number().int() }),
});
export type QuarantinedMessage = z.infer<typeof QuarantinedMessageSchema>;

/** `GET /api/v1/quarantine`. */
export const QuarantineListSchema = z.object({
  /** The tenant's messages in quarantine. */
  total: z.number().int(),
  /** The newest `limit` of them, newest first. */
  messages: z.array(QuarantinedMessageSchema),
});
export type QuarantineList = z.infer<typeof QuarantineListSchema>;

/** `GET /api/v1/quarantine` query. */
export const QuarantineQuerySchema = z
  .object({
    consumer: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,128}$/)
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
