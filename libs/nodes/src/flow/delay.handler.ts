import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeHandler } from '../contract';
import { abortedError } from '../shared/abort';
import { implement } from '../shared/define-handler';

export const delayHandler: NodeHandler = implement('delay', async ({ ms }, { signal }) => {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    if (signal.aborted) throw abortedError(signal);
    throw error;
  }
  return { waitedMs: ms };
});
