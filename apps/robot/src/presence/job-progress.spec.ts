import type { NodeContext, NodeHandler } from '@aether/nodes';
import { JobProgress } from './job-progress';

const context = (jobId: string, stepKey: string) =>
  ({ jobId, stepKey, stall: { limitMs: 30_000, idempotent: true } }) as unknown as NodeContext;

describe('JobProgress', () => {
  const handlers = new Map<string, NodeHandler>([
    ['data.set', { type: 'data.set', execute: async () => ({ done: true }) }],
    [
      'http.request',
      {
        type: 'http.request',
        execute: async () => {
          throw new Error('refused');
        },
      },
    ],
  ]);

  it("marks a job's current step while it runs and counts it when it completes", async () => {
    const progress = new JobProgress();
    let release!: () => void;
    const slow = new Map<string, NodeHandler>([
      [
        'data.set',
        { type: 'data.set', execute: () => new Promise((resolve) => (release = () => resolve({}))) },
      ],
    ]);
    const running = progress.track(slow).get('data.set')!.execute({}, context('j1', 'mark'));
    expect(progress.report(['j1'])).toEqual([
      {
        jobId: 'j1',
        currentNode: 'mark',
        step: {
          key: 'mark',
          nodeType: 'data.set',
          startedAt: expect.any(String),
          limitMs: 30_000,
          idempotent: true,
        },
        completedSteps: 0,
      },
    ]);
    release();
    await running;
    expect(progress.report(['j1'])).toEqual([{ jobId: 'j1', completedSteps: 1 }]);
    expect(progress.report([])).toEqual([]);
  });

  it('tells the observer each step’s node type, duration and outcome', async () => {
    const progress = new JobProgress();
    const seen: [string, number, string][] = [];
    progress.observeSteps((type, seconds, outcome) => seen.push([type, seconds, outcome]));
    const tracked = progress.track(handlers);
    await tracked.get('data.set')!.execute({}, context('j1', 'a'));
    await expect(tracked.get('http.request')!.execute({}, context('j1', 'b'))).rejects.toThrow('refused');
    expect(seen.map(([type, , outcome]) => [type, outcome])).toEqual([
      ['data.set', 'completed'],
      ['http.request', 'failed'],
    ]);
    for (const [, seconds] of seen) expect(seconds).toBeGreaterThanOrEqual(0);
  });
});
