import { INTRINSIC_SLACK, ownSimilarity } from './candidate';
import type { ElementFeatures, Fingerprint } from './fingerprint';
import { similarity, type Features, type Weights } from './score';
import type { ElementSnapshot } from './snapshot';

/** The levels at which two positional paths of the same tags differ; `undefined` when their tags differ. */
function differingLevels(
  path: readonly string[],
  positions: readonly number[],
  otherPath: readonly string[],
  otherPositions: readonly number[] | undefined,
): number[] | undefined {
  if (!otherPositions || otherPath.length !== path.length || otherPositions.length !== path.length)
    return undefined;
  const levels: number[] = [];
  for (let i = 0; i < path.length; i++) {
    if (otherPath[i] !== path[i]) return undefined;
    if (otherPositions[i] !== positions[i]) levels.push(i);
  }
  return levels;
}

/**
 * The level of the target's recorded path at which it and the look-alikes that claim the
 * candidate are items of one list (the same tags and positions everywhere else), when the
 * candidate is an item of that list too: at the target's recorded place or in another of the
 * list's slots. `undefined` when they are not one list's items.
 */
export function listLevel(
  fp: Fingerprint,
  c: ElementSnapshot,
  claimers: readonly ElementFeatures[],
): number | undefined {
  const was = fp.positions;
  if (!was || was.length !== fp.path.length) return undefined;
  let level: number | undefined;
  for (const l of claimers) {
    const d = differingLevels(fp.path, was, l.path, l.positions);
    if (!d || d.length !== 1 || (level !== undefined && d[0] !== level)) return undefined;
    level = d[0];
  }
  const mine = differingLevels(fp.path, was, c.path, c.positions);
  if (level === undefined || !mine || mine.length > 1 || (mine.length === 1 && mine[0] !== level))
    return undefined;
  return level;
}

/**
 * The items of the target's list (its recorded path with any position at `level`) that none of
 * the list's recorded look-alikes is: each look-alike is one element, matched in document order
 * to the item most like it (order-preserving, the highest total similarity). A list that kept
 * as many items as it had look-alikes leaves none over: the target is gone or elsewhere (ADR 121).
 */
export function listLeftOver(
  fp: Fingerprint,
  target: Features,
  level: number,
  lookalikes: readonly Features[],
  snaps: readonly ElementSnapshot[],
  featuresAt: readonly Features[],
  weights: Weights,
): ReadonlySet<number> {
  const was = fp.positions ?? [];
  const recorded: { l: Features; at: number }[] = [];
  // Items count when they are as like the target in their own attributes as its recorded
  // look-alikes in the list were: the list's other items were never look-alikes.
  let like = 1;
  (fp.lookalikes ?? []).forEach((l, i) => {
    const d = differingLevels(fp.path, was, l.path, l.positions);
    if (d && d.length === 1 && d[0] === level) {
      recorded.push({ l: lookalikes[i], at: l.positions?.[level] ?? 0 });
      like = Math.min(like, ownSimilarity(target, lookalikes[i], weights));
    }
  });
  recorded.sort((a, b) => a.at - b.at);
  const items: number[] = [];
  for (let i = 0; i < snaps.length; i++) {
    const d = differingLevels(fp.path, was, snaps[i].path, snaps[i].positions);
    if (d && (d.length === 0 || (d.length === 1 && d[0] === level)))
      if (ownSimilarity(target, featuresAt[i], weights) >= like - INTRINSIC_SLACK) items.push(i);
  }
  const n = recorded.length;
  const m = items.length;
  if (m <= n) return new Set();
  // best[a][b]: the highest total similarity of the first a look-alikes matched to the first b items.
  const best: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(-Infinity));
  for (let b = 0; b <= m; b++) best[0][b] = 0;
  for (let a = 1; a <= n; a++)
    for (let b = a; b <= m; b++)
      best[a][b] = Math.max(
        best[a][b - 1],
        best[a - 1][b - 1] + similarity(recorded[a - 1].l, featuresAt[items[b - 1]], weights),
      );
  const over = new Set<number>();
  for (let a = n, b = m; b > 0; b--) {
    if (a > 0 && best[a][b] !== best[a][b - 1]) a--;
    else over.add(snaps[items[b - 1]].uid);
  }
  return over;
}
