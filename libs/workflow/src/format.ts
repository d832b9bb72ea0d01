import { z } from 'zod';
import { catalogEntries } from './catalog';

/**
 * The workflow document format: one zod schema as the single source for the TypeScript
 * types, the structural validation and the published JSON Schema.
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const identifierSchema = z
  .string()
  .regex(IDENTIFIER, 'must start with a letter or "_" and hold only letters, digits, "_" and "-"')
  .max(100)
  .meta({ id: 'identifier' });
const identifier = () => identifierSchema;

export const inputTypes = ['string', 'number', 'integer', 'boolean', 'object', 'array'] as const;
export type InputType = (typeof inputTypes)[number];

/** A typed input (or subflow input) of a workflow. */
export const inputDefinitionSchema = z
  .strictObject({
    type: z.enum(inputTypes),
    description: z.string().optional(),
    /** A required input without a default must be given when the job starts. Default false. */
    required: z.boolean().optional(),
    /** Used when the input is not given. Must itself satisfy the definition. */
    default: z.unknown().optional(),
    enum: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .min(1)
      .optional(),
    /** A regular expression a string must match (whole-string match is up to the pattern). */
    pattern: z.string().max(500).optional(),
    format: z.enum(['date', 'date-time', 'email', 'uri']).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    minLength: z.number().int().min(0).optional(),
    maxLength: z.number().int().min(0).optional(),
  })
  .meta({ id: 'inputDefinition', description: 'A typed input. `date` format is YYYY-MM-DD.' });
export type InputDefinition = z.infer<typeof inputDefinitionSchema>;

/** A workflow output: a template (`"{{ steps.x.output.text }}"`) or `{ value, type?, description? }`. */
export const outputDefinitionSchema = z
  .union([
    z.string(),
    z.strictObject({
      value: z.unknown(),
      type: z.enum(inputTypes).optional(),
      description: z.string().optional(),
    }),
  ])
  .meta({ id: 'outputDefinition' });
export type OutputDefinition = z.infer<typeof outputDefinitionSchema>;

export const retryPolicySchema = z
  .strictObject({
    /** Attempts in all, including the first. */
    attempts: z.number().int().min(1).max(100),
    /** Wait before the second attempt, in milliseconds. */
    backoffMs: z.number().int().min(0).max(3_600_000),
    /** Multiplier per further attempt. Default 2. */
    backoffFactor: z.number().min(1).max(10).optional(),
    /** Cap on the wait, in milliseconds. */
    maxBackoffMs: z.number().int().min(0).optional(),
  })
  .meta({ id: 'retryPolicy' });
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

/** What a deterministic step failure does to the job: fail it at once, or park it for an operator. */
const onDeterministicFailure = z.enum(['fail', 'park']);

const nodeFields = {
  /** Unique within its flow; referenced by edges and by `steps.<id>` in expressions. */
  id: identifier(),
  /** A type from the node catalog, e.g. `browser.click`. */
  type: z.string().min(1).max(100),
  name: z.string().optional(),
  description: z.string().optional(),
  /** Node params; string values may hold `{{ expressions }}`. */
  params: z.record(z.string(), z.unknown()).optional(),
  /** The node to run after this one; absent ends the enclosing block (or the workflow). */
  next: identifier().optional(),
  /** Where to go when this node fails terminally (after retries), with `error` in scope. */
  onError: identifier().optional(),
  /** `if`: `then` / `else`; `switch`: one per value plus `default`. Each names a block's first node. */
  branches: z.record(z.string(), identifier()).optional(),
  /** First node of the body of `forEach`, `while`, `try` and `retry`. */
  body: identifier().optional(),
  /** `try`: first node of the block run on failure. */
  catch: identifier().optional(),
  /** `try`: first node of the block always run afterwards. */
  finally: identifier().optional(),
  /** Step timeout in milliseconds; default from the node catalog. */
  timeoutMs: z
    .number()
    .int()
    .min(1)
    .max(24 * 3_600_000)
    .optional(),
  /** Retry failed retryable attempts of this step. Default: one attempt. */
  retry: retryPolicySchema.optional(),
  /** Declare this step safe to re-run after an ambiguous outcome. */
  idempotent: z.boolean().optional(),
  /** A key (template allowed) the handler passes on so the target deduplicates; implies idempotent. */
  idempotencyKey: z.string().min(1).optional(),
  /**
   * When this step fails deterministically (not retryable, no catch): `fail` the job at once, or
   * `park` it for an operator (retry-step, skip-step or fail). Default: the workflow's
   * `defaults.onDeterministicFailure`, else `fail`.
   */
  onDeterministicFailure: onDeterministicFailure.optional(),
};

