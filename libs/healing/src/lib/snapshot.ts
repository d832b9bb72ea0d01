/**
 * The DOM-agnostic view of one element that both adapters produce and the pure scorer
 * consumes. Strings are as found on the page (whitespace collapsed, capped); an absent
 * attribute is the empty string so the shape survives `page.evaluate` serialisation.
 */
export interface ElementSnapshot {
  /** Pre-order index of the element among all elements of the document. */
  readonly uid: number;
  /** Pre-order indices of the element's ancestors, root first. */
  readonly ancestors: readonly number[];
  /** A CSS selector that matched exactly this element when the snapshot was taken. */
  readonly selector: string;
  readonly tag: string;
  readonly id: string;
  readonly name: string;
  readonly type: string;
  /** Explicit `role` attribute, else the implicit ARIA role of the tag (`a[href]` → `link`). */
  readonly role: string;
  readonly classes: readonly string[];
  /** Visible text of the subtree (scripts, styles and SVG excluded), capped. */
  readonly text: string;
  readonly ariaLabel: string;
  readonly placeholder: string;
  readonly title: string;
  readonly alt: string;
  readonly href: string;
  readonly src: string;
  readonly value: string;
  /** Test attributes as `name=value` (`data-testid=login`, `data-qa=submit`, …). */
  readonly testIds: readonly string[];
  /** Text of `label[for=id]`, an enclosing `label`, or `aria-labelledby` targets. */
  readonly labelText: string;
  /** Text of the nearest ancestor whose text differs from the element's own. */
  readonly parentText: string;
  /** Text of the nearest preceding / following sibling node that has text. */
  readonly prevText: string;
  readonly nextText: string;
  /** Text of the nearest heading before the element in document order. */
  readonly headingText: string;
  /** Innermost landmark ancestor as `role` or `role:label` (`navigation`, `form:login`). */
  readonly landmark: string;
  /** Every landmark ancestor, outermost first, in the same notation as `landmark`. */
  readonly landmarks: readonly string[];
  /**
   * The heading outline the element sits under: the text of the latest heading of each level
   * before it (h1 first), a deeper level cleared by a shallower heading.
   */
  readonly headings: readonly string[];
  /**
   * The enclosing form's identity: `#id`, `name=…`, `label=…`, `action=/path`, or `form` for an
   * anonymous one; empty outside any form.
   */
  readonly form: string;
  /** `#id` of the nearest ancestors with a unique, stable id, outermost first (up to 3). */
  readonly containers: readonly string[];
  /**
   * The labels of the entries heading the lists the element sits in, outermost first: a
   * submenu's parent entry (`li > a + ul`), a menu column's title (`p + ul`). A list with no
   * text before it among its siblings, or only a text longer than 60 characters, adds none.
   */
  readonly groups: readonly string[];
  readonly depth: number;
  /** Tag names from the root element down to this element. */
  readonly path: readonly string[];
  /** 1-based position among siblings with the same tag. */
  readonly nthOfType: number;
  /** `nthOfType` of every element on `path`, root first. */
  readonly positions: readonly number[];
  /** Viewport box in CSS pixels; `null` when the adapter has no layout (offline HTML). */
  readonly bbox: BoundingBox | null;
  readonly visible: boolean;
}

export interface BoundingBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The slice of the DOM `collectSnapshots` reads; a browser `Document` satisfies it. */
export interface DocumentLike {
  readonly documentElement: ElementLike | null;
  querySelectorAll(selector: string): ArrayLike<ElementLike>;
}

export interface ElementLike extends NodeLike {
  readonly tagName: string;
  readonly parentElement: ElementLike | null;
  readonly children: ArrayLike<ElementLike>;
  readonly childNodes: ArrayLike<NodeLike>;
  getAttribute(name: string): string | null;
  getAttributeNames(): string[];
  /**
   * Offline only: the element's attributes as a record (name to value), which the collector
   * reads instead of asking `getAttribute` name by name. A browser element is always asked.
   */
  readonly attribs?: Readonly<Record<string, string>>;
  getBoundingClientRect?(): { x: number; y: number; width: number; height: number };
  checkVisibility?(): boolean;
}

export interface NodeLike {
  readonly nodeType: number;
  readonly nodeValue: string | null;
  readonly previousSibling: NodeLike | null;
  readonly nextSibling: NodeLike | null;
}

export interface CollectArgs {
  /** Selector to evaluate alongside the walk (the recorded one); `null` for none. */
  readonly selector: string | null;
  /** Elements of this tag are candidates even when they look meaningless otherwise. */
  readonly includeTag: string | null;
  /** Cap on every collected text, in characters. */
  readonly maxText: number;
  /** Stop adding candidates beyond this many (matched elements are always added). */
  readonly maxCandidates: number;
  /** Read layout (bounding boxes, visibility); only meaningful in a browser. */
  readonly geometry: boolean;
}

export interface CollectResult {
  readonly snapshots: ElementSnapshot[];
  /** Indices into `snapshots` of the elements `selector` matched; `null` without selector. */
  readonly matched: number[] | null;
  /** How many elements `selector` matched in the whole document. */
  readonly matchCount: number;
  readonly selectorError: string | null;
  readonly truncated: boolean;
  readonly elementCount: number;
}

/**
 * What `collectSnapshots`' first pass found on a document (per element, in pre-order: its
 * attributes, tag, subtree text and sibling positions; the counts that make selectors unique),
 * and the squashed neighbouring texts its second pass read: kept, offline, for the next collect
 * of a page that does not change. Internal to the collector.
 */
export interface CollectMemo {
  maxText?: number;
  pass1?: {
    readonly attrsOf: Readonly<Record<string, string>>[];
    readonly namesOf: string[][];
    readonly tagOf: string[];
    readonly uidOf: Map<ElementLike, number>;
    readonly texts: string[];
    readonly ownText: boolean[];
    readonly nthOf: number[];
    readonly sameTagOf: number[];
    readonly counts: Map<string, number>;
    readonly idFirst: Map<string, number>;
    readonly labelFor: Map<string, string>;
    readonly nodeTexts: Map<NodeLike, string>;
  };
}

/** The snapshots of the elements a collect's `selector` matched, in document order; none without selector. */
export function matchedSnapshots(found: CollectResult): ElementSnapshot[] {
  return (found.matched ?? []).map((i) => found.snapshots[i]);
}
