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
  proposalCandidates,
  rankCandidates,
} from './proposal';
import type {
  CollectArgs,
  CollectResult,
  DocumentLike,
  ElementLike,
  ElementSnapshot,
  NodeLike,
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

/**
 * An HTML string parsed once (htmlparser2) and viewed through the DOM slice the
 * collector reads. Top-level content without an `<html>` element is wrapped in
 * `html > body`, as a browser would, so generated selectors mean the same in both.
 */
export class HtmlPage implements DocumentLike {
  readonly documentElement: LiteElement | null;
  /** The parsed htmlparser2 document, after the `html > body` normalisation. */
  readonly document: Document;
  private readonly lite = new Map<DomElement, LiteElement>();

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
  }

  static parse(html: string): HtmlPage {
    return new HtmlPage(parseDocument(html, { lowerCaseTags: true, lowerCaseAttributeNames: true }));
  }

  querySelectorAll(selector: string): LiteElement[] {
    return selectAll<AnyNode, DomElement>(selector, this.document)
      .map((el) => this.lite.get(el))
      .filter((el): el is LiteElement => el !== undefined);
  }

  /** How many elements `selector` matches; throws on a selector css-select cannot parse. */
  count(selector: string): number {
    return selectAll<AnyNode, DomElement>(selector, this.document).length;
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
  const ranked = rankCandidates(proposalCandidates(result.selector, page)).slice(0, PROPOSAL_CHECKS);
  const proposal = chooseProposal(
    ranked,
    firstUniqueCandidate({ selector: result.selector, candidates: ranked }, page),
    result.selector,
  );
  return { ...result, ...proposal, elapsedMs: elapsed() };
}
