import { nodeCatalog, type NodeParams, type NodeType } from '@aether/workflow';
import type { z } from 'zod';
import type { NodeContext, NodeHandler, NodeOutput } from '../contract';
import { NodeParamsError } from '../errors';

/**
 * The robot's handler of a catalog node type. Its params are the catalog's schema, parsed
 * again at the IO edge: the catalog validated them before planning, but expressions
 * resolve at run time and a bad value must fail as a terminal `NodeParamsError`, not as a
 * crash inside a library.
 */
export function implement<T extends NodeType>(
  type: T,
  execute: (params: NodeParams<T>, context: NodeContext) => Promise<NodeOutput>,
): NodeHandler {
  const spec = nodeCatalog.get(type);
  if (spec === undefined || spec.kind !== 'step')
    throw new Error(`${type} is not a step node of the catalog`);
  return {
    type,
    execute: async (params, context) =>
      execute(parseParams(type, spec.params, params) as NodeParams<T>, context),
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
