import { looksGeneratedId } from './fragility';
import type { Features } from './score';
import type { ElementSnapshot } from './snapshot';

/**
 * What the candidate shares of the target's own identity: its test id or stable id (`strong`:
 * moved, not copied), only its name (`name`: copies keep names too, a newsletter form's
 * `email` field), or nothing.
 */
export function sharedIdentity(fp: Features, c: Features): 'strong' | 'name' | 'none' {
  if ((fp.testIds.length > 0 && fp.testIds.some((t) => c.testIds.includes(t))) || keptOwnId(fp, c))
    return 'strong';
  return fp.name !== '' && fp.name === c.name && fp.tag === c.tag ? 'name' : 'none';
}

/**
 * The candidate carries the target's own stable id. A page names one element by an id: the
 * element that still carries it is the target, moved, however far (a copy of a deleted
 * target does not take its id). Test ids are not enough: a component's copies carry them. A
 * generated id names nothing; a slug's percent escapes are its words (ADR 92, 128).
 */
export function keptOwnId(fp: Features, c: Features): boolean {
  return fp.id !== '' && fp.id === c.id && !looksGeneratedId(fp.id);
}

/** Exactly one element of the page carries the id: a page that repeats an id names nothing by it. */
export function idIsUnique(id: string, snaps: readonly ElementSnapshot[]): boolean {
  if (id === '') return false;
  let holders = 0;
  for (const s of snaps) if (s.id === id && ++holders > 1) return false;
  return holders === 1;
}
