export interface Runner {
  runJob(steps: number): Promise<void>;
}

/** Workflows per second with `concurrency` jobs in flight. */
export async function throughput(
  runner: Runner,
  steps: number,
  jobs: number,
  concurrency: number,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs) {
        next++;
        await runner.runJob(steps);
      }
    }),
  );
  return jobs / ((performance.now() - started) / 1000);
}

/** Per-step checkpoint cost in ms, one sample per pair of jobs: (20-step time − 1-step time) / 19, one job at a time. */
export async function perStepOverhead(runner: Runner, samples: number): Promise<number[]> {
  const costs: number[] = [];
  for (let i = 0; i < samples; i++) {
    let t = performance.now();
    await runner.runJob(1);
    const one = performance.now() - t;
    t = performance.now();
    await runner.runJob(20);
    const twenty = performance.now() - t;
    costs.push((twenty - one) / 19);
  }
  return costs;
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
