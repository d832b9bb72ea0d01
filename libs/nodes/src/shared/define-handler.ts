import { z } from 'zod';
import type { NodeContext, NodeHandler, NodeOutput } from '../contract';
import { NodeParamsError } from '../errors';

/**
 * A handler whose params are checked again at the IO edge: the catalog validated them
 * before planning, but expressions resolve at run time and a bad value must fail as a
 * terminal `NodeParamsError`, not as a crash inside a library.
 */
export function defineHandler<S extends z.ZodType>(
  type: string,
  schema: S,
  execute: (params: z.infer<S>, context: NodeContext) => Promise<NodeOutput>,
): NodeHandler {
  return {
    type,
    execute: async (params, context) => execute(parseParams(type, schema, params), context),
  };
}

export function parseParams<S extends z.ZodType>(type: string, schema: S, params: unknown): z.infer<S> {
  const result = schema.safeParse(params ?? {});
  if (result.success) return result.data;
  const details = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'params'}: ${issue.message}`)
    .join('; ');
  throw new NodeParamsError(`Invalid params for ${type}: ${details}`, { cause: result.error });
}

export const nonEmpty = z.string().min(1);
