import { AnchorIndex, LEFT_ANCHORS, leftNeighbourhood } from './anchors';
import type { Fingerprint } from './fingerprint';
import type { ElementSnapshot } from './snapshot';

/**
 * Whether an element looks, to a healer, exactly like a copy of the target placed elsewhere
 * after the target was deleted: it carries none of the target's own identity (id, test id,
 * name) and sits outside every surrounding the fingerprint recorded (form, landmark, nearest
 * heading, id'd container, stable neighbours). The target moved there and a deleted target's
 * copy put there are the same page; a healer that heals one heals the other.
 */
export function looksLikeACopy(
  fp: Fingerprint,
  snapshots: readonly ElementSnapshot[],
  element: ElementSnapshot,
): boolean {
  if (fp.id && element.id === fp.id) return false;
  if (fp.testIds?.some((t) => element.testIds.includes(t))) return false;
  if (fp.name && element.name === fp.name) return false;
  const was = fp.context;
  if (was?.form && element.form === was.form) return false;
  if (was && was.landmarks.length > 0 && startsWith(element.landmarks, was.landmarks)) return false;
  if (fp.headingText && element.headingText === fp.headingText) return false;
  if (was?.container && element.containers.includes(was.container)) return false;
  if (!fp.anchors || fp.anchors.length === 0) return true;
  const left = leftNeighbourhood(fp.anchors, element, fp.depth, new AnchorIndex(snapshots), LEFT_ANCHORS);
  return left !== false;
}

function startsWith(list: readonly string[], prefix: readonly string[]): boolean {
  return prefix.every((p, i) => list[i] === p);
}
