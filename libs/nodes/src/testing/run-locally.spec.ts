import { parseWorkflow, type Workflow } from '@aether/workflow';
import type { NodeHandler } from '../contract';
import { ElementNotFoundError } from '../errors';
import { LAST_WORD_MS, raceAbort } from '../shared/abort';
import { runLocally } from './run-locally';

function parsed(doc: unknown): Workflow {
  const result = parseWorkflow(doc);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return result.workflow;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A step of 300 ms whose handler finds its element missing `lateMs` past that, as a busy machine can. */
const lateFinding = (lateMs: number): NodeHandler => ({
  type: 'data.set',
  execute: (_params, context) =>
    raceAbort(
      sleep((context.timeoutMs ?? 0) + lateMs).then(() => {
        throw new ElementNotFoundError('#gone', 0);
      }),
      context.signal,
    ),
});

const oneStep = parsed({
  id: 'late',
  version: 1,
  nodes: [{ id: 'find', type: 'data.set', params: { values: {} }, timeoutMs: 300 }],
});

describe('runLocally: a step’s time and its handler’s last word', () => {
  it('keeps the handler’s own finding when it comes a little past the step’s time, as the robot does', async () => {
    const handler = lateFinding(LAST_WORD_MS / 4);
    const result = await runLocally({ workflow: oneStep, handlers: new Map([[handler.type, handler]]) });
    expect(result).toMatchObject({
      status: 'failed',
      error: { code: 'ELEMENT_NOT_FOUND', retryable: false },
    });
  });

  it('times the step out when its handler says nothing until well past its time', async () => {
    const handler = lateFinding(LAST_WORD_MS * 2);
    const result = await runLocally({ workflow: oneStep, handlers: new Map([[handler.type, handler]]) });
    expect(result).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT', retryable: true } });
  });
});
