import {
  Element,
  Parser,
  appendChild,
  isTag,
  isText,
  parseDocument,
  selectAll,
  type Document,
  type Handler,
  type SelectOptions,
} from './html-deps';
import { collectSnapshots } from './collect';
import { fingerprintOf } from './capture';
import type { Fingerprint } from './fingerprint';
import { decide, type HealOptions } from './heal';
import type { HealResult } from './result';
import {
  PROPOSAL_CHECKS,
  chooseProposal,
  firstUniqueCandidate,
  isPlaywrightForm,
  picksOutAlone,
  preferRoleName,
  proposalCandidates,
  playwrightForms,
  rankCandidates,
  wantsRoleName,
} from './proposal';
import {
  matchedSnapshots,
  type CollectArgs,
  type CollectMemo,
  type CollectResult,
  type DocumentLike,
  type ElementLike,
  type ElementSnapshot,
  type NodeLike,
} from './snapshot';

/** A node of the one tree a page is parsed into: what the collector reads and css-select queries. */
abstract class LiteNode implements NodeLike {
  abstract readonly nodeType: number;
  abstract readonly nodeValue: string | null;
  /** The element or document that holds the node (`null` for the document). */
  parent: LiteElement | LiteDocument | null = null;
  previousSibling: LiteNode | null = null;
  nextSibling: LiteNode | null = null;
}

class LiteText extends LiteNode {
  readonly nodeType = 3;
  constructor(public nodeValue: string) {
    super();
  }
}

/** A comment, a processing instruction (the doctype) or a CDATA section: neither element nor text. */
class LiteOther extends LiteNode {
  readonly nodeType = 8;
  readonly nodeValue = null;
  /** A CDATA section's text (htmlparser2 reports one only in XML mode or with `recognizeCDATA`). */
  constructor(readonly cdata: LiteText | null = null) {
    super();
  }
}

/**
 * What a node without children holds until it gets some (`append` gives it arrays of its own):
 * most elements are leaves, and an array pushed onto from empty reserves 17 slots.
 */
const NO_NODES: LiteNode[] = Object.freeze([]) as unknown as LiteNode[];
const NO_ELEMENTS: LiteElement[] = Object.freeze([]) as unknown as LiteElement[];

class LiteElement extends LiteNode implements ElementLike {
  readonly nodeType = 1;
  readonly nodeValue = null;
  parentElement: LiteElement | null = null;
  children: LiteElement[] = NO_ELEMENTS;
  childNodes: LiteNode[] = NO_NODES;
  /** 1-based position among the parent's elements, as `:nth-child` counts. */
  childPosition = 1;
  /** 1-based position among the parent's elements of the same name, as `:nth-of-type` counts. */
  typePosition = 1;
  /** Outside the document element (a second top-level element): css-select sees it, the collector not. */
  outside = false;

  constructor(
    readonly tagName: string,
    readonly attribs: Record<string, string>,
  ) {
    super();
  }

  getAttribute(name: string): string | null {
    const v = this.attribs[name];
    return v === undefined ? null : v;
  }

  getAttributeNames(): string[] {
    return Object.keys(this.attribs);
  }
}

class LiteDocument {
  readonly nodeType = 9;
  readonly parent = null;
  children: LiteElement[] = NO_ELEMENTS;
  childNodes: LiteNode[] = NO_NODES;
}

type LiteParent = LiteElement | LiteDocument;

/**
 * Builds the tree from htmlparser2's callbacks exactly as domhandler builds its own: adjacent
 * text merged into one node, adjacent comment data into one comment, a node ends the text or
 * comment being written (ADR 107). One object per node: domhandler's tree with a wrapper tree
 * over it cost two.
 */
class TreeBuilder implements Partial<Handler> {
  readonly document = new LiteDocument();
  private readonly open: LiteParent[] = [this.document];
  /** Per open parent, its first and its latest child so far: its arrays are made when it closes. */
  private readonly firsts: (LiteNode | null)[] = [null];
  private readonly lasts: (LiteNode | null)[] = [null];
  /** The text or comment still being written to, as domhandler's `lastNode`. */
  private last: LiteText | LiteOther | null = null;
  private readonly nodes: LiteNode[] = [];
  private readonly elements: LiteElement[] = [];

