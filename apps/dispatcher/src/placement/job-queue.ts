import { effectivePriority } from './placement';

export interface Queued {
  readonly key: string;
  readonly priority: number;
  /** When it started waiting (ms): orders equal priorities and drives aging. */
  readonly enqueuedAt: number;
  /** Finish by (epoch ms): within a band, the earliest deadline first (EDF); none comes after any. */
  readonly deadline?: number;
}

const LEVELS = 21;

/**
 * Pending jobs by priority (0–20), FIFO within a level, with aging: `inOrder` yields jobs by
 * effective priority (priority + one level per `agingMs` waited), oldest first among equals.
 * Jobs that must move at once (failed over, released by a stopping robot) come before all.
 * Within a level the oldest job is the most aged, so comparing the heads of the 21 levels is
 * enough: a pass costs 21 comparisons per job yielded, whatever the queue's length.
 * While some waiting job has a deadline, a pass sorts instead: effective priority (the band),
 * then the earliest deadline, then the oldest.
 */
export class JobQueue<T extends Queued> {
  private readonly urgent = new Map<string, T>();
  private readonly levels: Map<string, T>[] = Array.from({ length: LEVELS }, () => new Map<string, T>());
  /** Keys of waiting jobs that carry a deadline. */
  private readonly withDeadline = new Set<string>();

  get size(): number {
    return this.urgent.size + this.levels.reduce((sum, level) => sum + level.size, 0);
  }

  add(item: T, options: { urgent?: boolean } = {}): void {
    this.remove(item.key);
    if (options.urgent) this.urgent.set(item.key, item);
    else this.levels[clamp(item.priority)].set(item.key, item);
    if (item.deadline !== undefined) this.withDeadline.add(item.key);
  }

  remove(key: string): void {
    this.withDeadline.delete(key);
    if (this.urgent.delete(key)) return;
    for (const level of this.levels) if (level.delete(key)) return;
  }

  has(key: string): boolean {
    return this.urgent.has(key) || this.levels.some((level) => level.has(key));
  }

  *inOrder(now: number, agingMs: number): Generator<T> {
    // Live iterators: a pass that removes the job it was just given stays cheap and correct.
    yield* this.urgent.values();
    if (this.withDeadline.size > 0) {
      yield* this.byDeadline(now, agingMs);
      return;
    }
    const cursors = this.levels.map((level) => {
      const iterator = level.values();
      return { iterator, head: iterator.next() };
    });
    for (;;) {
      let best = -1;
      let bestRank = -Infinity;
      let bestAge = Infinity;
      for (let i = 0; i < cursors.length; i++) {
        const head = cursors[i].head;
        if (head.done) continue;
        const rank = effectivePriority(head.value.priority, now - head.value.enqueuedAt, agingMs);
        if (rank > bestRank || (rank === bestRank && head.value.enqueuedAt < bestAge)) {
          best = i;
          bestRank = rank;
          bestAge = head.value.enqueuedAt;
        }
      }
      if (best < 0) return;
      const cursor = cursors[best];
      const item = cursor.head.value as T;
      cursor.head = cursor.iterator.next();
      yield item;
    }
  }

  private byDeadline(now: number, agingMs: number): T[] {
    const waiting = this.levels.flatMap((level) => [...level.values()]);
    const band = new Map(
      waiting.map((item) => [item, effectivePriority(item.priority, now - item.enqueuedAt, agingMs)]),
    );
    return waiting.sort(
      (a, b) =>
        (band.get(b) as number) - (band.get(a) as number) ||
        (a.deadline ?? Infinity) - (b.deadline ?? Infinity) ||
        a.enqueuedAt - b.enqueuedAt,
    );
  }
}

function clamp(priority: number): number {
  return Math.min(LEVELS - 1, Math.max(0, Math.round(priority)));
}
