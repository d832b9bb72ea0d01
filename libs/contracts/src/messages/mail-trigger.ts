import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { FireRefusalSchema, JsonObjectSchema, PrioritySchema } from './common';
import { PlacementSchema } from './dispatch.events';

/**
 * A mailbox that starts a job per new message, in the `mail-triggers` KV bucket under
 * `<tenant>.<triggerId>` (ADR 52). The job's variables are `variables` plus `mail`: `{ uid,
 * uidValidity, mailbox, messageId?, from?, subject }`.
 */
export const MailTriggerDefinitionSchema = z.object({
  triggerId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  tenantId: z.string().min(1),
  /** The name of the secret holding the `imap://` or `imaps://` URL; never the URL itself. */
  imapSecret: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/),
  /** Default `INBOX`. */
  mailbox: z.string().min(1).max(1000).default('INBOX'),
  /** Only messages whose sender contains this. */
  from: z.string().min(1).max(998).optional(),
  /** Only messages whose subject contains this. */
  subject: z.string().min(1).max(998).optional(),
  paused: z.boolean(),
  createdAt: z.iso.datetime(),
  workflowId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  workflowVersion: z.number().int().positive().optional(),
  variables: JsonObjectSchema,
  priority: PrioritySchema,
  placement: PlacementSchema.optional(),
});
export type MailTriggerDefinition = z.infer<typeof MailTriggerDefinitionSchema>;

/**
 * One new message of a mail trigger's mailbox, on `aether.evt.<tenant>.mail-trigger.<triggerId>`,
 * appended with the subject's expected last sequence: of scheduler replicas racing for the same
 * message exactly one append succeeds, and the last one is where a restarted watcher resumes
 * (UIDs above `uid` in `uidValidity`). The job id is derived from the Message-ID, so the same
 * message seen again (a rebuilt mailbox, a copy moved back) starts no second job.
 */
export const MailTriggerFired = defineMessage({
  kind: 'event',
  aggregate: 'mail-trigger',
  type: 'MailTriggerFired',
  version: 1,
  schema: z.object({
    uid: z.number().int().positive(),
    /** IMAP's UIDVALIDITY, a 32-bit number, as a string. */
    uidValidity: z.string().regex(/^\d{1,10}$/),
    messageId: z.string().max(998).optional(),
    jobId: z.string().min(1).max(128),
    /** Which scheduler replica saw it. */
    firedBy: z.string().max(200),
    /** The workflow version checked and requested (absent on fires before ADR 135: the latest then). */
    workflowVersion: z.number().int().positive().optional(),
    /** Present when the message started no job: `jobId` names the job it would have started. */
    refused: FireRefusalSchema.optional(),
  }),
});

export const MAIL_TRIGGER_EVENTS = [MailTriggerFired] as const;
export type MailTriggerEvent = MessageOf<typeof MailTriggerFired>;
