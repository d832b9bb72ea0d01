import { evaluateExpression, ExpressionError } from '@aether/workflow';
import type { NodeHandler } from '../contract';
import { NodeParamsError } from '../errors';
import { throwIfAborted } from '../shared/abort';
import { implement } from '../shared/define-handler';

/**
 * `data.map` and `data.filter`: the engine leaves `expression` unevaluated (a deferred
 * param) and the handler evaluates it per item with the workflow's own expression language.
 */
export function collectionHandlers(): NodeHandler[] {
  const each = (expression: string, items: unknown[], signal: AbortSignal) =>
    items.map((item, index) => {
      if (index % 1000 === 0) throwIfAborted(signal);
      try {
        return evaluateExpression(expression, { item, index });
      } catch (error) {
        if (error instanceof ExpressionError) {
          throw new NodeParamsError(`expression failed on item ${index}: ${error.message}`, { cause: error });
        }
        throw error;
      }
    });
  return [
    implement('data.map', async ({ items, expression }, { signal }) => ({
      items: each(expression, items, signal),
    })),
    implement('data.filter', async ({ items, expression }, { signal }) => {
      const keep = each(expression, items, signal);
      return { items: items.filter((_, index) => Boolean(keep[index])) };
    }),
  ];
}