  onopentag(name: string, attribs: Record<string, string>): void {
    const el = new LiteElement(name, attribs);
    this.add(el);
    this.open.push(el);
    this.firsts.push(null);
    this.lasts.push(null);
  }

  onclosetag(): void {
    this.last = null;
    if (this.open.length > 1) this.close();
  }

  /** The tree, every parent's children in place (htmlparser2 closes what is open at the end). */
  finish(): LiteDocument {
    while (this.open.length > 0) this.close();
    return this.document;
  }

  /**
   * Gives the parent closed last its children, linked as siblings while it was open, as arrays
   * of their exact length: one pass over them instead of arrays grown a push at a time.
   */
  private close(): void {
    const parent = this.open.pop() as LiteParent;
    let n = this.firsts.pop() ?? null;
    this.lasts.pop();
    if (n === null) return;
    // Scratch arrays written by index: setting `length = 0` would drop their storage.
    const nodes = this.nodes;
    const elements = this.elements;
    let nodeCount = 0;
    let elementCount = 0;
    for (; n !== null; n = n.nextSibling) {
      nodes[nodeCount++] = n;
      if (n instanceof LiteElement) elements[elementCount++] = n;
    }
    parent.childNodes = nodes.slice(0, nodeCount);
    parent.children = elementCount === 0 ? NO_ELEMENTS : elements.slice(0, elementCount);
  }

  ontext(data: string): void {
    if (this.last instanceof LiteText) {
      this.last.nodeValue += data;
      return;
    }
    const text = new LiteText(data);
    this.add(text);
    this.last = text;
  }

  oncomment(): void {
    if (this.last instanceof LiteOther) return;
    const comment = new LiteOther();
    this.add(comment);
    this.last = comment;
  }

  oncommentend(): void {
    this.last = null;
  }

  oncdatastart(): void {
    const text = new LiteText('');
    this.add(new LiteOther(text));
    this.last = text;
  }

  oncdataend(): void {
    this.last = null;
  }

  onprocessinginstruction(): void {
    this.add(new LiteOther());
  }

  private add(node: LiteNode): void {
    const at = this.open.length - 1;
    const parent = this.open[at];
    const prev = this.lasts[at];
    node.parent = parent;
    node.previousSibling = prev;
    if (prev) prev.nextSibling = node;
    else this.firsts[at] = node;
    this.lasts[at] = node;
    if (node instanceof LiteElement) node.parentElement = parent instanceof LiteElement ? parent : null;
    this.last = null;
  }
}

function append(parent: LiteParent, node: LiteNode): void {
  if (parent.childNodes === NO_NODES) parent.childNodes = [];
  if (parent.children === NO_ELEMENTS) parent.children = [];
  const prev = parent.childNodes.length > 0 ? parent.childNodes[parent.childNodes.length - 1] : null;
  parent.childNodes.push(node);
  node.previousSibling = prev;
  node.nextSibling = null;
  if (prev) prev.nextSibling = node;
  node.parent = parent;
  if (node instanceof LiteElement) {
    node.parentElement = parent instanceof LiteElement ? parent : null;
    parent.children.push(node);
  }
}

/** Records each element's position among its parent's elements, counted as css-select counts it. */
function placeAll(parent: LiteParent, ofType: Map<string, number>): void {
  const children = parent.children;
  if (children.length > FEW) {
    ofType.clear();
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      c.childPosition = i + 1;
      const k = (ofType.get(c.tagName) ?? 0) + 1;
      ofType.set(c.tagName, k);
      c.typePosition = k;
    }
  } else {
    // A few siblings are counted back without a map (clearing one allocates a new table).
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      c.childPosition = i + 1;
      let k = 1;
      for (let j = 0; j < i; j++) if (children[j].tagName === c.tagName) k++;
      c.typePosition = k;
    }
  }
  for (let i = 0; i < children.length; i++)
    if (children[i].children.length > 0) placeAll(children[i], ofType);
}

/** Up to this many siblings, `placeAll` counts same-tag positions by looking back. */
const FEW = 8;

function markOutside(el: LiteElement): void {
  el.outside = true;
  for (const c of el.children) markOutside(c);
}

