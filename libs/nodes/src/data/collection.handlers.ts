import { evaluateExpression, ExpressionError } from '@aether/workflow';
import { z } from 'zod';
import type { NodeHandler } from '../contract';
import { NodeParamsError } from '../errors';
import { throwIfAborted } from '../shared/abort';
import { defineHandler, nonEmpty } from '../shared/define-handler';

const params = z.object({ items: z.array(z.unknown()).max(100_000), expression: nonEmpty });

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
    defineHandler('data.map', params, async ({ items, expression }, { signal }) => ({
      items: each(expression, items, signal),
    })),
    defineHandler('data.filter', params, async ({ items, expression }, { signal }) => {
      const keep = each(expression, items, signal);
      return { items: items.filter((_, index) => Boolean(keep[index])) };
    }),
  ];
}
