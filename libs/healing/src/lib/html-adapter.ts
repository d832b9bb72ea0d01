import {
  Element,
  appendChild,
  isTag,
  isText,
  parseDocument,
  selectAll,
  type AnyNode,
  type ChildNode,
  type Document,
  type DomElement,
} from './html-deps';
import { collectSnapshots } from './collect';
import { fingerprintOf } from './capture';
import type { Fingerprint } from './fingerprint';
import { decide, type HealOptions, type HealResult } from './heal';
import {
  PROPOSAL_CHECKS,
  chooseProposal,
  firstUniqueCandidate,
  isRoleNameSelector,
  picksOutAlone,
  preferRoleName,
  proposalCandidates,
  rankCandidates,
  wantsRoleName,
} from './proposal';
import {
  matchedSnapshots,
  type CollectArgs,
  type CollectResult,
  type DocumentLike,
  type ElementLike,
  type ElementSnapshot,
  type NodeLike,
} from './snapshot';

abstract class LiteNode implements NodeLike {
  abstract readonly nodeType: number;
  abstract readonly nodeValue: string | null;
  previousSibling: LiteNode | null = null;
  nextSibling: LiteNode | null = null;
}

class LiteText extends LiteNode {
  readonly nodeType = 3;
  constructor(readonly nodeValue: string) {
    super();
  }
}

class LiteOther extends LiteNode {
  readonly nodeType = 8;
  readonly nodeValue = null;
}

class LiteElement extends LiteNode implements ElementLike {
  readonly nodeType = 1;
  readonly nodeValue = null;
  readonly tagName: string;
  readonly children: LiteElement[] = [];
  readonly childNodes: LiteNode[] = [];
  /** 1-based position among the parent's elements, as `:nth-child` counts. */
  childPosition = 1;
  /** 1-based position among the parent's elements of the same name, as `:nth-of-type` counts. */
  typePosition = 1;

  constructor(
    readonly node: DomElement,
    readonly parentElement: LiteElement | null,
  ) {
    super();
    this.tagName = node.name;
  }

  getAttribute(name: string): string | null {
    const v = this.node.attribs[name];
    return v === undefined ? null : v;
  }

  getAttributeNames(): string[] {
    return Object.keys(this.node.attribs);
  }
}

/** Thrown inside a query that the sibling positions cannot answer; the query runs again without them. */
const UNINDEXED = new Error('not answerable from the sibling positions');

/**
 * An HTML string parsed once (htmlparser2) and viewed through the DOM slice the
 * collector reads. Top-level content without an `<html>` element is wrapped in
 * `html > body`, as a browser would, so generated selectors mean the same in both.
 * The document is read-only once parsed: positions and wrappers are computed at parse time.
 */
export class HtmlPage implements DocumentLike {
  readonly documentElement: LiteElement | null;
  /** The parsed htmlparser2 document, after the `html > body` normalisation. */
  readonly document: Document;
  private readonly lite = new Map<DomElement, LiteElement>();
  /**
   * css-select counts an element's position anew for every element it tests (O(siblings)
   * each: quadratic on a paragraph of 3,000 links); positions recorded at parse time answer
   * `:nth-child(N)` and `:nth-of-type(N)` in O(1). Any other argument, or an element outside
   * the wrapped tree, makes the query run again with css-select's own.
   */
  private readonly indexed = {
    pseudos: {
      'nth-child': (el: DomElement, arg: string | null | undefined): boolean => this.at(el, arg, false),
      'nth-of-type': (el: DomElement, arg: string | null | undefined): boolean => this.at(el, arg, true),
    },
  };

  private constructor(dom: Document) {
    this.document = dom;
    let root = dom.children.find((n): n is DomElement => isTag(n) && n.name === 'html');
    if (!root) {
      const html = new Element('html', {});
      const body = new Element('body', {});
      for (const node of [...dom.children]) if (isTag(node) || isText(node)) appendChild(body, node);
      appendChild(html, body);
      appendChild(dom, html);
      root = html;
    }
    this.documentElement = this.wrap(root, null);
    this.placeAmong(dom.children);
  }

  static parse(html: string): HtmlPage {
    return new HtmlPage(parseDocument(html, { lowerCaseTags: true, lowerCaseAttributeNames: true }));
  }

  querySelectorAll(selector: string): LiteElement[] {
    if (isRoleNameSelector(selector)) {
      const found = this.collect({ selector, maxCandidates: 0 });
      if (found.selectorError !== null) return [];
      // Each snapshot names its element by a CSS path unique on this (unchanging) page.
      return matchedSnapshots(found).flatMap((s) => this.querySelectorAll(s.selector));
    }
    return this.select(selector)
      .map((el) => this.lite.get(el))
      .filter((el): el is LiteElement => el !== undefined);
  }

