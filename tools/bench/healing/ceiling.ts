import type { Fingerprint } from '@aether/healing';
import { findAll, isTag, render, replaceElement, type Document, type DomElement } from './dom';
import { COPY_HOMES, copyOf } from './scenarios';
import { TRUTH_ATTR, ancestors, canHold } from './tree';

/**
 * What bounds correct on the benchmark (ADR 133): a case whose answer is a heal is
 * _indistinguishable_ when the generator's own deletion and look-alike make, from the same page
 * before the change, a page that is byte for byte the one the healer sees, with the same
 * recording: there the right answer is a refusal, and no healer answers two equal inputs apart.
 */

/** What the page held before the case changed it. */
export interface BeforeChange {
  /** The target's ancestors. */
  readonly chain: ReadonlySet<DomElement>;
  /** Every element of the page. */
  readonly elements: ReadonlySet<DomElement>;
}

export function beforeChange(doc: Document, target: DomElement): BeforeChange {
  return { chain: new Set(ancestors(target)), elements: new Set(findAll(() => true, doc.children)) };
}

/**
 * Why a case is not indistinguishable, or that it is:
 * - `deleted`: no target on the page (the answer is a refusal already);
 * - `kept-identity`: the element carries the recorded name or a recorded test id (a copy may
 *   keep them too, but this check does not count on it);
 * - `new-parent`: it sits in an element the change made (a wrapper, a regrouped menu, a widget);
 * - `in-place`: it sits in an element that held it before (its place, or near it);
 * - `not-a-copy-home`: its container is not one `deleted-lookalike` puts copies into;
 * - `page-differs`: the page with a copy in its stead is another page (an id on it or inside it).
 */
export type CeilingVerdict =
  | 'indistinguishable'
  | 'deleted'
  | 'kept-identity'
  | 'new-parent'
  | 'in-place'
  | 'not-a-copy-home'
  | 'page-differs';

function keptIdentity(fp: Fingerprint, el: DomElement): boolean {
  if (fp.id && el.attribs['id'] === fp.id) return true;
  if (fp.name && el.attribs['name'] === fp.name) return true;
  return (fp.testIds ?? []).some((t) => {
    const at = t.indexOf('=');
    return el.attribs[t.slice(0, at)] === t.slice(at + 1);
  });
}

/**
 * Whether the changed page `doc` (the target marked), as healers see it (`seen`), is also what
 * deleting the target from the page described by `before` and putting the generator's
 * look-alike of it where the target now stands gives: the look-alike is `copyOf` with every
 * name kept, its place a direct child of an existing container outside the target's ancestors,
 * of a kind `deleted-lookalike` uses (that scenario always puts it first; the slot is the one
 * freedom taken). The page is compared serialised; `doc` is left as it was.
 */
export function ceilingVerdict(
  before: BeforeChange,
  doc: Document,
  fingerprint: Fingerprint,
  seen: string,
): CeilingVerdict {
  const truth = findAll((e) => e.attribs[TRUTH_ATTR] !== undefined, doc.children)[0];
  if (!truth) return 'deleted';
  if (keptIdentity(fingerprint, truth)) return 'kept-identity';
  const home = truth.parent;
  if (!home || !isTag(home) || !before.elements.has(home)) return 'new-parent';
  if (before.chain.has(home)) return 'in-place';
  const copy = copyOf(truth, () => false);
  if (!COPY_HOMES.has(home.name) || !canHold(home, copy)) return 'not-a-copy-home';
  replaceElement(truth, copy);
  const counterfactual = render(doc);
  replaceElement(copy, truth);
  return counterfactual === seen ? 'indistinguishable' : 'page-differs';
}