export const nodeSchema = z.strictObject(nodeFields);
export type WorkflowNodeDocument = z.infer<typeof nodeSchema>;

const flowFields = {
  inputs: z.record(identifier(), inputDefinitionSchema).optional(),
  outputs: z.record(identifier(), outputDefinitionSchema).optional(),
  /** Initial values of `vars.<name>` (templates over `inputs` allowed); `data.set` changes them. */
  variables: z.record(identifier(), z.unknown()).optional(),
  /** The first node. Default: the first in `nodes`. */
  start: identifier().optional(),
  nodes: z.array(nodeSchema).min(1).max(2000),
};

export const subflowSchema = z.strictObject({
  id: identifier(),
  version: z.number().int().min(1).optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  ...flowFields,
});
export type SubflowDocument = z.infer<typeof subflowSchema>;

export const workflowSchema = z.strictObject({
  $schema: z.string().optional(),
  id: identifier(),
  /**
   * Positive integer. The workflow store assigns versions on publish (this field is then
   * informational); a job pins the version it started with.
   */
  version: z.number().int().min(1).optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  /** Allows `browser.evaluate`. Default false. */
  trusted: z.boolean().optional(),
  /** Re-run ambiguous steps even of non-idempotent nodes. Default false. */
  autoRetryAmbiguous: z.boolean().optional(),
  defaults: z
    .strictObject({
      timeoutMs: z.number().int().min(1).optional(),
      retry: retryPolicySchema.optional(),
      /** Self-healing policy of element steps without their own `healing` param. Default `off`. */
      healing: z.enum(['off', 'heal', 'heal-and-pause']).optional(),
      /** What a deterministic step failure does to the job, for nodes without their own. Default `fail`. */
      onDeterministicFailure: onDeterministicFailure.optional(),
    })
    .optional(),
  ...flowFields,
  /** Subflows callable with the `subflow` node. */
  subflows: z.array(subflowSchema).max(100).optional(),
});

/** A validated workflow document, as returned by `parseWorkflow`. */
export type WorkflowDocument = z.infer<typeof workflowSchema>;
export type FlowDocument = WorkflowDocument | SubflowDocument;

/** The published JSON Schema: the document schema with each node's params typed by its `type`. */
export function workflowJsonSchema(): Record<string, unknown> {
  const typedNodes = [...catalogEntries.values()].map((spec) =>
    z
      .strictObject({ ...nodeFields, type: z.literal(spec.type), params: spec.jsonSchemaParams.optional() })
      .meta({ id: `node:${spec.type}`, title: spec.type, description: spec.description }),
  );
  const node = z.union(typedNodes as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  const flowWithTypedNodes = { ...flowFields, nodes: z.array(node).min(1).max(2000) };
  const schema = workflowSchema
    .extend({
      ...flowWithTypedNodes,
      subflows: z.array(subflowSchema.extend(flowWithTypedNodes)).max(100).optional(),
    })
    .meta({
      $id: 'https://aether.dev/schemas/workflow.schema.json',
      title: 'Aether workflow',
      description: 'An Aether RPA workflow. Generated from libs/workflow/src/format.ts; do not edit by hand.',
    });
  return z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}
