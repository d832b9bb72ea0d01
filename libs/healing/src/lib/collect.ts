import type {
  CollectArgs,
  CollectMemo,
  CollectResult,
  DocumentLike,
  ElementLike,
  ElementSnapshot,
  NodeLike,
} from './snapshot';

/**
 * Walks a document and snapshots every element a heal could land on: interactive
 * elements, headings, labelled or test-attributed elements, elements with their own text,
 * plus whatever `args.selector` matches.
 *
 * Self-contained on purpose: Playwright serialises it with `Function.prototype.toString`
 * and runs it inside the page, so the body may reference nothing outside itself (no
 * imports, no module-level helpers). Offline, the HTML adapter passes a DOM-like wrapper
 * over htmlparser2's tree as `root`.
 */
export function collectSnapshots(args: CollectArgs, root?: DocumentLike, memo?: CollectMemo): CollectResult {
  const doc: DocumentLike = root ?? (globalThis as unknown as { document: DocumentLike }).document;
  const SKIP = new Set([
    'head',
    'script',
    'style',
    'noscript',
    'template',
    'svg',
    'math',
    'iframe',
    'object',
    'canvas',
  ]);
  const INLINE = new Set([
    'a',
    'span',
    'b',
    'i',
    'em',
    'strong',
    'small',
    'code',
    'abbr',
    'sup',
    'sub',
    'u',
    's',
    'mark',
    'q',
    'cite',
    'time',
    'font',
    'label',
    'bdi',
    'kbd',
    'var',
  ]);
  const INTERACTIVE = new Set([
    'a',
    'button',
    'input',
    'select',
    'textarea',
    'label',
    'summary',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
  ]);
  const TEST_ATTRS = [
    'data-testid',
    'data-test-id',
    'data-test',
    'data-qa',
    'data-cy',
    'data-e2e',
    'data-automation-id',
    'data-pw',
  ];
  const TEST_SET = new Set(TEST_ATTRS);
  const SIGNAL_SET = new Set([
    'role',
    'aria-label',
    'aria-labelledby',
    'name',
    'onclick',
    'tabindex',
    'contenteditable',
    'title',
    'placeholder',
  ]);
  const LANDMARK_TAGS: Record<string, string> = {
    nav: 'navigation',
    header: 'banner',
    footer: 'contentinfo',
    main: 'main',
    aside: 'complementary',
    form: 'form',
    dialog: 'dialog',
  };
  const LANDMARK_ROLES = new Set([
    'navigation',
    'banner',
    'contentinfo',
    'main',
    'complementary',
    'form',
    'search',
    'region',
    'dialog',
  ]);
  const max = args.maxText;
  // What pass 1 finds depends on the document and `max` alone: a page that does not change
  // (offline) keeps it in `memo` for its next collect.
  const kept = memo !== undefined && memo.maxText === max ? memo.pass1 : undefined;
  const found: NonNullable<CollectMemo['pass1']> = kept ?? {
    attrsOf: [],
    namesOf: [],
    tagOf: [],
    uidOf: new Map(),
    texts: [],
    ownText: [],
    nthOf: [],
    sameTagOf: [],
    counts: new Map(),
    idFirst: new Map(),
    labelFor: new Map(),
    nodeTexts: new Map(),
  };

  // Regular expressions are made once: a literal in a function body is a new object per call.
  const UNSQUASHED = /[^\S ]| {2}|^ | $/;
  const SPACES = /\s+/g;
  const NON_SPACE = /\S/;
  const SPACE = /\s/g;
  const HIDDEN_STYLE = /display:none|visibility:hidden/;
  const HEADING_TAG = /^h[1-6]$/;
  // Most values are squashed already: a scan that allocates nothing says so.
  const squash = (s: string): string => (UNSQUASHED.test(s) ? s.replace(SPACES, ' ').trim() : s);
  const clip = (s: string, n: number): string => (s.length > n ? s.slice(0, n) : s);
  /**
   * `clip(squash(s), n)`. Of a long text (a paragraph, an article's body) only the first `n`
   * squashed characters are kept: when a prefix squashes to at least that many, they are the
   * same as the whole text's (squashing a prefix differs from the whole only at its end).
   */
  const squashClip = (s: string, n: number): string => {
    const head = 2 * n + 64;
    if (s.length > head) {
      const squashed = squash(s.slice(0, head));
      if (squashed.length >= n) return squashed.slice(0, n);
    }
    return clip(squash(s), n);
  };
  // Attributes are read from the DOM once, in pass 1; DOM calls dominate in a browser. Their
  // names are kept beside them: a loop over an array, not `for…in` over a dictionary object.
  const attrsOf = found.attrsOf;
  const namesOf = found.namesOf;
  const NONE: string[] = [];
  const tagOf = found.tagOf;
  const raw = (uid: number, name: string): string => attrsOf[uid][name] ?? '';
  // A heading restyled as a block (`p.card-title > strong`, `div.h2 > span`) holds its text in
  // a child; the block is what the heading became, so it is a candidate too. The same classes as
  // score.ts' HEADING_CLASS: this function runs inside the page and cannot import it.
  // Matched over the whole class attribute, one class at a time, without splitting it.
  const HEADING_CLASS =
    /(?:^|\s)(?:h[1-6]|display-[1-6]|(?:\S*[-_])?(?:title|heading|headline)|lead)(?=\s|$)/i;
  const HEADING_LIKE = new Set(['div', 'p', 'span', 'strong', 'b', 'header', 'legend']);
  const styledAsHeading = (tag: string, uid: number): boolean =>
    HEADING_LIKE.has(tag) && texts[uid] !== '' && HEADING_CLASS.test(raw(uid, 'class'));
  const has = (uid: number, name: string): boolean => attrsOf[uid][name] !== undefined;
  const attr = (uid: number, name: string): string => {
    const v = attrsOf[uid][name];
    return v ? squash(v) : '';
  };
  // Offline (a root given), an element keeping its attributes as a record lends it: read, never
  // written, here. In a browser they are read by name into a record of our own.
  const lent = root !== undefined;
  const readAttrs = (el: ElementLike, names: readonly string[]): Readonly<Record<string, string>> => {
    if (lent && el.attribs !== undefined) return el.attribs;
    const rec = Object.create(null) as Record<string, string>;
    for (const name of names) rec[name] = el.getAttribute(name) ?? '';
    return rec;
  };
  const looksGenerated = (id: string): boolean =>
    /\d{3,}/.test(id) ||
    /^[0-9a-f]{8,}$/i.test(id) ||
    /^(ember|ext-gen|react-|radix-|headlessui-|mui-|:r|yui_|gwt-|j_id|ctl\d|__)/i.test(id) ||
    id.split(/[-_:.]/).some((p) => p.length >= 5 && /\d/.test(p) && /[a-z]/i.test(p));
  const cssIdent = (s: string): string => {
    if (/^[a-zA-Z_][a-zA-Z0-9_-]*$/.test(s)) return s;
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const ch = s.charAt(i);
      const code = s.charCodeAt(i);
      const leadingDigit = /[0-9]/.test(ch) && (i === 0 || (i === 1 && s.charAt(0) === '-'));
      if ((/[a-zA-Z0-9_-]/.test(ch) || (code > 0xa0 && !/\s/.test(ch))) && !leadingDigit) out += ch;
      else out += '\\' + code.toString(16) + ' ';
    }
    return out === '-' ? '\\-' : out;
  };
  const cssString = (s: string): string =>
    '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\a ') + '"';

  // The Playwright forms a proposal may take are matched here with the roles and texts the
  // snapshots use: one matcher in the page and offline. `role=<role>[name*="<words>"s]` (ADR 98)
  // and `<tag>:text-is("<words>")`, alone or after a CSS scope and `>>` (ADR 114). It errs towards
  // matching (for a role, any of the element's texts holds the words, hidden ones included, a
  // clipped text counts; for words, any own text node or run is them; the scope element itself
  // counts as inside its scope), so an element it finds alone is alone for Playwright too.
  const roleForm =
    args.selector === null
      ? null
      : /^(?:(.+?) >> )?(?:role=([a-z]+)\[name\*="((?:[^"\\]|\\.)*)"s\]|([a-z][a-z0-9-]*):text-is\("((?:[^"\\]|\\.)*)"\))$/.exec(
          args.selector,
        );
  const roleWanted = roleForm?.[2] ?? '';
  const textTag = roleForm?.[4] ?? '';
  const unescaped = roleForm ? (roleForm[3] ?? roleForm[5]).replace(/\\(.)/g, '$1') : '';
  const roleWords = (textTag ? unescaped.replace(/[\u200b\u00ad]/g, '') : unescaped)
    .replace(/\s+/g, ' ')
    .trim();
  // Playwright's own text runs of an element: the text between its child elements, comments aside.
  const runsOf = (el: ElementLike): string[] => {
    const out: string[] = [];
    let cur = '';
    const nodes = el.childNodes;
    for (let i = 0; i <= nodes.length; i++) {
      const n = i < nodes.length ? nodes[i] : null;
      if (n && n.nodeType === 8) continue;
      if (n && n.nodeType === 3) {
        cur += n.nodeValue ?? '';
        out.push(n.nodeValue ?? '');
      } else {
        out.push(cur);
        cur = '';
      }
    }
    return out.map((t) =>
      t
        .replace(/[\u200b\u00ad]/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    );
  };
  let roleMatches = 0;
  let selectorError: string | null = null;
  let matchList: ArrayLike<ElementLike> = [];
  const css = roleForm === null ? args.selector : (roleForm[1] ?? null);
  if (css !== null) {
    try {
      matchList = doc.querySelectorAll(css);
    } catch (error) {
      selectorError = error instanceof Error ? error.message : String(error);
    }
  }
  // With a scope, `matchList` holds the scope's elements; `inScope` counts those open in the walk.
  const scoped = roleForm !== null && roleForm[1] !== undefined;
  let inScope = 0;
  const matchedSet = new Set<ElementLike>();
  const scopeSet = new Set<ElementLike>();
  for (let i = 0; i < matchList.length; i++) (scoped ? scopeSet : matchedSet).add(matchList[i]);

  // Pass 1 (post-order): uids, subtree texts and the counts that make selectors unique.
  const uidOf = found.uidOf;
  const texts = found.texts;
  const ownText = found.ownText;
  // Each element's position among its parent's elements of its tag, and how many there are:
  // what its path step needs (`tag:nth-of-type(k)` when there are several).
  const nthOf = found.nthOf;
  const sameTagOf = found.sameTagOf;
  const tagTotals = new Map<string, number>();
  // Written by index up to `childTop`: shortening an array's length can give back its storage.
  const childStack: number[] = [];
  let childTop = 0;
  const counts = found.counts;
  const idFirst = found.idFirst;
  const labelFor = found.labelFor;
  const bump = (key: string): void => {
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const countAttrs = (
    rec: Record<string, string>,
    names: readonly string[],
    tag: string,
    uid: number,
  ): void => {
    for (const name of names) {
      if (name === 'id') {
        const id = rec[name];
        if (id) {
          bump('#' + id);
          if (uid >= 0 && !idFirst.has(id)) idFirst.set(id, uid);
        }
      } else if (name === 'name' || name === 'aria-label') {
        bump(tag + '[' + name + ']=' + rec[name]);
      } else if (TEST_SET.has(name)) {
        bump(name + '=' + rec[name]);
      }
    }
  };
  // Inside skipped subtrees (SVG, templates…) attributes still count: selectors see them.
  const countOnly = (el: ElementLike): void => {
    const children = el.children;
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      const names = c.getAttributeNames();
      countAttrs(readAttrs(c, names), names, c.tagName.toLowerCase(), -1);
      countOnly(c);
    }
  };
  const walk = (el: ElementLike): string => {
    const uid = texts.length;
    const tag = el.tagName.toLowerCase();
    const names = el.getAttributeNames();
    const rec = readAttrs(el, names);
    uidOf.set(el, uid);
    texts.push('');
    ownText.push(false);
    nthOf.push(1);
    sameTagOf.push(1);
    attrsOf.push(rec);
    namesOf.push(names);
    tagOf.push(tag);
    countAttrs(rec, names, tag, uid);
    if (SKIP.has(tag)) {
      countOnly(el);
      return '';
    }
    // The subtree's text: its text nodes, inline children's texts, block children's texts
    // between spaces and a space per `br`, capped at `max * 2` characters (`length` counts
    // them all) before squashing. A blank run is written as one space and only before a piece
    // that follows it (`space`): squashing leaves one space there and drops it at either end,
    // so a text of blocks and indented markup arrives squashed.
    let buf = '';
    let length = 0;
    let space = false;
    const nodes = el.childNodes;
    // This element's children's uids go on one stack all elements share, from `from` on.
    const from = childTop;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (n.nodeType === 3) {
        const v = n.nodeValue ?? '';
        const blank = !NON_SPACE.test(v);
        if (!blank) ownText[uid] = true;
        if (length < max * 2) {
          length += v.length;
          if (blank) space ||= v !== '';
          else {
            if (space && buf !== '') buf += ' ';
            buf += v;
            space = false;
          }
        }
      } else if (n.nodeType === 1) {
        const child = n as ElementLike;
        const childUid = texts.length;
        const t = walk(child);
        childStack[childTop++] = childUid;
        const childTag = tagOf[childUid];
        if (childTag === 'br') {
          length += 1;
          space = true;
        } else if (t && length < max * 2) {
          const inline = INLINE.has(childTag);
          length += inline ? t.length : t.length + 2;
          if ((space || !inline) && buf !== '') buf += ' ';
          buf += t;
          space = !inline;
        }
      }
    }
    const count = childTop - from;
    if (count > 8) {
      tagTotals.clear();
      for (let i = from; i < childTop; i++) {
        const c = childStack[i];
        const k = (tagTotals.get(tagOf[c]) ?? 0) + 1;
        tagTotals.set(tagOf[c], k);
        nthOf[c] = k;
      }
      for (let i = from; i < childTop; i++)
        sameTagOf[childStack[i]] = tagTotals.get(tagOf[childStack[i]]) ?? 1;
    } else if (count > 1) {
      // A few children are counted among themselves, without a map (clearing one makes a new table).
      for (let i = from; i < childTop; i++) {
        const tag = tagOf[childStack[i]];
        let before = 0;
        let all = 0;
        for (let j = from; j < childTop; j++)
          if (tagOf[childStack[j]] === tag) {
            all++;
            if (j < i) before++;
          }
        nthOf[childStack[i]] = before + 1;
        sameTagOf[childStack[i]] = all;
      }
    }
    childTop = from;
    const text = squashClip(buf, max);
    texts[uid] = text;
    if (tag === 'label') {
      const f = rec['for'];
      if (f && !labelFor.has(f)) labelFor.set(f, text);
    }
    return text;
  };
  const top = doc.documentElement;
  if (top && kept === undefined) walk(top);
  if (memo !== undefined && kept === undefined) {
    memo.maxText = max;
    memo.pass1 = found;
  }

  const implicitRole = (tag: string, uid: number, type: string): string => {
    switch (tag) {
      case 'a':
      case 'area':
        return has(uid, 'href') ? 'link' : '';
      case 'button':
      case 'summary':
        return 'button';
      case 'input':
        if (type === 'submit' || type === 'button' || type === 'reset' || type === 'image') return 'button';
        if (type === 'checkbox' || type === 'radio') return type;
        if (type === 'range') return 'slider';
        if (type === 'hidden') return '';
        return 'textbox';
      case 'select':
        return 'combobox';
      case 'textarea':
        return 'textbox';
      case 'img':
        return 'img';
      case 'h1':
      case 'h2':
      case 'h3':
      case 'h4':
      case 'h5':
      case 'h6':
        return 'heading';
      default:
        return LANDMARK_TAGS[tag] ?? '';
    }
  };

  // Siblings' candidates read the same text nodes: each is squashed once.
  const nodeTexts = found.nodeTexts;
  const nodeText = (n: NodeLike): string => {
    let t = nodeTexts.get(n);
    if (t === undefined) {
      t = squashClip(n.nodeValue ?? '', 80);
      nodeTexts.set(n, t);
    }
    return t;
  };
  /** Text of the nearest neighbouring node, climbing out of wrappers that add no text. */
  const neighbour = (el: ElementLike, before: boolean): string => {
    let cur: ElementLike | null = el;
    for (let up = 0; cur && up < 8; up++) {
      let n: NodeLike | null = before ? cur.previousSibling : cur.nextSibling;
      for (let seen = 0; n && seen < 6; seen++, n = before ? n.previousSibling : n.nextSibling) {
        if (n.nodeType === 3) {
          const t = nodeText(n);
          if (t) return t;
        } else if (n.nodeType === 1) {
          const t = texts[uidOf.get(n as ElementLike) ?? -1];
          if (t) return clip(t, 80);
        }
      }
      const parent: ElementLike | null = cur.parentElement;
      if (!parent || texts[uidOf.get(parent) ?? -1] !== texts[uidOf.get(cur) ?? -1]) return '';
      cur = parent;
    }
    return '';
  };

  // Pass 2 (pre-order): snapshots with their context.
  const snapshots: ElementSnapshot[] = [];
  const matched: number[] = [];
  const ancestors: number[] = [];
  const path: string[] = [];
  const positions: number[] = [];
  const steps: string[] = [];
  // `steps` from the last id step on, joined: the path selector of each element on the stack.
  const joined: string[] = [];
  const tagIdents = new Map<string, string>();
  const tagIdent = (tag: string): string => {
    let ident = tagIdents.get(tag);
    if (ident === undefined) {
      ident = cssIdent(tag);
      tagIdents.set(tag, ident);
    }
    return ident;
  };
  const idSteps: number[] = [];
  const landmarks: string[] = [];
  const labels: string[] = [];
  const forms: string[] = [];
  const containers: string[] = [];
  // The labels heading the lists (submenus, menu columns) the element sits in, outermost first.
  const groups: string[] = [];
  // Latest heading text per level (index 0 = h1); a heading clears the levels below it.
  const outline: string[] = [];
  let headingsNow: string[] | null = null;
  let lastHeading = '';
  // Per depth, the arrays the elements at that depth share: they all have the same ancestors,
  // landmarks and containers (a parent's children are visited one after the other, and
  // only a parent pushes onto those stacks), and same-tag neighbours the same path.
  interface Shared {
    ancestors?: number[];
    landmarks?: string[];
    containers?: string[];
    groups?: string[];
    pathTag?: string;
    path?: string[];
  }
  const shared: Shared[] = [];
  const sharedHere = (): Shared => (shared[ancestors.length] ??= {});
  const pathOf = (here: Shared, tag: string): string[] => {
    if (here.pathTag !== tag || here.path === undefined) {
      here.pathTag = tag;
      here.path = path.slice();
    }
    return here.path;
  };
  let truncated = false;
  const GROUP_TAGS = new Set(['ul', 'ol', 'menu']);
  const GROUP_ROLES = new Set(['menu', 'menubar', 'tree']);
  /**
   * The entry heading a list: the nearest text before it among its siblings, lists passed over
   * (a submenu's parent entry `li > a + ul`, a menu column's title `p + ul + ul`). A paragraph is
   * no entry: a head longer than a label heads nothing.
   */
  const headOf = (el: ElementLike): string => {
    let n: NodeLike | null = el.previousSibling;
    for (let seen = 0; n && seen < 8; seen++, n = n.previousSibling) {
      let t = '';
      if (n.nodeType === 3) t = nodeText(n);
      else if (n.nodeType === 1) {
        const uid = uidOf.get(n as ElementLike) ?? -1;
        if (GROUP_TAGS.has(tagOf[uid])) continue;
        t = texts[uid] ?? '';
      }
      if (t) return t.length <= 60 ? t : '';
    }
    return '';
  };

  const uniqueId = (id: string | null): boolean =>
    id !== null && id !== '' && counts.get('#' + id) === 1 && !looksGenerated(id);

  const visit = (el: ElementLike, hidden: boolean): void => {
    const uid = uidOf.get(el) ?? -1;
    const tag = tagOf[uid];
    if (SKIP.has(tag)) return;
    const nth = nthOf[uid];
    const sameTag = sameTagOf[uid];
    const rec = attrsOf[uid];
    const type = raw(uid, 'type').trim().toLowerCase();
    const roleAttr = raw(uid, 'role').trim().toLowerCase();
    const role = roleAttr || implicitRole(tag, uid, type);
    const style = has(uid, 'style') ? raw(uid, 'style').toLowerCase().replace(SPACE, '') : '';
    const isHidden =
      hidden || has(uid, 'hidden') || (tag === 'input' && type === 'hidden') || HIDDEN_STYLE.test(style);
    const rawId = rec['id'] ?? null;
    path.push(tag);
    positions.push(nth);
    const unique = uniqueId(rawId);
    if (unique) {
      const step = '#' + cssIdent(rawId ?? '');
      steps.push(step);
      joined.push(step);
      idSteps.push(steps.length - 1);
    } else {
      const step = tagIdent(tag) + (sameTag > 1 ? ':nth-of-type(' + nth + ')' : '');
      steps.push(step);
      joined.push(joined.length === 0 ? step : joined[joined.length - 1] + ' > ' + step);
    }

    let isMatched = matchedSet.has(el);
    const opensScope = scoped && scopeSet.has(el);
    if (opensScope) inScope++;
    // Playwright maps some inputs elsewhere (`file` → button, `search` → searchbox): any input
    // may be a button or a textbox to it.
    const roleMay =
      role === roleWanted || (tag === 'input' && (roleWanted === 'button' || roleWanted === 'textbox'));
    if (textTag && tag === textTag && roleWords && (!scoped || inScope > 0)) {
      const value = tag === 'input' ? [squash(raw(uid, 'value'))] : [];
      isMatched = runsOf(el).concat(value).indexOf(roleWords) >= 0;
      if (isMatched) roleMatches++;
    } else if (roleForm && !textTag && roleMay && roleWords && (!scoped || inScope > 0)) {
      const named = [
        texts[uid],
        attr(uid, 'aria-label'),
        attr(uid, 'title'),
        attr(uid, 'alt'),
        attr(uid, 'placeholder'),
        attr(uid, 'value'),
        rawId !== null && labelFor.has(rawId) ? (labelFor.get(rawId) ?? '') : '',
        labels.length > 0 ? labels[labels.length - 1] : '',
      ];
      const labelledBy = attr(uid, 'aria-labelledby');
      if (labelledBy)
        for (const ref of labelledBy.split(' ')) named.push(texts[idFirst.get(ref) ?? -1] ?? '');
      isMatched = texts[uid].length >= max || named.some((t) => t.includes(roleWords));
      if (isMatched) roleMatches++;
    }
    let candidate = isMatched || tag === args.includeTag;
    if (!candidate && tag !== 'html' && tag !== 'body') {
      if (INTERACTIVE.has(tag)) candidate = !(tag === 'input' && type === 'hidden');
      else if (tag === 'img') candidate = has(uid, 'alt') || has(uid, 'title');
      else if (ownText[uid] || styledAsHeading(tag, uid)) candidate = true;
      else {
        // Index loops: an iterator's results are garbage wherever the loop is not optimised.
        const names = namesOf[uid];
        for (let i = 0; i < names.length; i++)
          if (SIGNAL_SET.has(names[i]) || TEST_SET.has(names[i])) candidate = true;
      }
    }
    if (candidate && !isMatched && snapshots.length >= args.maxCandidates) {
      candidate = false;
      truncated = true;
    }

    if (candidate) {
      // Snapshot arrays are read-only: the many without test ids or classes share one empty list.
      let testIds: string[] = NONE;
      let selector = '';
      for (let i = 0; i < TEST_ATTRS.length; i++) {
        const a = TEST_ATTRS[i];
        const v = rec[a];
        if (!v) continue;
        if (testIds === NONE) testIds = [];
        testIds.push(a + '=' + v);
        if (!selector && counts.get(a + '=' + v) === 1) selector = '[' + a + '=' + cssString(v) + ']';
      }
      if (!selector && unique) selector = '#' + cssIdent(rawId ?? '');
      const rawName = rec['name'];
      const rawAria = rec['aria-label'];
      if (!selector && rawName && counts.get(tag + '[name]=' + rawName) === 1)
        selector = cssIdent(tag) + '[name=' + cssString(rawName) + ']';
      if (!selector && rawAria && counts.get(tag + '[aria-label]=' + rawAria) === 1)
        selector = cssIdent(tag) + '[aria-label=' + cssString(rawAria) + ']';
      if (!selector) selector = joined[joined.length - 1];

      const id = rawId === null ? '' : squash(rawId);
      let labelText = '';
      const labelledBy = attr(uid, 'aria-labelledby');
      if (labelledBy) {
        labelText = squash(
          labelledBy
            .split(' ')
            .map((ref) => texts[idFirst.get(ref) ?? -1] ?? '')
            .join(' '),
        );
      }
      if (!labelText && id && labelFor.has(id)) labelText = labelFor.get(id) ?? '';
      if (!labelText && labels.length > 0) labelText = labels[labels.length - 1];

      const own = texts[uid];
      let parentText = '';
      for (let i = ancestors.length - 1; i >= 0; i--) {
        const t = texts[ancestors[i]];
        if (t && t !== own) {
          parentText = t;
          break;
        }
      }

      let bbox: ElementSnapshot['bbox'] = null;
      let visible = !isHidden;
      if (args.geometry && typeof el.getBoundingClientRect === 'function') {
        const r = el.getBoundingClientRect();
        bbox = {
          x: Math.round(r.x),
          y: Math.round(r.y),
          width: Math.round(r.width),
          height: Math.round(r.height),
        };
        visible =
          typeof el.checkVisibility === 'function' ? el.checkVisibility() : r.width > 0 && r.height > 0;
      }

      const here = sharedHere();
      const classAttr = attr(uid, 'class');
      if (isMatched) matched.push(snapshots.length);
      snapshots.push({
        uid,
        ancestors: (here.ancestors ??= ancestors.slice()),
        selector,
        tag,
        id,
        name: attr(uid, 'name'),
        type,
        role,
        // A squashed value has no empty word but the empty value's.
        classes: classAttr === '' ? NONE : classAttr.split(' '),
        text: own,
        ariaLabel: attr(uid, 'aria-label'),
        placeholder: attr(uid, 'placeholder'),
        title: attr(uid, 'title'),
        alt: attr(uid, 'alt'),
        href: attr(uid, 'href'),
        src: attr(uid, 'src'),
        value: tag === 'input' || tag === 'button' || tag === 'option' ? attr(uid, 'value') : '',
        testIds,
        labelText: clip(labelText, max),
        parentText,
        prevText: neighbour(el, true),
        nextText: neighbour(el, false),
        headingText: lastHeading,
        landmark: landmarks.length > 0 ? landmarks[landmarks.length - 1] : '',
        landmarks: (here.landmarks ??= landmarks.slice()),
        headings: (headingsNow ??= outline.filter((h) => h !== '')),
        form: forms.length > 0 ? forms[forms.length - 1] : '',
        containers: (here.containers ??= containers.slice(-3)),
        groups: (here.groups ??= groups.slice()),
        depth: ancestors.length,
        path: pathOf(here, tag),
        nthOfType: nth,
        positions: positions.slice(),
        bbox,
        visible,
      });
    }

    if (role === 'heading') {
      lastHeading = texts[uid];
      const level = HEADING_TAG.test(tag) ? Number(tag.charAt(1)) : Number(raw(uid, 'aria-level')) || 2;
      outline.length = Math.min(outline.length, level - 1);
      while (outline.length < level - 1) outline.push('');
      outline.push(clip(texts[uid], 80));
      headingsNow = null;
    }
    const hasLabel = has(uid, 'aria-label') || has(uid, 'aria-labelledby');
    const landmarkRole =
      roleAttr && LANDMARK_ROLES.has(roleAttr)
        ? roleAttr
        : (LANDMARK_TAGS[tag] ?? (tag === 'section' && hasLabel ? 'region' : ''));
    if (landmarkRole) {
      const label = attr(uid, 'aria-label');
      landmarks.push(label ? landmarkRole + ':' + clip(label, 60) : landmarkRole);
    }
    if (tag === 'label') labels.push(texts[uid]);
    const isForm = tag === 'form' || roleAttr === 'form' || roleAttr === 'search';
    if (isForm) {
      const formId = rec['id'] ?? '';
      const action = raw(uid, 'action')
        .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, '')
        .replace(/[?#].*$/, '');
      forms.push(
        formId && !looksGenerated(formId)
          ? '#' + formId
          : attr(uid, 'name')
            ? 'name=' + attr(uid, 'name')
            : attr(uid, 'aria-label')
              ? 'label=' + clip(attr(uid, 'aria-label'), 60)
              : action
                ? 'action=' + clip(action, 120)
                : roleAttr === 'search'
                  ? 'search'
                  : 'form',
      );
    }

    const isContainer = unique;
    if (isContainer) containers.push('#' + (rawId ?? ''));
    const group = GROUP_TAGS.has(tag) || GROUP_ROLES.has(roleAttr) ? headOf(el) : '';
    if (group) groups.push(group);
    ancestors.push(uid);
    // The children's snapshots share the arrays that describe where their parent is.
    shared.length = ancestors.length;
    const children = el.children;
    for (let i = 0; i < children.length; i++) visit(children[i], isHidden);
    ancestors.pop();
    if (opensScope) inScope--;
    if (tag === 'label') labels.pop();
    if (landmarkRole) landmarks.pop();
    if (isForm) forms.pop();
    if (isContainer) containers.pop();
    if (group) groups.pop();
    if (idSteps.length > 0 && idSteps[idSteps.length - 1] === steps.length - 1) idSteps.pop();
    steps.pop();
    joined.pop();
    path.pop();
    positions.pop();
  };
  if (top) visit(top, false);

  return {
    snapshots,
    matched: args.selector === null ? null : matched,
    matchCount: roleForm ? roleMatches : matchList.length,
    selectorError,
    truncated,
    elementCount: texts.length,
  };
}
