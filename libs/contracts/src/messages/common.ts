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

/** 0 (lowest) to 20 (highest); default 10. */
export const PrioritySchema = z.number().int().min(0).max(20);
export const DEFAULT_PRIORITY = 10;