const isLiteTag = (node: unknown): node is LiteElement => node instanceof LiteElement;
const childrenOf = (node: unknown): LiteNode[] =>
  node instanceof LiteElement || node instanceof LiteDocument ? node.childNodes : [];
const textOf = (node: LiteNode | LiteDocument): string => {
  if (node instanceof LiteElement) return node.tagName === 'br' ? '\n' : node.childNodes.map(textOf).join('');
  if (node instanceof LiteText) return node.nodeValue;
  return node instanceof LiteOther && node.cdata ? node.cdata.nodeValue : '';
};

/**
 * css-select over the one tree, answering as its default adapter (domutils) answers over
 * domhandler's: every child node counts as a child, script and style are elements.
 */
const LITE_ADAPTER: NonNullable<SelectOptions<LiteNode | LiteDocument, LiteElement>['adapter']> = {
  isTag: isLiteTag,
  getAttributeValue: (el, name) => el.attribs[name],
  hasAttrib: (el, name) => Object.hasOwn(el.attribs, name) && el.attribs[name] != null,
  getChildren: childrenOf,
  getName: (el) => el.tagName,
  getParent: (node) => node.parent,
  getSiblings: (node) => {
    if (node.parent !== null) return node.parent.childNodes;
    if (node instanceof LiteDocument) return [node];
    const siblings: LiteNode[] = [node];
    for (let p = node.previousSibling; p !== null; p = p.previousSibling) siblings.unshift(p);
    for (let n = node.nextSibling; n !== null; n = n.nextSibling) siblings.push(n);
    return siblings;
  },
  prevElementSibling: (node) => {
    if (node instanceof LiteDocument) return null;
    let prev = node.previousSibling;
    while (prev !== null && !(prev instanceof LiteElement)) prev = prev.previousSibling;
    return prev;
  },
  getText: textOf,
  removeSubsets: (nodes) => {
    // domutils' removeSubsets: drop duplicates and nodes inside another of the list.
    let index = nodes.length;
    while (--index >= 0) {
      const node = nodes[index];
      if (index > 0 && nodes.lastIndexOf(node, index - 1) >= 0) {
        nodes.splice(index, 1);
        continue;
      }
      for (let ancestor = node.parent; ancestor; ancestor = ancestor.parent) {
        if (nodes.includes(ancestor)) {
          nodes.splice(index, 1);
          break;
        }
      }
    }
    return nodes;
  },
};

/** Thrown inside a query that the sibling positions cannot answer; the query runs again without them. */
const UNINDEXED = new Error('not answerable from the sibling positions');

/**
 * An HTML string parsed once (htmlparser2, into one tree of our own) and viewed through the
 * DOM slice the collector reads. Top-level content without an `<html>` element is wrapped in
 * `html > body`, as a browser would, so generated selectors mean the same in both.
 * The document is read-only once parsed: positions are computed at parse time.
 */
export class HtmlPage implements DocumentLike {
  readonly documentElement: LiteElement | null;
  private readonly root: LiteDocument;
  private dom: Document | null = null;
  /** What collecting found that the next collect of this (unchanging) page reuses. */
  private readonly collected: CollectMemo = {};
  /**
   * css-select counts an element's position anew for every element it tests (O(siblings)
   * each: quadratic on a paragraph of 3,000 links); positions recorded at parse time answer
   * `:nth-child(N)` and `:nth-of-type(N)` in O(1). Any other argument makes the query run
   * again with css-select's own.
   */
  private readonly indexed: SelectOptions<LiteNode | LiteDocument, LiteElement> = {
    adapter: LITE_ADAPTER,
    pseudos: {
      'nth-child': (el: LiteElement, arg: string | null | undefined): boolean => HtmlPage.at(el, arg, false),
      'nth-of-type': (el: LiteElement, arg: string | null | undefined): boolean => HtmlPage.at(el, arg, true),
    },
  };
  private static readonly plain: SelectOptions<LiteNode | LiteDocument, LiteElement> = {
    adapter: LITE_ADAPTER,
  };