  /** How many elements `selector` matches; throws on a selector css-select cannot parse. */
  count(selector: string): number {
    return isRoleNameSelector(selector)
      ? this.querySelectorAll(selector).length
      : this.select(selector).length;
  }

  /**
   * Whether `selector` (CSS or the role + name form) matches one element alone, the one
   * `elementSelector` (the collector's selector for it) names.
   */
  picksOut(selector: string, elementSelector: string): boolean {
    // Only the matched elements need a snapshot.
    return picksOutAlone(this.collect({ selector, maxCandidates: 0 }), elementSelector);
  }

  private select(selector: string): DomElement[] {
    try {
      return selectAll<AnyNode, DomElement>(selector, this.document, this.indexed);
    } catch {
      // An argument or element the positions do not cover, or a bad selector: css-select
      // alone decides the result, or the error.
      return selectAll<AnyNode, DomElement>(selector, this.document);
    }
  }

  private at(el: DomElement, arg: string | null | undefined, ofType: boolean): boolean {
    const lite = this.lite.get(el);
    if (!lite || !arg || !/^\d+$/.test(arg)) throw UNINDEXED;
    return (ofType ? lite.typePosition : lite.childPosition) === Number(arg);
  }

  /** Records each wrapped element's position among `nodes`, counted as css-select counts it. */
  private placeAmong(nodes: readonly AnyNode[]): void {
    let position = 0;
    const ofType = new Map<string, number>();
    for (const node of nodes) {
      if (!isTag(node)) continue;
      position++;
      const k = (ofType.get(node.name) ?? 0) + 1;
      ofType.set(node.name, k);
      const lite = this.lite.get(node);
      if (lite) {
        lite.childPosition = position;
        lite.typePosition = k;
      }
    }
  }

  collect(args: Partial<CollectArgs> = {}): CollectResult {
    return collectSnapshots(
      { selector: null, includeTag: null, maxText: 200, maxCandidates: 20000, geometry: false, ...args },
      this,
    );
  }

  /** Snapshots of every element a heal could land on, in document order. */
  snapshots(): ElementSnapshot[] {
    return this.collect().snapshots;
  }

  private wrap(node: DomElement, parent: LiteElement | null): LiteElement {
    const el = new LiteElement(node, parent);
    this.lite.set(node, el);
    let prev: LiteNode | null = null;
    for (const child of node.children as ChildNode[]) {
      let lite: LiteNode;
      if (isTag(child)) {
        const c = this.wrap(child, el);
        el.children.push(c);
        lite = c;
      } else if (isText(child)) {
        lite = new LiteText(child.data);
      } else {
        lite = new LiteOther();
      }
      el.childNodes.push(lite);
      lite.previousSibling = prev;
      if (prev) prev.nextSibling = lite;
      prev = lite;
    }
    this.placeAmong(node.children);
    return el;
  }
}

const asPage = (html: string | HtmlPage): HtmlPage =>
  typeof html === 'string' ? HtmlPage.parse(html) : html;

/** Records the fingerprint of the single element `selector` matches in `html`. */
export function fingerprintFromHtml(html: string | HtmlPage, selector: string): Fingerprint {
  const page = asPage(html);
  const collected = page.collect({ selector });
  return fingerprintOf(collected, selector);
}

/** Heals `fingerprint` against an HTML document, offline. Never throws on odd HTML. */
export function healInHtml(
  html: string | HtmlPage,
  fingerprint: Fingerprint,
  options: HealOptions = {},
): HealResult {
  const start = performance.now();
  const elapsed = (): number => Math.round((performance.now() - start) * 100) / 100;
  const page = asPage(html);
  const collected = page.collect({ selector: fingerprint.selector, includeTag: fingerprint.tag });
  const result = decide(fingerprint, collected, options, elapsed);
  if (result.status !== 'healed') return result;
  const candidates = proposalCandidates(result.selector, page);
  const ranked = rankCandidates(candidates.filter((c) => !isRoleNameSelector(c.selector))).slice(
    0,
    PROPOSAL_CHECKS,
  );
  const css = chooseProposal(
    ranked,
    firstUniqueCandidate({ selector: result.selector, candidates: ranked }, page),
    result.selector,
  );
  // The role form costs a walk of the page: only where it could replace a weak CSS proposal.
  const role = wantsRoleName(css)
    ? (candidates.find((c) => isRoleNameSelector(c.selector))?.selector ?? null)
    : null;
  const proposal = preferRoleName(css, role !== null && page.picksOut(role, result.selector) ? role : null);
  return { ...result, ...proposal, elapsedMs: elapsed() };
}
