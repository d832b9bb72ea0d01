import { runLocally, type LocalRunResult, type RunLocallyOptions } from './run-locally';

/**
 * The local runs of a suite, stopped when each test ends. Jest ends a test that times out but
 * leaves its promise running, so a run that outlived its test would go on acting during the next
 * one. Call `stop()` in `afterEach`: every run still going is aborted (its current step sees the
 * abort, no later step starts) and awaited, so it has released its browser lease and touches
 * nothing afterwards.
 */
export class LocalRuns {
  #stopping = new AbortController();
  readonly #running = new Set<Promise<void>>();

  /** @param stopWithinMs how long `stop()` waits for an aborted run to end before it throws. Default `10000`. */
  constructor(private readonly stopWithinMs = 10_000) {}

  /** `runLocally`, aborted by the next `stop()` (and by `options.signal`, when given). */
  run(options: RunLocallyOptions): Promise<LocalRunResult> {
    const stopping = this.#stopping.signal;
    const signal = options.signal ? AbortSignal.any([options.signal, stopping]) : stopping;
    const run = runLocally({ ...options, signal });
    const forget = () => void this.#running.delete(ended);
    const ended = run.then(forget, forget);
    this.#running.add(ended);
    return run;
  }

  /**
   * Aborts every run still going and waits until each has ended; runs started afterwards are not
   * affected.
   *
   * @throws Error when a run has not ended `stopWithinMs` after the abort (a step that ignores it).
   */
  async stop(): Promise<void> {
    this.#stopping.abort(new Error('The test that started this run has ended'));
    this.#stopping = new AbortController();
    const running = [...this.#running];
    if (running.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const outlived = new Promise<'outlived'>((resolve) => {
      timer = setTimeout(() => resolve('outlived'), this.stopWithinMs);
    });
    const ended = await Promise.race([Promise.all(running).then(() => 'ended' as const), outlived]);
    clearTimeout(timer);
    if (ended === 'outlived')
      throw new Error(
        `${this.#running.size} local run(s) still going ${this.stopWithinMs} ms after the abort`,
      );
  }
}
