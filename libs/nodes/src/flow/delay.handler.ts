import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { NodeHandler } from '../contract';
import { abortedError } from '../shared/abort';
import { defineHandler } from '../shared/define-handler';

export const delayHandler: NodeHandler = defineHandler(
  'delay',
  z.object({
    ms: z
      .number()
      .int()
      .min(0)
      .max(24 * 60 * 60 * 1000),
  }),
  async ({ ms }, { signal }) => {
    try {
      await sleep(ms, undefined, { signal });
    } catch (error) {
      if (signal.aborted) throw abortedError(signal);
      throw error;
    }
    return { waitedMs: ms };
  },
);
