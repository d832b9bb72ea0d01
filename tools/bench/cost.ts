/** CPU one process spent on the measured jobs, in ms per job. */
export interface ProcessCost {
  /** As the stack names it: `dispatcher`, `robot-3`, `nats-server`… */
  readonly name: string;
  readonly ms: number;
}

/**
 * The CPU line of a benchmark's JSON: ms per job by process, robots summed into `robots`, names
 * as JSON keys (`robot-registry` → `robot_registry`), and the `total` of all of them. Rounded to
 * the microsecond.
 */
export function cpuByProcess(processes: readonly ProcessCost[], postgresMs: number): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const { name, ms } of processes) {
    const key = /^robot-\d+$/.test(name) ? 'robots' : name.replace(/[^A-Za-z0-9]+/g, '_');
    byName[key] = (byName[key] ?? 0) + ms;
  }
  byName['postgres'] = postgresMs;
  const total = Object.values(byName).reduce((sum, ms) => sum + ms, 0);
  return Object.fromEntries(
    [...Object.entries(byName), ['total', total] as const].map(([key, ms]) => [
      key,
      Math.round(ms * 1000) / 1000,
    ]),
  );
}
