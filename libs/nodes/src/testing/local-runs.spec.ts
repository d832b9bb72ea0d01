import { parseWorkflow, type Workflow } from '@aether/workflow';
import type { NodeHandler } from '../contract';
import { delayHandler } from '../flow/delay.handler';
import { LocalRuns } from './local-runs';
import type { LocalRunResult } from './run-locally';

function parsed(doc: unknown): Workflow {
  const result = parseWorkflow(doc);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return result.workflow;
}

/** 40 rounds of "record a tick, wait `ms`": what a long example (50 orders) looks like to the runner. */
const ticking = (ms: number) =>
  parsed({
    id: 'ticking',
    version: 1,
    nodes: [
      { id: 'rounds', type: 'forEach', params: { items: 'range(0, 40)' }, body: 'tick' },
      { id: 'tick', type: 'data.set', params: { values: {} }, next: 'pause' },
      { id: 'pause', type: 'delay', params: { ms } },
    ],
  });

/** How a run ended: aborted between steps it throws, aborted inside one the step fails. */
const endingOf = (run: Promise<LocalRunResult>) =>
  run.then(
    (result) => (result.status === 'failed' ? result.error.code : result.status),
    (error: { code?: string }) => error.code,
  );

describe('LocalRuns: a test’s runs end with the test', () => {
  let ticks: number;
  const tick: NodeHandler = {
    type: 'data.set',
    execute: async () => {
      ticks++;
      return { values: {} };
    },
  };
  const handlers = new Map<string, NodeHandler>([
    [tick.type, tick],
    [delayHandler.type, delayHandler],
  ]);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeEach(() => {
    ticks = 0;
  });

  it('stop() aborts a run still going and returns once it has ended: it runs no step afterwards', async () => {
    const runs = new LocalRuns();
    // As a test that timed out leaves it: started, never awaited.
    const run = runs.run({ workflow: ticking(50), handlers });
    while (ticks < 2) await sleep(10);

    const asked = Date.now();
    await runs.stop();
    const stoppedIn = Date.now() - asked;
    const atStop = ticks;
    await sleep(300);

    expect(stoppedIn).toBeLessThan(1_000);
    expect(ticks).toBe(atStop);
    expect(ticks).toBeLessThan(40);
    expect(await endingOf(run)).toBe('CANCELLED');
  });

  it('runs started after stop() go to their end', async () => {
    const runs = new LocalRuns();
    void runs.run({ workflow: ticking(50), handlers }).catch(() => undefined);
    await runs.stop();
    ticks = 0;

    const result = await runs.run({ workflow: ticking(0), handlers });

    expect(result.status).toBe('completed');
    expect(ticks).toBe(40);
    await runs.stop();
  });

  it('stop() throws when a run does not end within its bound after the abort', async () => {
    let deafStarted = false;
    const deaf: NodeHandler = {
      type: 'delay',
      execute: async () => {
        deafStarted = true;
        await sleep(400); // ignores the abort
        return { waitedMs: 400 };
      },
    };
    const runs = new LocalRuns(100);
    const run = runs.run({ workflow: ticking(400), handlers: new Map([...handlers, ['delay', deaf]]) });
    while (!deafStarted) await sleep(10);

    await expect(runs.stop()).rejects.toThrow('1 local run(s) still going 100 ms after the abort');
    expect(await endingOf(run)).toBe('CANCELLED');
  });
});