  private constructor(private readonly html: string) {
    const builder = new TreeBuilder();
    new Parser(builder, PARSE_OPTIONS).end(html);
    const doc = builder.finish();
    this.root = doc;
    let root = doc.children.find((n) => n.tagName === 'html');
    if (!root) {
      // As domhandler's tree gets it: elements and texts move into `body`, the rest stays.
      const html = new LiteElement('html', {});
      const body = new LiteElement('body', {});
      const nodes = doc.childNodes;
      doc.childNodes = [];
      doc.children = [];
      for (const node of nodes)
        append(node instanceof LiteElement || node instanceof LiteText ? body : doc, node);
      append(html, body);
      append(doc, html);
      root = html;
    }
    for (const el of doc.children) if (el !== root) markOutside(el);
    placeAll(doc, new Map());
    this.documentElement = root;
  }

  static parse(html: string): HtmlPage {
    return new HtmlPage(html);
  }

  /**
   * The page as domhandler's tree, parsed anew on first use (for tools that work on
   * domhandler nodes; the page's own queries never need it).
   */
  get document(): Document {
    return (this.dom ??= domhandlerDocument(this.html));
  }

  querySelectorAll(selector: string): LiteElement[] {
    if (isPlaywrightForm(selector)) {
      const found = this.collect({ selector, maxCandidates: 0 });
      if (found.selectorError !== null) return [];
      // Each snapshot names its element by a CSS path unique on this (unchanging) page.
      return matchedSnapshots(found).flatMap((s) => this.querySelectorAll(s.selector));
    }
    return this.select(selector).filter((el) => !el.outside);
  }

  /** How many elements `selector` matches; throws on a selector css-select cannot parse. */
  count(selector: string): number {
    return isPlaywrightForm(selector) ? this.querySelectorAll(selector).length : this.select(selector).length;
  }

  /**
   * Whether `selector` (CSS or the role + name form) matches one element alone, the one
   * `elementSelector` (the collector's selector for it) names.
   */
  picksOut(selector: string, elementSelector: string): boolean {
    // Only the matched elements need a snapshot.
    return picksOutAlone(this.collect({ selector, maxCandidates: 0 }), elementSelector);
  }

  private select(selector: string): LiteElement[] {
    try {
      return selectAll<LiteNode | LiteDocument, LiteElement>(selector, this.root, this.indexed);
    } catch {
      // An argument the positions do not cover, or a bad selector: css-select alone decides
      // the result, or the error.
      return selectAll<LiteNode | LiteDocument, LiteElement>(selector, this.root, HtmlPage.plain);
    }
  }

  private static at(el: LiteElement, arg: string | null | undefined, ofType: boolean): boolean {
    if (!arg || !/^\d+$/.test(arg)) throw UNINDEXED;
    return (ofType ? el.typePosition : el.childPosition) === Number(arg);
  }

  collect(args: Partial<CollectArgs> = {}): CollectResult {
    return collectSnapshots(
      { selector: null, includeTag: null, maxText: 200, maxCandidates: 20000, geometry: false, ...args },
      this,
      this.collected,
    );
  }

  /** Snapshots of every element a heal could land on, in document order. */
  snapshots(): ElementSnapshot[] {
    return this.collect().snapshots;
  }
}

const PARSE_OPTIONS = { lowerCaseTags: true, lowerCaseAttributeNames: true };

/** domhandler's tree of `html`, with the same `html > body` wrapping as `HtmlPage`. */
function domhandlerDocument(html: string): Document {
  const dom = parseDocument(html, PARSE_OPTIONS);
  if (!dom.children.some((n) => isTag(n) && n.name === 'html')) {
    const root = new Element('html', {});
    const body = new Element('body', {});
    for (const node of [...dom.children]) if (isTag(node) || isText(node)) appendChild(body, node);
    appendChild(root, body);
    appendChild(dom, root);
  }
  return dom;
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
  const ranked = rankCandidates(candidates.filter((c) => !isPlaywrightForm(c.selector))).slice(
    0,
    PROPOSAL_CHECKS,
  );
  const css = chooseProposal(
    ranked,
    firstUniqueCandidate({ selector: result.selector, candidates: ranked }, page),
    result.selector,
  );
  // Each role form costs a walk of the page: only where it could replace a weak CSS proposal.
  const role = wantsRoleName(css)
    ? (playwrightForms(candidates).find((r) => page.picksOut(r, result.selector)) ?? null)
    : null;
  const proposal = preferRoleName(css, role);
  return { ...result, ...proposal, elapsedMs: elapsed() };
}
