import { z } from 'zod';

/** JSON-safe values only: what we can put in an event and read back unchanged. */
export const JsonObjectSchema = z.record(z.string(), z.json());
export type JsonObject = z.infer<typeof JsonObjectSchema>;

export const ErrorInfoSchema = z.object({
  message: z.string().max(4000),
  /** Class name of the failure, e.g. `ElementNotFound`, `TimeoutError`. */
  code: z.string().max(100).optional(),
  retryable: z.boolean(),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

/**
 * Why a trigger's fire started no job (ADR 135): the workflow version it would run refuses the
 * inputs the fire carries. Problems name inputs and the workflow's rules, never a value.
 */
export const FireRefusalSchema = z.object({
  /** The version checked; absent when the workflow (or the version pinned) was not found. */
  workflowVersion: z.number().int().positive().optional(),
  /** One line: `workflow <id> v<n> refuses these inputs: inputs.customer: required; …`. */
  reason: z.string().max(4000),
  problems: z.array(z.object({ path: z.string().max(500), message: z.string().max(1000) })).max(100),
});
export type FireRefusal = z.infer<typeof FireRefusalSchema>;

/** 0 (lowest) to 20 (highest); default 10. */
export const PrioritySchema = z.number().int().min(0).max(20);
export const DEFAULT_PRIORITY = 10;
