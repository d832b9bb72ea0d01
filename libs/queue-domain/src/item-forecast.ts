import type { QueueItemState } from './queue-item';

/**
 * The p-th percentile (0–100) of how long the queue's finished items took from their last start
 * to their completion, in ms; `undefined` before the first one finished.
 */
export function itemDurationPercentile(items: Iterable<QueueItemState>, p: number): number | undefined {
  const durations: number[] = [];
  for (const item of items)
    if (item.status === 'successful' && item.startedAt && item.finishedAt)
      durations.push(Date.parse(item.finishedAt) - Date.parse(item.startedAt));
  if (durations.length === 0) return undefined;
  durations.sort((a, b) => a - b);
  return durations[Math.min(durations.length - 1, Math.ceil((p / 100) * durations.length) - 1)];
}

/**
 * Plays the waiting items (in take order) forward on `workers` jobs taking one item at a time,
 * each lasting `durationMs`: the items whose predicted finish passes their deadline, with it.
 * Pure: `now` is given.
 */
export function itemsAtRisk<T extends Pick<QueueItemState, 'deadline'>>(
  waiting: readonly T[],
  now: number,
  workers: number,
  durationMs: number,
): { item: T; ahead: number; predictedFinish: number }[] {
  const lanes = Math.max(1, workers);
  return waiting.flatMap((item, ahead) => {
    const predictedFinish = now + (Math.floor(ahead / lanes) + 1) * durationMs;
    return item.deadline !== undefined && predictedFinish > Date.parse(item.deadline)
      ? [{ item, ahead, predictedFinish }]
      : [];
  });
}
