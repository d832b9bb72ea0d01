import { z } from 'zod';
import { AggregateIdSchema } from '../ids';
import { defineMessage, type MessageOf } from '../envelope';

/** A workflow's name for a secret (`secrets.<name>`). */
export const SecretRefSchema = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
    'secret names are letters, digits and "_", not starting with a digit',
  );

/**
 * A robot asks for the secrets a step of a job it holds refers to, on
 * `aether.ctl.<tenant>.secret.read` (core NATS request; the gateway answers).
 */
export const SecretReadRequestSchema = z.object({
  /** The robot's bearer credential: a token or API key of role `robot` whose name is its robot id. */
  credential: z.string().min(1).max(8192),
  jobId: AggregateIdSchema,
  names: z.array(SecretRefSchema).min(1).max(64),
  /** A one-time X25519 public key (SPKI DER, base64url): the values come back sealed to it. */
  recipientKey: z.string().min(1).max(256),
});
export type SecretReadRequest = z.infer<typeof SecretReadRequestSchema>;

/** Why a secret request was refused as a whole. */
export const SecretReadRefusalSchema = z.enum([
  'invalid-request',
  'unauthenticated',
  'not-a-robot',
  'not-holder',
  'unavailable',
]);

/** Either every value found, sealed to the request's key (a JSON object name → value inside), or a refusal. */
export const SecretReadReplySchema = z.union([
  z.object({
    sealed: z.object({ ephemeralKey: z.string(), ciphertext: z.string() }),
    /** Names there is no readable secret for, and why. */
    missing: z.array(z.object({ name: z.string(), reason: z.enum(['not-found', 'unreadable']) })),
  }),
  z.object({ refused: SecretReadRefusalSchema, message: z.string() }),
]);
export type SecretReadReply = z.infer<typeof SecretReadReplySchema>;

/**
 * Every secret request a robot made, granted or not, on `aether.evt.<tenant>.audit.<yyyy-mm-dd>`:
 * who, for which job, which names. Never a value.
 */
export const SecretRead = defineMessage({
  kind: 'event',
  aggregate: 'audit',
  type: 'SecretRead',
  version: 1,
  schema: z.object({
    actor: z.object({
      subject: z.string(),
      name: z.string(),
      role: z.string(),
      via: z.enum(['token', 'api-key']),
    }),
    jobId: z.string(),
    names: z.array(z.string()),
    /** The names whose values were handed out. */
    granted: z.array(z.string()),
    refused: SecretReadRefusalSchema.optional(),
  }),
});
export type SecretReadEvent = MessageOf<typeof SecretRead>;
